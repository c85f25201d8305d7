package explore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/onsi/gomega/types"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/matchers"
	"github.com/copilotconf/copilotconf/schemas"
)

// Properties are the names of the properties an exploration checks, as the report lists them.
const (
	PropStatus     = "status"     // every answer has the status the call calls for
	PropSchema     = "schema"     // every body is valid against its schema; errors are OData errors
	PropRoundTrip  = "round-trip" // names and contents come back exactly as sent, ids stay the same
	PropUniqueIDs  = "unique-ids" // every create gives a new id
	PropTimestamps = "timestamps" // updates move lastModifiedDateTime forward and keep createdDateTime
	PropListed     = "listed"     // lists contain every object of the run they should, and no other of the run
	PropFiltered   = "filtered"   // a $filter listing holds only matching items
	PropCount      = "count"      // @odata.count is the number of items listed across the pages
	PropPaging     = "paging"     // $top bounds a page; next links are absolute, end, repeat no item
	PropSelected   = "selected"   // $select returns id and the selected properties only
	PropScoped     = "scoped"     // prompts and evaluations are listed, expanded and found under their own parent only
	PropContext    = "context"    // @odata.context names the collection, or the entity in it, and comes first
	PropAuth       = "auth"       // a request without a valid token is refused with 401
	PropHeaders    = "headers"    // every answer has request-id, echoes client-request-id, labels JSON as such; creates give Location
	PropFormat     = "format"     // timestamps are written as Graph writes them: UTC, a literal Z, at most 7 fractional digits
	PropODataType  = "odata-type" // with odata.metadata=full every object carries its exact @odata.type
	PropLifecycle  = "lifecycle"  // evaluations move forward through their states to a final one, and then change no more
)

// step is one call and what came of it.
type step struct {
	Call      Call
	Exchanges []*httpclient.Exchange
	Skipped   bool // the call named an object the run does not have (after shrinking)
}

// violation is a property an answer broke.
type violation struct {
	Property string
	Message  string
}

// executor sends calls and checks each answer against the model.
type executor struct {
	client    *httpclient.Client
	validator *schemas.Validator
	runID     string
	model     model
	seen      map[string]bool // every id a create answered
	checked   map[string]int  // how often each property was checked
	maxPages  int
	unknowns  int
	requests  int                        // client-request-ids sent
	observe   func(*httpclient.Exchange) // nil: nobody watches
	// evaluationTimeout is how long an evaluation may take to reach a final state.
	evaluationTimeout time.Duration
}

// newExecutor sends to client what cfg (with its defaults) explores.
func newExecutor(client *httpclient.Client, cfg Config, observe func(*httpclient.Exchange)) *executor {
	return &executor{client: client, validator: cfg.Validator, runID: cfg.RunID,
		seen: map[string]bool{}, checked: map[string]int{}, maxPages: 100, observe: observe,
		model: model{workspace: cfg.Workspace, plugins: map[string][]plugin{}}, evaluationTimeout: cfg.EvaluationTimeout}
}

// check records that a property was checked, and the violation when it does not hold.
func (e *executor) check(out *[]violation, prop string, ok bool, format string, args ...any) {
	e.checked[prop]++
	if !ok {
		*out = append(*out, violation{prop, fmt.Sprintf(format, args...)})
	}
}

