package mockserver

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Data is a state the server starts from, and returns to on Reset: workspaces with their
// sessions, prompts and evaluations, with fixed ids and timestamps. It is the JSON of serve
// --data, and what Export and the admin endpoint give back.
type Data struct {
	Workspaces []DataWorkspace `json:"workspaces"`
}

// DataWorkspace is a workspace and its sessions, in creation order.
type DataWorkspace struct {
	ID       string        `json:"id"`
	Sessions []DataSession `json:"sessions,omitempty"`
}

// DataSession is a session and its prompts, in creation order.
type DataSession struct {
	ID                   string       `json:"id"`
	DisplayName          *string      `json:"displayName"`
	CreatedDateTime      time.Time    `json:"createdDateTime"`
	LastModifiedDateTime time.Time    `json:"lastModifiedDateTime"`
	Prompts              []DataPrompt `json:"prompts,omitempty"`
}

// DataPrompt is a prompt of a session.
type DataPrompt struct {
	ID                   string           `json:"id"`
	Type                 string           `json:"type,omitempty"` // "prompt" when empty
	Content              *string          `json:"content"`
	SkillName            *string          `json:"skillName,omitempty"`
	CreatedDateTime      time.Time        `json:"createdDateTime"`
	LastModifiedDateTime time.Time        `json:"lastModifiedDateTime"`
	Evaluations          []DataEvaluation `json:"evaluations,omitempty"`
}

// DataEvaluation is an evaluation of a prompt. Its life runs from createdDateTime as any
// evaluation's does (Options.EvaluationDelays), so one created a while ago is final; Outcome
// says how it ends: "completed" (the default, with Answer as result.content), "error" or
// "cancelled".
type DataEvaluation struct {
	ID              string    `json:"id"`
	CreatedDateTime time.Time `json:"createdDateTime"`
	Outcome         string    `json:"outcome,omitempty"`
	Answer          string    `json:"answer,omitempty"`
}

// ReadData decodes the JSON of a Data document, refusing members it does not know.
func ReadData(b []byte) (Data, error) {
	var d Data
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return Data{}, fmt.Errorf("mockserver: the data is not a valid document: %w", err)
	}
	return d, d.validate()
}

// validate checks what the store relies on: ids present and unique, times set and in order.
func (d Data) validate() error {
	if len(d.Workspaces) == 0 {
		return errors.New("mockserver: the data names no workspace")
	}
	seen := map[string]bool{}
	unique := func(kind, id string) error {
		key := kind + " " + strings.ToLower(id)
		switch {
		case strings.TrimSpace(id) == "":
			return fmt.Errorf("mockserver: a %s in the data has no id", kind)
		case seen[key]:
			return fmt.Errorf("mockserver: the data holds the %s id %q twice", kind, id)
		}
		seen[key] = true
		return nil
	}
	times := func(kind, id string, created, modified time.Time) error {
		if created.IsZero() || modified.IsZero() || modified.Before(created) {
			return fmt.Errorf("mockserver: %s %q needs createdDateTime and a lastModifiedDateTime not before it", kind, id)
		}
		return nil
	}
	for _, ws := range d.Workspaces {
		if err := unique("workspace", ws.ID); err != nil {
			return err
		}
		for _, s := range ws.Sessions {
			if err := errors.Join(unique("session", s.ID), times("session", s.ID, s.CreatedDateTime, s.LastModifiedDateTime)); err != nil {
				return err
			}
			for _, p := range s.Prompts {
				if err := errors.Join(unique("prompt", p.ID), times("prompt", p.ID, p.CreatedDateTime, p.LastModifiedDateTime)); err != nil {
					return err
				}
				if p.Type != "" && p.Type != "prompt" {
					return fmt.Errorf("mockserver: prompt %q has type %q; only prompt is supported", p.ID, p.Type)
				}
				for _, e := range p.Evaluations {
					if err := unique("evaluation", e.ID); err != nil {
						return err
					}
					if e.CreatedDateTime.IsZero() {
						return fmt.Errorf("mockserver: evaluation %q needs createdDateTime", e.ID)
					}
					switch e.Outcome {
					case "", "completed", "error", "cancelled":
					default:
						return fmt.Errorf("mockserver: evaluation %q has the outcome %q; want completed, error or cancelled", e.ID, e.Outcome)
					}
				}
			}
		}
	}
	return nil
}

