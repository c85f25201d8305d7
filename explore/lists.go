package explore

import (
	"context"
	"net/http"
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