// match checks a value with one of the suites' matchers.
func (e *executor) match(out *[]violation, prop, what string, actual any, m types.GomegaMatcher) bool {
	ok, err := m.Match(actual)
	if err != nil {
		e.check(out, prop, false, "%s: %v", what, err)
		return false
	}
	msg := ""
	if !ok {
		msg = m.FailureMessage(actual)
	}
	e.check(out, prop, ok, "%s: %s", what, oneLine(msg))
	return ok
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// do sends one request of the call with a client-request-id of its own, and checks the
// headers every answer carries.
func (e *executor) do(ctx context.Context, out *[]violation, s *step, req httpclient.Request) *httpclient.Exchange {
	e.requests++
	sent := fmt.Sprintf("c0c0c0c0-0000-4000-8000-%012d", e.requests)
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("client-request-id", sent)
	ex := e.client.Do(ctx, req)
	s.Exchanges = append(s.Exchanges, ex)
	if e.observe != nil {
		e.observe(ex)
	}
	if ex.Err == nil && ex.Status != 0 {
		e.match(out, PropHeaders, ex.Label, ex, matchers.HaveRequestID())
		e.match(out, PropHeaders, ex.Label, ex, matchers.EchoClientRequestID(sent))
		if len(ex.ResponseBody) > 0 && ex.Status != http.StatusNoContent {
			e.match(out, PropHeaders, ex.Label, ex, matchers.HaveJSONMediaType())
			if strings.HasPrefix(strings.TrimSpace(string(ex.ResponseBody)), "{") {
				e.match(out, PropContext, ex.Label, ex, matchers.HaveODataContextFirst())
			}
		}
	}
	return ex
}

func (e *executor) ids(sessionID, promptID string) map[string]string {
	return map[string]string{api.WorkspaceID: e.model.workspace, api.SessionID: sessionID, api.PromptID: promptID}
}

// target is what a call names, resolved: the session, prompt and evaluation of the run (nil
// when unknown) and the ids sent.
type target struct {
	session    *session
	prompt     *prompt
	evaluation *evaluation
	ids        map[string]string
}

// resolve turns the call's indices into ids: an unknown one becomes a fresh id no target
// holds; ok is false when the call names an object the run does not have.
func (e *executor) resolve(c Call, params int) (target, bool) {
	e.unknowns++
	unknown := fmt.Sprintf("0e7e0000-0000-4000-8000-%012d", e.unknowns)
	t := target{ids: map[string]string{api.WorkspaceID: cmp.Or(c.Workspace, e.model.workspace), api.SessionID: unknown, api.PromptID: unknown, api.EvaluationID: unknown}}
	if c.UnknownWorkspace {
		t.ids[api.WorkspaceID] = unknown
	}
	sessions := e.model.sessions
	if c.Session == Unknown || params < 2 {
		return t, true
	}
	if c.Session >= len(sessions) {
		return t, false
	}
	t.session = sessions[c.Session]
	t.ids[api.SessionID] = t.session.id
	if c.Prompt == Unknown || params < 3 {
		return t, true
	}
	if c.Prompt >= len(t.session.prompts) {
		return t, false
	}
	t.prompt = t.session.prompts[c.Prompt]
	t.ids[api.PromptID] = t.prompt.id
	if c.Misaddressed && params == 3 { // the prompt under another session
		if c.Under >= len(sessions) || c.Under == c.Session {
			return t, false
		}
		t.ids[api.SessionID] = sessions[c.Under].id
	}
	if c.Evaluation == Unknown || params < 4 {
		return t, true
	}
	if c.Evaluation >= len(t.prompt.evaluations) {
		return t, false
	}
	t.evaluation = t.prompt.evaluations[c.Evaluation]
	t.ids[api.EvaluationID] = t.evaluation.id
	if c.Misaddressed { // the evaluation under another prompt of its session
		if c.Under >= len(t.session.prompts) || c.Under == c.Prompt {
			return t, false
		}
		t.ids[api.PromptID] = t.session.prompts[c.Under].id
	}
	return t, true
}

// run sends a call, checks every answer and updates the model.
func (e *executor) run(ctx context.Context, c Call) (step, []violation) {
	st := step{Call: c}
	op, found := api.Lookup(c.Op)
	if !found {
		st.Skipped = true
		return st, nil
	}
	tg, ok := e.resolve(c, len(op.Params()))
	if !ok {
		st.Skipped = true
		return st, nil
	}
	if c.After > 0 {
		select {
		case <-ctx.Done():
		case <-time.After(c.After):
		}
	}
	if c.Filter != nil {
		// A filter on the run's sessions compares with their times as the target gave them.
		for _, i := range filterSessions(c.Filter) {
			if i >= len(e.model.sessions) {
				st.Skipped = true
				return st, nil
			}
		}
		c.Filter = resolveTimes(c.Filter, e.model.sessions)
		c.Query = queryWithFilter(c.Query, c.Filter.String())
		st.Call = c
	}
	if c.EvaluationFilter != "" && tg.prompt != nil { // (an unknown prompt is answered 404 whatever the filter)
		if c.Evaluation >= len(tg.prompt.evaluations) {
			st.Skipped = true
			return st, nil
		}
		c.Query = queryWithFilter(c.Query, evaluationFilter(c.EvaluationFilter, tg.prompt.evaluations[c.Evaluation]))
		st.Call = c
	}
	method := cmp.Or(c.Method, op.Method)
	req := httpclient.Request{Method: method, Path: op.Expand(tg.ids), Query: c.Query, Label: op.Label()}
	if c.Method != "" {
		req.Label = strings.ToLower(c.Method) + " on " + strings.TrimPrefix(op.Label(), "get ")
	}
	switch c.Auth {
	case "none":
		req.Auth = httpclient.AuthNone
	case "wrong":
		req.Auth, req.Token = httpclient.AuthToken, "copilotconf-explore-wrong-token"
	}
	req.Header = http.Header{}
	if c.FullMetadata {
		req.Header.Set("Accept", "application/json;odata.metadata=full")
	}
	if op.Body != nil || c.Body != "" {
		req.Body = []byte(requestBody(op, c))
		req.Header.Set("Content-Type", cmp.Or(c.ContentType, "application/json"))
	}
	var out []violation
	ex := e.do(ctx, &out, &st, req)
	if errors.Is(ex.Err, httpclient.ErrWriteBudget) {
		// Not sent: from now on the exploration creates nothing.
		e.model.budgetSpent, st.Skipped = true, true
		return st, nil
	}
	if ex.Err != nil || ex.Status == 0 {
		return st, nil // the transport failed: nothing to check (the client counts it)
	}
	params := len(op.Params())
	unknownRef := c.Session == Unknown && params > 1 || c.Prompt == Unknown && params > 2 || c.Evaluation == Unknown && params > 3
	switch {
	case c.Auth != "":
		e.match(&out, PropAuth, ex.Label+" ("+c.Invalid+")", ex, matchers.HaveStatus(http.StatusUnauthorized))
		if ex.Status == http.StatusUnauthorized {
			e.match(&out, PropSchema, ex.Label+" error body", ex, matchers.BeODataError(ex.Status))
		}
	case c.Invalid == invalidReadOnly && ex.Status == http.StatusOK:
		// Left be: the session is as it was, its lastModifiedDateTime moved on.
		c.Text, c.Null = tg.session.name, tg.session.null
		e.expectSuccess(ctx, &out, &st, op, c, tg, ex)
	case c.Invalid != "":
		want := refusals[c.Invalid]
		if len(want) == 0 || c.Invalid == invalidReadOnly {
			want = []int{http.StatusBadRequest}
		}
		// An invalid call that also names an unknown object may be refused for either reason.
		if unknownRef && !slices.Contains(want, http.StatusNotFound) {
			want = append(want, http.StatusNotFound)
		}
		e.expectError(&out, ex, want...)
	case unknownRef:
		e.expectError(&out, ex, http.StatusNotFound)
	default:
		e.expectSuccess(ctx, &out, &st, op, c, tg, ex)
	}
	return st, out
}

// queryWithFilter is a copy of q (calls share theirs with the history) with the $filter, spelt
// with or without "$" as q spells it, set to filter.
func queryWithFilter(q url.Values, filter string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = v
	}
	key := "$filter"
	if _, ok := q["filter"]; ok {
		key = "filter"
	}
	out.Set(key, filter)
	return out
}