// load replaces everything the store holds with d.
func (st *store) load(d Data) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.seq = 0
	st.workspaces = make(map[string]*workspace)
	for _, dw := range d.Workspaces {
		ws := &workspace{id: dw.ID, byID: make(map[string]*session)}
		st.workspaces[strings.ToLower(dw.ID)] = ws
		for _, ds := range dw.Sessions {
			st.seq++
			s := &session{id: ds.ID, seq: st.seq, displayName: ds.DisplayName, created: ds.CreatedDateTime.UTC(),
				modified: ds.LastModifiedDateTime.UTC(), promptByID: make(map[string]*prompt)}
			ws.sessions = append(ws.sessions, s)
			ws.byID[idKey(s.id)] = s
			for _, dp := range ds.Prompts {
				st.seq++
				p := &prompt{id: dp.ID, seq: st.seq, typ: "prompt", content: dp.Content, skillName: dp.SkillName,
					inputs: newObject().Set("keyValuePairs", []any{}), skillInputDescriptors: []any{},
					created: dp.CreatedDateTime.UTC(), modified: dp.LastModifiedDateTime.UTC()}
				s.prompts = append(s.prompts, p)
				s.promptByID[idKey(p.id)] = p
				for _, de := range dp.Evaluations {
					st.seq++
					e := &evaluation{id: de.ID, seq: st.seq, created: de.CreatedDateTime.UTC(), outcome: cmp.Or(de.Outcome, "completed"), answer: de.Answer}
					if e.outcome == "completed" && e.answer == "" {
						e.answer = newEvaluation("", 0, p.content, e.created).answer
					}
					if p.evaluationByID == nil {
						p.evaluationByID = map[string]*evaluation{}
					}
					p.evaluations = append(p.evaluations, e)
					p.evaluationByID[idKey(e.id)] = e
				}
			}
		}
	}
}

// export gives what the store holds as Data.
func (st *store) export(order []string) Data {
	st.mu.RLock()
	defer st.mu.RUnlock()
	var d Data
	for _, id := range order {
		ws := st.workspaces[strings.ToLower(id)]
		if ws == nil {
			continue
		}
		dw := DataWorkspace{ID: ws.id}
		for _, s := range ws.sessions {
			ds := DataSession{ID: s.id, DisplayName: s.displayName, CreatedDateTime: s.created, LastModifiedDateTime: s.modified}
			for _, p := range s.prompts {
				dp := DataPrompt{ID: p.id, Type: p.typ, Content: p.content, SkillName: p.skillName,
					CreatedDateTime: p.created, LastModifiedDateTime: p.modified}
				for _, e := range p.evaluations {
					dp.Evaluations = append(dp.Evaluations, DataEvaluation{ID: e.id, CreatedDateTime: e.created, Outcome: e.outcome, Answer: e.answer})
				}
				ds.Prompts = append(ds.Prompts, dp)
			}
			dw.Sessions = append(dw.Sessions, ds)
		}
		d.Workspaces = append(d.Workspaces, dw)
	}
	return d
}

// Reset returns the server to the state it started from: Options.Data, or empty workspaces,
// and forgets what its faults remembered.
func (s *Server) Reset() {
	s.store.load(s.initial)
	if l, ok := s.faults.(*faultLayer); ok {
		l.forget()
	}
}

// Export gives the sessions, prompts and evaluations the server holds now, as Data.
func (s *Server) Export() Data {
	order := make([]string, 0, len(s.initial.Workspaces))
	for _, w := range s.initial.Workspaces {
		order = append(order, w.ID)
	}
	return s.store.export(order)
}

// adminPrefix is where the admin endpoints live, outside the API's paths.
const adminPrefix = "/_copilotconf/"

// serveAdmin answers the admin endpoints (Options.Admin): POST /_copilotconf/reset returns the
// server to its data (204); GET /_copilotconf/state exports what it holds. They take the
// API's bearer token. It says whether the request was one of them.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) bool {
	if !strings.HasPrefix(r.URL.Path, adminPrefix) {
		return false
	}
	rc := s.newReqCtx(r)
	rc.now = s.now()
	fail := func(e *apiError) { s.writeJSON(w, rc, errorResponse(rc, e)) }
	if err := s.authenticate(r); err != nil {
		fail(err.(*apiError))
		return true
	}
	switch route := strings.TrimPrefix(r.URL.Path, adminPrefix); {
	case route == "reset" && r.Method == http.MethodPost:
		s.Reset()
		w.Header().Set("request-id", rc.requestID)
		w.WriteHeader(http.StatusNoContent)
	case route == "state" && r.Method == http.MethodGet:
		b, _ := json.MarshalIndent(s.Export(), "", "  ")
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", rc.requestID)
		_, _ = w.Write(append(b, '\n'))
	case route == "reset" || route == "state":
		e := newAPIError(http.StatusMethodNotAllowed, codeMethodNotAllowed, "Use POST %sreset and GET %sstate.", adminPrefix, adminPrefix)
		fail(e)
	default:
		fail(notFound("No admin endpoint %q: POST %sreset, GET %sstate.", r.URL.Path, adminPrefix, adminPrefix))
	}
	return true
}
