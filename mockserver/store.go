package mockserver

import (
	"sort"
	"strings"
	"sync"
	"time"
)

// session and prompt are the stored entities. Stored values are never
// mutated after they are handed out: reads return copies (views).
type session struct {
	id          string
	seq         uint64 // creation order across the whole store
	displayName *string
	created     time.Time
	modified    time.Time
	prompts     []*prompt // creation order (ascending seq)
	promptByID  map[string]*prompt
}

type prompt struct {
	id                    string
	seq                   uint64
	typ                   string
	content               *string
	skillName             *string
	inputs                any // *jsonObject or nil, as sent (default {"keyValuePairs":[]})
	skillInputDescriptors any // []any or nil, as sent (default [])
	created               time.Time
	modified              time.Time
	evaluations           []*evaluation // creation order
	evaluationByID        map[string]*evaluation
}

// sessionView and promptView are immutable snapshots for rendering.
type sessionView struct {
	id          string
	seq         uint64
	displayName *string
	created     time.Time
	modified    time.Time
	prompts     []promptView // filled only when asked for ($expand)
}

type promptView = prompt

type workspace struct {
	id       string
	sessions []*session // ascending seq
	byID     map[string]*session
}

// store is the in-memory database. One RWMutex guards everything; all
// operations are short.
type store struct {
	mu         sync.RWMutex
	seq        uint64
	workspaces map[string]*workspace // lower-cased id
}

func newStore(workspaceIDs []string) *store {
	st := &store{workspaces: make(map[string]*workspace)}
	for _, id := range workspaceIDs {
		st.workspaces[strings.ToLower(id)] = &workspace{id: id, byID: make(map[string]*session)}
	}
	return st
}

// idKey normalises an entity key for lookup (GUIDs compare case-insensitively).
func idKey(id string) string { return strings.ToLower(id) }

func (st *store) workspace(id string) (*workspace, error) {
	ws := st.workspaces[strings.ToLower(id)]
	if ws == nil {
		return nil, notFound("Workspace '%s' was not found.", id)
	}
	return ws, nil
}

func (st *store) session(wsID, sid string) (*workspace, *session, error) {
	ws, err := st.workspace(wsID)
	if err != nil {
		return nil, nil, err
	}
	s := ws.byID[idKey(sid)]
	if s == nil {
		return ws, nil, notFound("Session '%s' was not found in workspace '%s'.", sid, ws.id)
	}
	return ws, s, nil
}

// workspaceID returns the canonical id of a workspace, or a 404 error.
func (st *store) workspaceID(id string) (string, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	ws, err := st.workspace(id)
	if err != nil {
		return "", err
	}
	return ws.id, nil
}

func (s *session) view(withPrompts bool) sessionView {
	v := sessionView{id: s.id, seq: s.seq, displayName: s.displayName, created: s.created, modified: s.modified}
	if withPrompts {
		v.prompts = make([]promptView, len(s.prompts))
		for i, p := range s.prompts {
			v.prompts[i] = *p
		}
	}
	return v
}

// createSession stores a new session and returns its view and workspace id.
func (st *store) createSession(wsID string, displayName *string, now time.Time) (sessionView, string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, err := st.workspace(wsID)
	if err != nil {
		return sessionView{}, "", err
	}
	st.seq++
	s := &session{
		id:          newUUID(),
		seq:         st.seq,
		displayName: displayName,
		created:     now,
		modified:    now,
		promptByID:  make(map[string]*prompt),
	}
	ws.sessions = append(ws.sessions, s)
	ws.byID[s.id] = s
	return s.view(false), ws.id, nil
}

// getSession returns a session view and the canonical workspace id.
func (st *store) getSession(wsID, sid string, withPrompts bool) (sessionView, string, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	ws, s, err := st.session(wsID, sid)
	if err != nil {
		return sessionView{}, "", err
	}
	return s.view(withPrompts), ws.id, nil
}