// requestBody is the body a call sends.
func requestBody(op api.Operation, c Call) string {
	if c.Body != "" {
		return c.Body
	}
	if c.Null {
		return jsonText(map[string]any{"displayName": nil})
	}
	text := c.Text
	if c.Pad > 0 {
		text += strings.Repeat("x", c.Pad)
	}
	return jsonText(op.Body(text))
}

func (e *executor) expectError(out *[]violation, ex *httpclient.Exchange, status ...int) {
	e.match(out, PropStatus, ex.Label, ex, matchers.HaveStatus(status...))
	if slices.Contains(status, ex.Status) {
		e.match(out, PropSchema, ex.Label+" error body", ex, matchers.BeODataError(ex.Status))
	}
}

// body decodes a JSON object answer (nil when it is none).
func body(ex *httpclient.Exchange) map[string]any {
	var obj map[string]any
	dec := json.NewDecoder(strings.NewReader(string(ex.ResponseBody)))
	dec.UseNumber()
	if dec.Decode(&obj) != nil {
		return nil
	}
	return obj
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func timestamp(v any) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, str(v))
	return t, err == nil
}

// expectSuccess checks the answer to a valid call and records what it created or changed.
func (e *executor) expectSuccess(ctx context.Context, out *[]violation, st *step, op api.Operation, c Call, tg target, ex *httpclient.Exchange) {
	s := tg.session
	want := http.StatusOK
	if op.Creates != "" {
		want = http.StatusCreated
	}
	if !e.match(out, PropStatus, ex.Label, ex, matchers.HaveStatus(want)) {
		return
	}
	obj := body(ex)
	sel := option(c, "select")
	if ctx := e.context(op, tg); ctx != "" && sel == "" && obj != nil {
		e.match(out, PropContext, ex.Label, obj, matchers.HaveODataContext(ctx))
	}
	if obj != nil {
		e.checkEntities(out, ex.Label, op, c, obj)
	}
	if !strings.HasSuffix(op.Response, "-collection") {
		kind := schemas.Kind(op.Response)
		if sel != "" {
			kind += "-select"
		}
		if e.validator.Has(kind) && !e.match(out, PropSchema, ex.Label, ex, matchers.BeValid(kind)) || obj == nil {
			return
		}
		if sel != "" {
			e.expectSelected(out, ex.Label, obj, "id", sel)
		}
	}
	switch op.Name {
	case api.CreateSession.Name:
		e.created(out, c, ex, obj, func(id string, created, modified time.Time) {
			e.model.sessions = append(e.model.sessions, &session{id: id, name: c.Text, created: created, modified: modified})
		})
		e.check(out, PropRoundTrip, str(obj["displayName"]) == c.Text, "create session: displayName %q came back as %q", c.Text, str(obj["displayName"]))
	case api.CreatePrompt.Name:
		e.created(out, c, ex, obj, func(id string, created, _ time.Time) {
			s.prompts = append(s.prompts, &prompt{id: id, content: c.Text, created: created})
		})
		e.check(out, PropRoundTrip, str(obj["content"]) == c.Text, "create prompt: content %q came back as %q", clip(c.Text, 60), clip(str(obj["content"]), 60))
	case api.GetSession.Name:
		e.sameSession(out, "get session", s, obj, sel != "")
		e.expectExpanded(out, s, obj, option(c, "expand") == "prompts")
	case api.UpdateSession.Name:
		e.updated(out, s, c, obj)
	case api.GetPrompt.Name:
		p := tg.prompt
		e.check(out, PropRoundTrip, str(obj["id"]) == p.id, "get prompt: asked for %s, got id %q", p.id, str(obj["id"]))
		if _, has := obj["content"]; has || sel == "" {
			e.check(out, PropRoundTrip, str(obj["content"]) == p.content, "get prompt %s: content %q, created with %q", p.id, clip(str(obj["content"]), 60), clip(p.content, 60))
		}
		if created, ok := timestamp(obj["createdDateTime"]); ok {
			e.check(out, PropTimestamps, created.Equal(p.created), "get prompt %s: createdDateTime %s, created at %s", p.id, created.Format(time.RFC3339Nano), p.created.Format(time.RFC3339Nano))
		}
	case api.ListSessions.Name:
		e.listSessions(ctx, out, st, c, ex)
	case api.ListPrompts.Name:
		e.listPrompts(ctx, out, st, c, s, ex)
	case api.ListWorkspaces.Name:
		e.listWorkspaces(ctx, out, st, c, ex)
	case api.ListPlugins.Name:
		e.listPlugins(ctx, out, st, c, tg.ids[api.WorkspaceID], ex)
	case api.CreateEvaluation.Name:
		e.created(out, c, ex, obj, func(id string, created, modified time.Time) {
			tg.prompt.evaluations = append(tg.prompt.evaluations, &evaluation{id: id, sent: ex.Started, created: created, state: str(obj["state"]), modified: modified})
		})
		e.readEvaluation(out, tg.prompt.evaluations[len(tg.prompt.evaluations)-1], obj, ex)
	case api.GetEvaluation.Name:
		e.check(out, PropRoundTrip, str(obj["id"]) == tg.evaluation.id, "get evaluation: asked for %s, got id %q", tg.evaluation.id, str(obj["id"]))
		e.readEvaluation(out, tg.evaluation, obj, ex)
	case api.ListEvaluations.Name:
		e.listEvaluations(ctx, out, st, c, tg.prompt, ex)
	}
}

