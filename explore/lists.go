package explore

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

// listSessions checks a sessions listing against the run's sessions: every session of the run
// the $filter must match is listed, every session listed matches it (what the model can tell:
// see truth); pages hold at most $top items; the count is the number listed; $select holds.
func (e *executor) listSessions(ctx context.Context, out *[]violation, st *step, c Call, first *httpclient.Exchange) {
	var interleave func()
	if c.Interleave && !e.model.budgetSpent {
		interleave = func() {
			name := "copilotconf " + e.runID + " explore created between two pages"
			b := []byte(`{"displayName":` + strconv.Quote(name) + `}`)
			ex := e.do(ctx, out, st, httpclient.Request{Method: http.MethodPost, Path: api.CreateSession.Expand(e.ids("", "")), Body: b,
				Header: http.Header{"Content-Type": {"application/json"}}, Label: "create session (between two pages)"})
			if obj := body(ex); ex.Status == http.StatusCreated && obj != nil {
				e.created(out, Call{Op: api.CreateSession.Name}, ex, obj, func(id string, created, modified time.Time) {
					e.model.sessions = append(e.model.sessions, &session{id: id, name: name, created: created, modified: modified})
				})
			}
		}
	}
	// What the run knew before the listing: a session created between the pages may or may
	// not be listed.
	known := append([]*session(nil), e.model.sessions...)
	sel := option(c, "select")
	items, pages, complete := e.walk(ctx, out, st, first, schemas.SessionCollection, sel != "", c.Follow, interleave)
	e.checkPages(out, c, pages)
	runs := map[string]*session{}
	for _, s := range e.model.sessions {
		runs[s.id] = s
	}
	listed := map[string]bool{}
	for _, it := range items {
		id := str(it["id"])
		listed[id] = true
		if sel != "" {
			e.expectSelected(out, "list sessions", it, "id", sel)
		}
		if c.Filter == nil {
			continue
		}
		// A session of the run is judged by what the model knows; another by what is listed.
		name, hasName := it["displayName"]
		v := sessionView{name: str(name), null: name == nil}
		if t, ok := timestamp(it["createdDateTime"]); ok {
			v.created = t
		}
		if s, ours := runs[id]; ours {
			v, hasName = s.view(), true
		}
		e.check(out, PropFiltered, !hasName || c.Filter.eval(v) != isFalse,
			"list sessions with $filter=%s: lists %s named %q, created %s, which the filter does not match", c.Filter, id, v.name, v.created.Format(time.RFC3339Nano))
	}
	if complete {
		for _, s := range known {
			if c.Filter == nil || c.Filter.eval(s.view()) == isTrue {
				e.check(out, PropListed, listed[s.id], "list sessions%s: session %s of this run (named %q, created %s) is missing",
					withFilter(c.Filter), s.id, s.name, s.created.Format(time.RFC3339Nano))
			}
		}
	}
	if complete && c.Follow && option(c, "count") == "true" {
		e.expectCount(out, "list sessions", pages[0], len(items))
	}
}

func withFilter(f filter) string {
	if f == nil {
		return ""
	}
	return " with $filter=" + f.String()
}

// listPrompts checks that a session of the run lists exactly its prompts.
func (e *executor) listPrompts(ctx context.Context, out *[]violation, st *step, c Call, s *session, first *httpclient.Exchange) {
	items, pages, complete := e.walk(ctx, out, st, first, schemas.PromptCollection, false, true, nil)
	e.checkPages(out, c, pages)
	if !complete {
		return
	}
	var want []string
	for _, p := range s.prompts {
		want = append(want, p.id)
	}
	e.check(out, PropScoped, sameSet(idsOf(items, "id"), want), "list prompts of session %s: listed %v, the session has %v", s.id, idsOf(items, "id"), want)
	if option(c, "count") == "true" {
		e.expectCount(out, "list prompts", pages[0], len(items))
	}
}

// idsOf returns the key of each item.
func idsOf(items []map[string]any, key string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = str(it[key])
	}
	return out
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

// listWorkspaces checks that the run's workspace is listed (and, with $filter=id eq, only the
// one named), and $count and $select; it records the workspaces listed.
func (e *executor) listWorkspaces(ctx context.Context, out *[]violation, st *step, c Call, first *httpclient.Exchange) {
	sel := option(c, "select")
	items, pages, complete := e.walk(ctx, out, st, first, schemas.WorkspaceCollection, sel != "", true, nil)
	if !complete {
		return
	}
	ids := idsOf(items, "id")
	for _, it := range items {
		if sel != "" {
			e.expectSelected(out, "list workspaces", it, "id", sel)
		}
	}
	if named, ok := strings.CutPrefix(option(c, "filter"), "id eq "); ok {
		named = strings.ReplaceAll(strings.Trim(named, "'"), "''", "'")
		e.check(out, PropFiltered, sameSet(ids, []string{named}), "list workspaces with $filter=id eq '%s': listed %v", named, ids)
	} else {
		e.check(out, PropListed, slices.Contains(ids, e.model.workspace), "list workspaces: the workspace %q the run uses is not listed (listed: %v)", e.model.workspace, ids)
		e.model.workspaces = ids
	}
	if option(c, "count") == "true" {
		e.expectCount(out, "list workspaces", pages[0], len(items))
	}
}

