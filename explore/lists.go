package explore

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/matchers"
	"github.com/copilotconf/copilotconf/schemas"
)

// option reads a query option given with or without "$".
func option(c Call, name string) string {
	if v := c.Query.Get("$" + name); v != "" {
		return v
	}
	return c.Query.Get(name)
}

// listSessions checks a sessions listing against the run's sessions: a $filter on a name lists
// every session of the run with that name and only sessions with it; a $filter on the span of
// the run lists every session of the run; pages hold at most $top items; the count is the
// number listed; $select holds.
func (e *executor) listSessions(ctx context.Context, out *[]violation, st *step, c Call, first *httpclient.Exchange) {
	var interleave func()
	if c.Interleave {
		interleave = func() {
			name := "copilotconf " + e.runID + " explore created between two pages"
			b := []byte(`{"displayName":` + strconv.Quote(name) + `}`)
			ex := e.do(ctx, st, httpclient.Request{Method: http.MethodPost, Path: api.CreateSession.Expand(e.ids("", "")), Body: b,
				Header: http.Header{"Content-Type": {"application/json"}}, Label: "create session (between two pages)"})
			if obj := body(ex); ex.Status == http.StatusCreated && obj != nil {
				e.created(out, Call{Op: api.CreateSession.Name}, obj, func(id string, created, modified time.Time) {
					e.model.sessions = append(e.model.sessions, &session{id: id, name: name, created: created, modified: modified})
				})
			}
		}
	}
	// What the run knew before the listing: a session created between the pages may or may
	// not be listed.
	known := append([]*session(nil), e.model.sessions...)
	kind := schemas.SessionCollection
	if option(c, "select") != "" {
		kind = schemas.SessionSelect
	}
	items, pages, complete := e.walk(ctx, out, st, first, kind, c.Follow, interleave)
	e.checkPages(out, c, pages)
	listed := map[string]map[string]any{}
	for _, it := range items {
		listed[str(it["id"])] = it
	}
	filter := option(c, "filter")
	sel := option(c, "select")
	for _, it := range items {
		if sel != "" {
			e.expectSelected(out, "list sessions", it, sel)
		}
	}
	if name, ok := strings.CutPrefix(filter, "displayName eq "); ok {
		name = strings.ReplaceAll(strings.Trim(name, "'"), "''", "'")
		for _, it := range items {
			if got, has := it["displayName"]; has {
				e.check(out, PropFiltered, str(got) == name, "list sessions with $filter=%s: lists %s named %q", filter, str(it["id"]), str(got))
			}
		}
		if complete {
			for _, s := range known {
				if s.name == name {
					_, in := listed[s.id]
					e.check(out, PropListed, in, "list sessions with $filter=%s: session %s, named so, is missing", filter, s.id)
				}
			}
		}
	}
	if strings.HasPrefix(filter, "createdDateTime ge ") && complete {
		for _, s := range known {
			_, in := listed[s.id]
			e.check(out, PropListed, in, "list sessions with $filter=%s: session %s of this run is missing", filter, s.id)
		}
	}
	if complete && c.Follow && option(c, "count") == "true" {
		e.expectCount(out, "list sessions", pages[0], len(items))
	}
}

// listPrompts checks that a session of the run lists exactly its prompts.
func (e *executor) listPrompts(ctx context.Context, out *[]violation, st *step, c Call, s *session, first *httpclient.Exchange) {
	items, pages, complete := e.walk(ctx, out, st, first, schemas.PromptCollection, true, nil)
	e.checkPages(out, c, pages)
	if !complete {
		return
	}
	var got []string
	for _, it := range items {
		got = append(got, str(it["id"]))
	}
	var want []string
	for _, p := range s.prompts {
		want = append(want, p.id)
	}
	e.check(out, PropScoped, sameSet(got, want), "list prompts of session %s: listed %v, the session has %v", s.id, got, want)
	if option(c, "count") == "true" {
		e.expectCount(out, "list prompts", pages[0], len(items))
	}
}

// checkPages checks that every page holds at most $top items.
func (e *executor) checkPages(out *[]violation, c Call, pages []*httpclient.Exchange) {
	top, err := strconv.Atoi(option(c, "top"))
	if err != nil {
		return
	}
	for i, p := range pages {
		if obj := body(p); obj != nil {
			items, _ := obj["value"].([]any)
			e.check(out, PropPaging, len(items) <= top, "%s page %d: %d items, $top=%d", p.Label, i+1, len(items), top)
		}
	}
}