// checkEntities checks what every object of an answer (the answer, or each item of a
// collection) must hold whatever it is: timestamps in Graph's form and, with
// odata.metadata=full, the exact @odata.type.
func (e *executor) checkEntities(out *[]violation, what string, op api.Operation, c Call, obj map[string]any) {
	entities := []map[string]any{obj}
	if strings.HasSuffix(op.Response, "-collection") {
		entities = nil
		values, _ := obj["value"].([]any)
		for _, v := range values {
			if m, ok := v.(map[string]any); ok {
				entities = append(entities, m)
			}
		}
	}
	kind := strings.TrimSuffix(op.Response, "-collection")
	for _, ent := range entities {
		names := make([]string, 0, len(ent))
		for name := range ent {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			if strings.HasSuffix(name, "DateTime") && ent[name] != nil {
				e.match(out, PropFormat, what+": "+name, ent[name], matchers.BeGraphTimestamp())
			}
		}
		if c.FullMetadata && api.ODataType(kind) != "" {
			e.match(out, PropODataType, what+" with odata.metadata=full", ent, matchers.HaveODataType(api.ODataType(kind)))
		}
	}
}

// createdWindow is how far a new object's createdDateTime may be from the Date of the answer
// that created it.
const createdWindow = 2 * time.Minute