// listPlugins checks a workspace's plugins: names (the key) are unique; a $filter lists every
// plugin listed before that matches it and none that does not; $select, $top and $count hold.
func (e *executor) listPlugins(ctx context.Context, out *[]violation, st *step, c Call, workspace string, first *httpclient.Exchange) {
	sel := option(c, "select")
	items, pages, complete := e.walk(ctx, out, st, first, schemas.PluginCollection, sel != "", true, nil)
	e.checkPages(out, c, pages)
	if !complete {
		return
	}
	seen := map[string]bool{}
	var listed []plugin
	for _, it := range items {
		name := str(it["name"])
		e.check(out, PropUniqueIDs, name != "" && !seen[name], "list plugins: plugin name %q is empty or listed twice (name is the key)", name)
		seen[name] = true
		if sel != "" {
			e.expectSelected(out, "list plugins", it, "name", sel)
		}
		enabled, _ := it["isEnabled"].(bool)
		listed = append(listed, plugin{name: name, displayName: str(it["displayName"]), isEnabled: enabled})
	}
	filter := option(c, "filter")
	if filter == "" && sel == "" {
		e.model.plugins[workspace] = listed
	}
	if option(c, "count") == "true" {
		e.expectCount(out, "list plugins", pages[0], len(items))
	}
	match := pluginFilter(filter)
	if match == nil {
		return
	}
	known := map[string]plugin{}
	for _, p := range e.model.plugins[workspace] {
		known[p.name] = p
	}
	for _, it := range items {
		p, ok := known[str(it["name"])]
		if !ok { // not listed before: judged by what is listed
			enabled, _ := it["isEnabled"].(bool)
			p = plugin{name: str(it["name"]), displayName: str(it["displayName"]), isEnabled: enabled}
		}
		e.check(out, PropFiltered, match(p), "list plugins with $filter=%s: plugin %q (displayName %q, isEnabled %v) does not match", filter, p.name, p.displayName, p.isEnabled)
	}
	for _, p := range e.model.plugins[workspace] {
		if match(p) {
			e.check(out, PropListed, seen[p.name], "list plugins with $filter=%s: plugin %q, which matches, is missing", filter, p.name)
		}
	}
}

// pluginFilter is the predicate of a $filter explore sends on plugins (nil for none).
func pluginFilter(filter string) func(plugin) bool {
	literal := func(s string) string { return strings.ReplaceAll(strings.Trim(s, "'"), "''", "'") }
	if v, ok := strings.CutPrefix(filter, "name eq "); ok {
		return func(p plugin) bool { return p.name == literal(v) }
	}
	if v, ok := strings.CutPrefix(filter, "displayName eq "); ok {
		return func(p plugin) bool { return p.displayName == literal(v) }
	}
	if v, ok := strings.CutPrefix(filter, "isEnabled eq "); ok {
		return func(p plugin) bool { return p.isEnabled == (v == "true") }
	}
	if v, ok := strings.CutPrefix(filter, "contains(name,"); ok {
		part := strings.ToLower(literal(strings.TrimSuffix(v, ")")))
		return func(p plugin) bool { return strings.Contains(strings.ToLower(p.name), part) }
	}
	return nil
}

// listEvaluations checks that a prompt of the run lists exactly its evaluations, or with a
// $filter exactly those it matches.
func (e *executor) listEvaluations(ctx context.Context, out *[]violation, st *step, c Call, p *prompt, first *httpclient.Exchange) {
	sel := option(c, "select")
	items, pages, complete := e.walk(ctx, out, st, first, schemas.EvaluationCollection, sel != "", true, nil)
	e.checkPages(out, c, pages)
	if !complete {
		return
	}
	for _, it := range items {
		if sel != "" {
			e.expectSelected(out, "list evaluations", it, "id", sel)
		}
	}
	got := idsOf(items, "id")
	var want []string
	filter := option(c, "filter")
	for _, ev := range p.evaluations {
		state, _ := strings.CutPrefix(filter, "state eq ")
		id, _ := strings.CutPrefix(filter, "id eq ")
		switch {
		case filter == "", id == api.ODataString(ev.id):
			want = append(want, ev.id)
		case state != "" && api.FinalEvaluationState(ev.state) && state == api.ODataString(ev.state):
			want = append(want, ev.id)
		case state != "" && !api.FinalEvaluationState(ev.state) && slices.Contains(got, ev.id):
			want = append(want, ev.id) // its state may have changed since it was read: either way
		}
	}
	prop := PropScoped
	if filter != "" {
		prop = PropFiltered
	}
	e.check(out, prop, sameSet(got, want), "list evaluations of prompt %s%s: listed %v, expected %v", p.id, withText(" with $filter=", filter), got, want)
	if option(c, "count") == "true" {
		e.expectCount(out, "list evaluations", pages[0], len(items))
	}
}