func (e *executor) expectCount(out *[]violation, what string, first *httpclient.Exchange, n int) {
	obj := body(first)
	e.match(out, PropCount, what+" with $count=true", obj, matchers.HaveODataCount(n))
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	in := map[string]int{}
	for _, x := range a {
		in[x]++
	}
	for _, x := range b {
		in[x]--
	}
	for _, n := range in {
		if n != 0 {
			return false
		}
	}
	return true
}

// listWorkspaces checks that the run's workspace is listed, and $count and $select.
func (e *executor) listWorkspaces(ctx context.Context, out *[]violation, st *step, c Call, first *httpclient.Exchange) {
	items, pages, complete := e.walk(ctx, out, st, first, schemas.WorkspaceCollection, true, nil)
	if !complete {
		return
	}
	found := false
	for _, it := range items {
		found = found || str(it["id"]) == e.workspace
	}
	e.check(out, PropListed, found, "list workspaces: the workspace %q the run uses is not listed", e.workspace)
	if option(c, "count") == "true" {
		e.expectCount(out, "list workspaces", pages[0], len(items))
	}
}

// listPlugins checks that plugin names (the key) are unique and that a $filter on a name lists
// exactly that plugin.
func (e *executor) listPlugins(ctx context.Context, out *[]violation, st *step, c Call, first *httpclient.Exchange) {
	items, pages, complete := e.walk(ctx, out, st, first, schemas.PluginCollection, true, nil)
	e.checkPages(out, c, pages)
	if !complete {
		return
	}
	seen := map[string]bool{}
	for _, it := range items {
		name := str(it["name"])
		e.check(out, PropUniqueIDs, name != "" && !seen[name], "list plugins: plugin name %q is empty or listed twice (name is the key)", name)
		seen[name] = true
		if !slices.Contains(e.model.plugins, name) && name != "" {
			e.model.plugins = append(e.model.plugins, name)
		}
	}
	if name, ok := strings.CutPrefix(option(c, "filter"), "name eq "); ok {
		name = strings.ReplaceAll(strings.Trim(name, "'"), "''", "'")
		e.check(out, PropFiltered, len(items) == 1 && str(items[0]["name"]) == name, "list plugins with $filter=name eq '%s': expected exactly that plugin, got %d plugins", name, len(items))
	}
}

// listEvaluations checks that a prompt of the run lists exactly its evaluations.
func (e *executor) listEvaluations(ctx context.Context, out *[]violation, st *step, c Call, p *prompt, first *httpclient.Exchange) {
	items, pages, complete := e.walk(ctx, out, st, first, schemas.EvaluationCollection, true, nil)
	e.checkPages(out, c, pages)
	if !complete {
		return
	}
	var got, want []string
	for _, it := range items {
		got = append(got, str(it["id"]))
	}
	for _, ev := range p.evaluations {
		want = append(want, ev.id)
	}
	e.check(out, PropScoped, sameSet(got, want), "list evaluations of prompt %s: listed %v, the prompt has %v", p.id, got, want)
	if option(c, "count") == "true" {
		e.expectCount(out, "list evaluations", pages[0], len(items))
	}
}

// finalStates are the states an evaluation does not leave.
var finalStates = []string{"completed", "cancelled"}

// stateRank orders the documented states along the lifecycle, as the suites do.
var stateRank = map[string]int{"created": 0, "pending": 1, "deferred": 1, "running": 2, "waitingForInput": 2, "completed": 3, "cancelled": 3}

// readEvaluation checks an evaluation read again against the last reading: its state never
// goes back, a final one stays as it was, lastModifiedDateTime never goes back.
func (e *executor) readEvaluation(out *[]violation, ev *evaluation, obj map[string]any) {
	state := str(obj["state"])
	rank, known := stateRank[state]
	e.check(out, PropTimestamps, known && rank >= stateRank[ev.state], "get evaluation %s: state %q after %q", ev.id, state, ev.state)
	if slices.Contains(finalStates, ev.state) {
		result, _ := json.Marshal(obj["result"])
		e.check(out, PropRoundTrip, state == ev.state && string(result) == ev.result, "get evaluation %s: was final (%s, result %s), now %s with result %s", ev.id, ev.state, ev.result, state, result)
	}
	if modified, ok := timestamp(obj["lastModifiedDateTime"]); ok {
		e.check(out, PropTimestamps, !modified.Before(ev.modified), "get evaluation %s: lastModifiedDateTime went back from %s to %s", ev.id, ev.modified.Format(time.RFC3339Nano), modified.Format(time.RFC3339Nano))
		ev.modified = modified
	}
	if known {
		ev.state = state
		if slices.Contains(finalStates, state) && ev.result == "" {
			result, _ := json.Marshal(obj["result"])
			ev.result = string(result)
		}
	}
}