// created records a new object's id and timestamps, checking that the id is new, that the
// answer's Location names it and that it was created about when the target answered.
func (e *executor) created(out *[]violation, c Call, ex *httpclient.Exchange, obj map[string]any, add func(id string, created, modified time.Time)) {
	id := str(obj["id"])
	e.check(out, PropUniqueIDs, id != "" && !e.seen[id], "%s: id %q was already given to an object of this run", c.Op, id)
	e.seen[id] = true
	e.match(out, PropHeaders, ex.Label, ex, matchers.HaveLocationOf(id))
	created, _ := timestamp(obj["createdDateTime"])
	modified, _ := timestamp(obj["lastModifiedDateTime"])
	if date, err := http.ParseTime(ex.ResponseHeader.Get("Date")); err == nil && !created.IsZero() {
		e.check(out, PropTimestamps, created.After(date.Add(-createdWindow)) && created.Before(date.Add(createdWindow)),
			"%s: createdDateTime %s is more than %s from the answer's Date %s", ex.Label, created.Format(time.RFC3339Nano), createdWindow, date.Format(time.RFC3339))
	}
	add(id, created, modified)
}

// sameSession checks a session read back against the model.
func (e *executor) sameSession(out *[]violation, what string, s *session, obj map[string]any, selected bool) {
	e.check(out, PropRoundTrip, str(obj["id"]) == s.id, "%s: asked for %s, got id %q", what, s.id, str(obj["id"]))
	if name, has := obj["displayName"]; has || !selected {
		e.check(out, PropRoundTrip, sameName(name, has, s.name, s.null), "%s %s: displayName %s, last set to %s", what, s.id, jsonText(name), nameText(s.name, s.null))
	}
	if created, ok := timestamp(obj["createdDateTime"]); ok {
		e.check(out, PropTimestamps, created.Equal(s.created), "%s %s: createdDateTime %s, created at %s", what, s.id, created.Format(time.RFC3339Nano), s.created.Format(time.RFC3339Nano))
	}
	if modified, ok := timestamp(obj["lastModifiedDateTime"]); ok {
		e.check(out, PropTimestamps, modified.Equal(s.modified), "%s %s: lastModifiedDateTime %s, last set to %s", what, s.id, modified.Format(time.RFC3339Nano), s.modified.Format(time.RFC3339Nano))
	}
}