func withText(prefix, s string) string {
	if s == "" {
		return ""
	}
	return prefix + s
}

// readEvaluation checks an evaluation read again against the last reading: its state never
// goes back; a final one changes no more; once running it has a runStartDateTime, once
// completed a result; lastModifiedDateTime never goes back and moves with the state; it is
// final within the evaluation timeout of its creation.
func (e *executor) readEvaluation(out *[]violation, ev *evaluation, obj map[string]any, ex *httpclient.Exchange) {
	state, hasState := obj["state"].(string)
	if !hasState { // a $select without state
		return
	}
	rank, known := api.EvaluationStateRank[state]
	e.check(out, PropLifecycle, known && rank >= api.EvaluationStateRank[ev.state], "%s %s: state %q after %q", ex.Label, ev.id, state, ev.state)
	result, _ := json.Marshal(withoutAnnotations(obj["result"]))
	_, hasResult := obj["result"]
	if api.FinalEvaluationState(ev.state) && ev.result != "" && hasResult {
		was, now := around(ev.result, string(result))
		e.check(out, PropLifecycle, state == ev.state && string(result) == ev.result, "%s %s: was final (%s, result %s), now %s with result %s", ex.Label, ev.id, ev.state, was, state, now)
	}
	if hasResult && state == "completed" {
		e.check(out, PropLifecycle, obj["result"] != nil, "%s %s: completed, with result null", ex.Label, ev.id)
	}
	if start, ok := timestamp(obj["runStartDateTime"]); ok && rank >= 2 && state != "cancelled" {
		e.check(out, PropLifecycle, start.Year() > 1, "%s %s: state %q, with runStartDateTime the zero date", ex.Label, ev.id, state)
	}
	if modified, ok := timestamp(obj["lastModifiedDateTime"]); ok {
		e.check(out, PropLifecycle, !modified.Before(ev.modified), "%s %s: lastModifiedDateTime went back from %s to %s", ex.Label, ev.id, ev.modified.Format(time.RFC3339Nano), modified.Format(time.RFC3339Nano))
		if known && rank > api.EvaluationStateRank[ev.state] && !ev.modified.IsZero() {
			e.check(out, PropLifecycle, modified.After(ev.modified), "%s %s: state %q after %q, but lastModifiedDateTime stayed at %s", ex.Label, ev.id, state, ev.state, modified.Format(time.RFC3339Nano))
		}
		ev.modified = modified
	}
	if !api.FinalEvaluationState(state) && !ev.sent.IsZero() {
		age := ex.Started.Sub(ev.sent)
		e.check(out, PropLifecycle, age <= e.evaluationTimeout, "%s %s: still %q %s after it was created (the evaluation timeout is %s)", ex.Label, ev.id, state, age.Round(time.Millisecond), e.evaluationTimeout)
	}
	if known {
		ev.state = state
		if api.FinalEvaluationState(state) {
			ev.finalReads++
		}
		if api.FinalEvaluationState(state) && ev.result == "" && hasResult {
			ev.result = string(result)
		}
	}
}

// withoutAnnotations drops the @odata members of an object (odata.metadata=full adds them).
func withoutAnnotations(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	out := map[string]any{}
	for k, x := range m {
		if !strings.Contains(k, "@") {
			out[k] = x
		}
	}
	return out
}

// around cuts two long texts to where they first differ (with some context), so that a
// message shows the difference, not kilobytes of what is the same.
func around(a, b string) (string, string) {
	const before, after = 40, 80
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	cut := func(s string) string {
		from, to := max(0, i-before), min(len(s), i+after)
		for from > 0 && !utf8.RuneStart(s[from]) {
			from--
		}
		for to < len(s) && !utf8.RuneStart(s[to]) {
			to++
		}
		out := s[from:to]
		if from > 0 {
			out = "…" + out
		}
		if to < len(s) {
			out += "…"
		}
		return out
	}
	return cut(a), cut(b)
}