// updateSession applies a validated patch. When setName is false nothing
// changes. lastModifiedDateTime moves to now, and always strictly forward
// (at least one tick) even when the clock has not.
func (st *store) updateSession(wsID, sid string, setName bool, displayName *string, now time.Time) (sessionView, string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, s, err := st.session(wsID, sid)
	if err != nil {
		return sessionView{}, "", err
	}
	if setName {
		s.displayName = displayName
		if !now.After(s.modified) {
			now = s.modified.Add(tick)
		}
		s.modified = now
	}
	return s.view(false), ws.id, nil
}

// createPrompt stores p (id, seq and times are assigned here) in a session.
func (st *store) createPrompt(wsID, sid string, p prompt, now time.Time) (promptView, string, string, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, s, err := st.session(wsID, sid)
	if err != nil {
		return promptView{}, "", "", err
	}
	st.seq++
	p.id, p.seq, p.created, p.modified = newUUID(), st.seq, now, now
	stored := p
	s.prompts = append(s.prompts, &stored)
	s.promptByID[stored.id] = &stored
	return stored, ws.id, s.id, nil
}

// getPrompt returns a prompt of a session; a prompt of another session is 404.
func (st *store) getPrompt(wsID, sid, pid string) (promptView, string, string, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	ws, s, err := st.session(wsID, sid)
	if err != nil {
		return promptView{}, "", "", err
	}
	p := s.promptByID[idKey(pid)]
	if p == nil {
		return promptView{}, "", "", notFound("Prompt '%s' was not found in session '%s'.", pid, s.id)
	}
	return *p, ws.id, s.id, nil
}

// pageRequest describes one page of a list.
type pageRequest struct {
	match     func(record) bool // nil matches everything
	after     uint64            // cursor: seq of the last item already returned
	hasCursor bool
	top       int
	count     bool // compute the total of matching items
}

// pageResult is one page plus paging facts.
type pageResult struct {
	total int // matching items across all pages (only when counted)
	more  bool
	last  uint64 // seq of the last item on the page
}

// listSessions pages through a workspace newest first (descending seq).
func (st *store) listSessions(wsID string, pr pageRequest, withPrompts bool) ([]sessionView, pageResult, string, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	ws, err := st.workspace(wsID)
	if err != nil {
		return nil, pageResult{}, "", err
	}
	var page []sessionView
	var res pageResult
	// Start below the cursor: the first index whose seq >= after, minus one.
	start := len(ws.sessions) - 1
	if pr.hasCursor {
		start = sort.Search(len(ws.sessions), func(i int) bool { return ws.sessions[i].seq >= pr.after }) - 1
	}
	if pr.count {
		for _, s := range ws.sessions {
			if pr.match == nil || pr.match(sessionRecord{s}) {
				res.total++
			}
		}
	}
	for i := start; i >= 0; i-- {
		s := ws.sessions[i]
		if pr.match != nil && !pr.match(sessionRecord{s}) {
			continue
		}
		if len(page) == pr.top {
			res.more = true
			break
		}
		page = append(page, s.view(withPrompts))
		res.last = s.seq
	}
	return page, res, ws.id, nil
}

// listPrompts pages through a session's prompts oldest first (ascending seq).
func (st *store) listPrompts(wsID, sid string, pr pageRequest) ([]promptView, pageResult, string, string, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	ws, s, err := st.session(wsID, sid)
	if err != nil {
		return nil, pageResult{}, "", "", err
	}
	var page []promptView
	var res pageResult
	start := 0
	if pr.hasCursor {
		start = sort.Search(len(s.prompts), func(i int) bool { return s.prompts[i].seq > pr.after })
	}
	if pr.count {
		for _, p := range s.prompts {
			if pr.match == nil || pr.match(promptRecord{p}) {
				res.total++
			}
		}
	}
	for i := start; i < len(s.prompts); i++ {
		p := s.prompts[i]
		if pr.match != nil && !pr.match(promptRecord{p}) {
			continue
		}
		if len(page) == pr.top {
			res.more = true
			break
		}
		page = append(page, *p)
		res.last = p.seq
	}
	return page, res, ws.id, s.id, nil
}