// expectExpanded checks that a session read with $expand=prompts inlines exactly its prompts,
// and one read without it none.
func (e *executor) expectExpanded(out *[]violation, s *session, obj map[string]any, expanded bool) {
	raw, has := obj["prompts"]
	if !expanded {
		e.check(out, PropScoped, !has, "get session %s without $expand: it has a \"prompts\" member", s.id)
		return
	}
	items, ok := raw.([]any)
	var got []string
	for _, it := range items {
		m, _ := it.(map[string]any)
		got = append(got, str(m["id"]))
	}
	var want []string
	for _, p := range s.prompts {
		want = append(want, p.id)
	}
	e.check(out, PropScoped, ok && sameSet(got, want), "get session %s with $expand=prompts: inlined %v, the session has %v", s.id, got, want)
}

// updated checks an update's answer and records the new name and time.
func (e *executor) updated(out *[]violation, s *session, c Call, obj map[string]any) {
	name, has := obj["displayName"]
	e.check(out, PropRoundTrip, sameName(name, has, c.Text, c.Null), "update session %s: displayName %s came back as %s", s.id, nameText(c.Text, c.Null), jsonText(name))
	created, _ := timestamp(obj["createdDateTime"])
	modified, ok := timestamp(obj["lastModifiedDateTime"])
	e.check(out, PropTimestamps, created.Equal(s.created), "update session %s: createdDateTime moved from %s to %s", s.id, s.created.Format(time.RFC3339Nano), created.Format(time.RFC3339Nano))
	e.check(out, PropTimestamps, ok && !modified.Before(s.modified), "update session %s: lastModifiedDateTime went back from %s to %s", s.id, s.modified.Format(time.RFC3339Nano), modified.Format(time.RFC3339Nano))
	s.name, s.null, s.modified = c.Text, c.Null, modified
}

// sameName says whether a displayName answered (present or not) is the one set: a null one
// is written out as null.
func sameName(got any, present bool, name string, null bool) bool {
	if null {
		return present && got == nil
	}
	s, ok := got.(string)
	return ok && s == name
}

func nameText(name string, null bool) string {
	if null {
		return "null"
	}
	return jsonText(name)
}

// expectSelected checks that only the key and the selected properties came back.
func (e *executor) expectSelected(out *[]violation, what string, obj map[string]any, key, sel string) {
	allowed := map[string]bool{key: true}
	for _, p := range strings.Split(sel, ",") {
		allowed[strings.TrimSpace(p)] = true
	}
	var extra []string
	for k := range obj {
		if !strings.Contains(k, "@") && !allowed[k] {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	e.check(out, PropSelected, len(extra) == 0, "%s with $select=%s: extra properties %v", what, sel, extra)
	_, hasKey := obj[key]
	e.check(out, PropSelected, hasKey, "%s with $select=%s: no %s", what, sel, key)
}

// walk follows a collection's next links, checking each page against the collection's schema,
// or with $select each item against the "-select" schema of its kind when there is one;
// interleave runs between the first and the second page.
func (e *executor) walk(ctx context.Context, out *[]violation, st *step, first *httpclient.Exchange, collection schemas.Kind, selected, follow bool, interleave func()) ([]map[string]any, []*httpclient.Exchange, bool) {
	var items []map[string]any
	pages := []*httpclient.Exchange{first}
	seen := map[string]bool{}
	item := schemas.Kind(strings.TrimSuffix(string(collection), "-collection") + "-select")
	ex := first
	for n := 1; ; n++ {
		if !selected && !e.match(out, PropSchema, ex.Label, ex, matchers.BeCollectionOf(collection)) {
			return items, pages, false
		}
		obj := body(ex)
		values, isArray := obj["value"].([]any)
		if selected {
			e.check(out, PropSchema, isArray, "%s: expected a \"value\" array", ex.Label)
			if !isArray {
				return items, pages, false
			}
		}
		for _, it := range values {
			if m, ok := it.(map[string]any); ok {
				if selected && e.validator.Has(item) {
					e.match(out, PropSchema, ex.Label+" item", m, matchers.BeValid(item))
				}
				items = append(items, m)
			}
		}
		next, has := obj["@odata.nextLink"]
		if !has || !follow {
			return items, pages, !has
		}
		link := str(next)
		u, err := url.Parse(link)
		e.check(out, PropPaging, err == nil && u.IsAbs() && !seen[link], "%s page %d: next link %q is not absolute, or repeats an earlier one", first.Label, n, link)
		if err != nil || !u.IsAbs() || seen[link] || n >= e.maxPages {
			// Past the page bound the walk stops without a verdict: a long list is no fault.
			return items, pages, false
		}
		seen[link] = true
		if n == 1 && interleave != nil {
			interleave()
		}
		ex = e.do(ctx, out, st, httpclient.Request{Method: http.MethodGet, Path: link, Label: fmt.Sprintf("%s (page %d)", first.Label, n+1)})
		pages = append(pages, ex)
		if !e.match(out, PropStatus, ex.Label, ex, matchers.HaveStatus(http.StatusOK)) {
			return items, pages, false
		}
	}
}

// context is the @odata.context fragment an answer of op must carry ("" when none is checked):
// the collection, or with /$entity one object of it.
func (e *executor) context(op api.Operation, tg target) string {
	ws := "security/securityCopilot/workspaces('" + e.model.workspace + "')"
	sessions := ws + "/sessions"
	prompts := sessions + "('" + tg.ids[api.SessionID] + "')/prompts"
	evaluations := prompts + "('" + tg.ids[api.PromptID] + "')/evaluations"
	switch op.Name {
	case api.ListSessions.Name:
		return sessions
	case api.CreateSession.Name, api.GetSession.Name, api.UpdateSession.Name:
		return sessions + "/$entity"
	case api.ListPrompts.Name:
		return prompts
	case api.CreatePrompt.Name, api.GetPrompt.Name:
		return prompts + "/$entity"
	case api.ListPlugins.Name:
		return "security/securityCopilot/workspaces('" + tg.ids[api.WorkspaceID] + "')/plugins"
	case api.ListEvaluations.Name:
		return evaluations
	case api.CreateEvaluation.Name, api.GetEvaluation.Name:
		return evaluations + "/$entity"
	case api.ListWorkspaces.Name:
		return "security/securityCopilot/workspaces" // the documented example has none; Graph writes one
	}
	return ""
}
