package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// seed creates n sessions named s00..s(n-1) one clock tick apart and
// returns their ids oldest first.
func seed(t *testing.T, h *harness, clock *fakeClock, n int) []string {
	t.Helper()
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, str(t, h.createSession(fmt.Sprintf("s%02d", i)), "id"))
		if clock != nil {
			clock.Advance(time.Second)
		}
	}
	return out
}

func reversed(s []string) []string {
	c := slices.Clone(s)
	slices.Reverse(c)
	return c
}

func TestQueryOptionSpellings(t *testing.T) {
	h := newHarness(t, Options{})
	all := seed(t, h, nil, 3)
	want := reversed(all)[:1]
	for _, q := range []string{"$top=1", "top=1", "$TOP=1", "Top=1", "%24top=1", "$top=1&foo=bar", "$top=1&&"} {
		r := h.do(http.MethodGet, sessionsPth+"?"+q, "")
		mustStatus(t, r, http.StatusOK)
		if got := ids(t, values(t, r)); !slices.Equal(got, want) {
			t.Errorf("?%s: %v, want %v", q, got, want)
		}
	}
	for _, q := range []string{"count=true", "$Count=True", "$count=TRUE"} {
		r := h.do(http.MethodGet, sessionsPth+"?"+q, "")
		mustStatus(t, r, http.StatusOK)
		if got := canon(t, get(t, r.body, "@odata.count")); got != "3" {
			t.Errorf("?%s: count %s", q, got)
		}
	}
	for _, q := range []string{"select=displayName", "$SELECT=displayName", "filter=displayName eq 's01'", "expand=prompts"} {
		mustStatus(t, h.do(http.MethodGet, sessionsPth+"?"+url.PathEscape(q), ""), http.StatusOK)
	}
}

func TestQueryOptionErrors(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "p"), "id")
	session := sessionsPth + "/" + sid
	prompts := session + "/prompts"
	prompt := prompts + "/" + pid
	cases := []struct{ method, path, query, msg string }{
		{"GET", sessionsPth, "$orderby=displayName", "not supported"},
		{"GET", sessionsPth, "orderby=displayName", "not supported"},
		{"GET", sessionsPth, "$search=x", "not supported"},
		{"GET", sessionsPth, "$skip=1", "not supported"},
		{"GET", sessionsPth, "skip=1", "not supported"},
		{"GET", sessionsPth, "$format=json", "not supported"},
		{"GET", sessionsPth, "$foo=1", "not supported"},
		{"GET", sessionsPth, "$=1", "not supported"},
		{"GET", sessionsPth, "$top=0", "$top"},
		{"GET", sessionsPth, "$top=-1", "$top"},
		{"GET", sessionsPth, "$top=101", "$top"},
		{"GET", sessionsPth, "$top=1.5", "$top"},
		{"GET", sessionsPth, "$top=abc", "$top"},
		{"GET", sessionsPth, "$top=", "$top"},
		{"GET", sessionsPth, "$top", "$top"},
		{"GET", sessionsPth, "$top=+5", "$top"},
		{"GET", sessionsPth, "$top=99999999999999999999", "$top"},
		{"GET", sessionsPth, "$top=1&top=2", "more than once"},
		{"GET", sessionsPth, "$top=1&$TOP=1", "more than once"},
		{"GET", sessionsPth, "$count=yes", "$count"},
		{"GET", sessionsPth, "$count=1", "$count"},
		{"GET", sessionsPth, "$count=", "$count"},
		{"GET", sessionsPth, "$select=nope", "'nope'"},
		{"GET", sessionsPth, "$select=", "empty"},
		{"GET", sessionsPth, "$select=displayName,,id", "empty property"},
		{"GET", sessionsPth, "$select=prompts", "$expand"},
		{"GET", sessionsPth, "$select=content", "'content'"},
		{"GET", sessionsPth, "$expand=foo", "only 'prompts'"},
		{"GET", sessionsPth, "$expand=*", "only 'prompts'"},
		{"GET", sessionsPth, "$expand=prompts($select=content)", "nested"},
		{"GET", sessionsPth, "$expand=", "only 'prompts'"},
		{"GET", sessionsPth, "$skiptoken=", "$skiptoken"},
		{"GET", sessionsPth, "$skiptoken=garbage!", "$skiptoken"},
		{"GET", sessionsPth, "$filter=", "empty"},
		{"GET", sessionsPth, "$filter=title eq 'x'", "title"},
		{"GET", sessionsPth, "%zz=1", "malformed"},
		{"GET", sessionsPth, "$filter=%zz", "malformed"},
		{"GET", session, "$top=1", "not allowed on this operation"},
		{"GET", session, "top=1", "not allowed on this operation"},
		{"GET", session, "$count=true", "not allowed"},
		{"GET", session, "$filter=id eq 'x'", "not allowed"},
		{"GET", session, "$skiptoken=x", "not allowed"},
		{"GET", session, "$select=nope", "'nope'"},
		{"GET", prompts, "$expand=prompts", "not allowed"},
		{"GET", prompts, "$select=displayName", "'displayName'"},
		{"GET", prompts, "$filter=displayName eq 'x'", "not a property of prompt"},
		{"GET", prompt, "$expand=evaluations", "not allowed"},
		{"GET", prompt, "$top=1", "not allowed"},
		{"GET", prompt, "$select=evaluations", "$expand"},
		{"POST", sessionsPth, "$select=id", "not allowed"},
		{"PATCH", session, "$expand=prompts", "not allowed"},
		{"POST", prompts, "$top=1", "not allowed"},
		{"POST", sessionsPth, "$orderby=x", "not supported"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.query, func(t *testing.T) {
			q := strings.ReplaceAll(c.query, " ", "%20")
			body := ""
			if c.method != "GET" {
				body = `{"displayName":"x"}`
			}
			msg := expectError(t, h.do(c.method, c.path+"?"+q, body), http.StatusBadRequest, "badRequest")
			if !strings.Contains(msg, c.msg) {
				t.Errorf("message %q does not contain %q", msg, c.msg)
			}
		})
	}
	// Unknown parameters without '$' are ignored, everywhere.
	for _, p := range []string{sessionsPth, session, prompts, prompt} {
		mustStatus(t, h.do(http.MethodGet, p+"?foo=bar&api-version=1&@p1='x'", ""), http.StatusOK)
	}
	mustStatus(t, h.do(http.MethodPost, sessionsPth+"?foo=bar", `{"displayName":"x"}`), http.StatusCreated)
}

func TestCount(t *testing.T) {
	h := newHarness(t, Options{})
	seed(t, h, nil, 5)
	r := h.do(http.MethodGet, sessionsPth+"?$count=true&$top=2", "")
	mustStatus(t, r, http.StatusOK)
	keysEqual(t, "counted page", r.body, []string{"@odata.context", "@odata.count", "value", "@odata.nextLink"})
	if got := canon(t, get(t, r.body, "@odata.count")); got != "5" {
		t.Errorf("@odata.count %s, want 5", got)
	}
	r = h.do(http.MethodGet, sessionsPth+"?$count=false", "")
	if r.body.Has("@odata.count") {
		t.Errorf("$count=false returned a count")
	}
	r = h.do(http.MethodGet, sessionsPth+"?$count=true&$filter="+url.QueryEscape("displayName eq 'nothing'"), "")
	keysEqual(t, "empty counted", r.body, []string{"@odata.context", "@odata.count", "value"})
	if canon(t, get(t, r.body, "@odata.count")) != "0" || canon(t, get(t, r.body, "value")) != "[]" {
		t.Errorf("empty match: %s", r.raw)
	}
	// IEEE754Compatible=true writes the Int64 count as a string.
	r = h.do(http.MethodGet, sessionsPth+"?$count=true", "", hdrs{"Accept": "application/json;IEEE754Compatible=true"})
	if got := canon(t, get(t, r.body, "@odata.count")); got != `"5"` {
		t.Errorf("IEEE754Compatible count %s", got)
	}
	if ct := r.header.Get("Content-Type"); !strings.Contains(ct, "IEEE754Compatible=true") {
		t.Errorf("Content-Type %q", ct)
	}
}

func TestSelect(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "p"), "id")
	ctx := h.root + ctxSessions
	pctx := h.root + ctxSessions + "('" + sid + "')/prompts"
	cases := []struct {
		path, query, context string
		keys                 []string
	}{
		{sessionsPth, "$select=displayName,createdDateTime", ctx + "(displayName,createdDateTime)", []string{"id", "createdDateTime", "displayName"}},
		{sessionsPth, "select=DisplayName", ctx + "(displayName)", []string{"id", "displayName"}},
		{sessionsPth, "$select=id", ctx + "(id)", []string{"id"}},
		{sessionsPth, "$select=displayName,displayName", ctx + "(displayName)", []string{"id", "displayName"}},
		{sessionsPth, "$select=*", ctx, sessionKeys[1:]},
		{sessionsPth, "$select= displayName , lastModifiedDateTime ", ctx + "(displayName,lastModifiedDateTime)", []string{"id", "lastModifiedDateTime", "displayName"}},
		{sessionsPth + "/" + sid, "$select=displayName", ctx + "(displayName)/$entity", []string{"@odata.context", "id", "displayName"}},
		{sessionsPth + "/" + sid, "$select=createdDateTime,displayName&$expand=prompts", ctx + "(createdDateTime,displayName)/$entity", []string{"@odata.context", "id", "createdDateTime", "displayName", "prompts"}},
		{sessionsPth + "/" + sid + "/prompts", "$select=content,createdDateTime", pctx + "(content,createdDateTime)", []string{"id", "createdDateTime", "content"}},
		{sessionsPth + "/" + sid + "/prompts/" + pid, "$select=content", pctx + "(content)/$entity", []string{"@odata.context", "id", "content"}},
		{sessionsPth + "/" + sid + "/prompts/" + pid, "$select=inputs,type", pctx + "(inputs,type)/$entity", []string{"@odata.context", "id", "type", "inputs"}},
	}
	for _, c := range cases {
		r := h.do(http.MethodGet, c.path+"?"+strings.ReplaceAll(c.query, " ", "%20"), "")
		mustStatus(t, r, http.StatusOK)
		if got := str(t, r.body, "@odata.context"); got != c.context {
			t.Errorf("%s: context %q, want %q", c.query, got, c.context)
		}
		target := r.body
		if r.body.Has("value") {
			target = values(t, r)[0]
		}
		keysEqual(t, c.query, target, c.keys)
	}
}

func TestExpand(t *testing.T) {
	h := newHarness(t, Options{})
	a := str(t, h.createSession("a"), "id")
	b := str(t, h.createSession("b"), "id")
	p1 := h.createPrompt(a, "one")
	p2 := h.createPrompt(a, "two")
	r := h.do(http.MethodGet, sessionsPth+"?$expand=prompts", "")
	mustStatus(t, r, http.StatusOK)
	if got := str(t, r.body, "@odata.context"); got != h.root+ctxSessions {
		t.Errorf("context %q", got)
	}
	items := values(t, r)
	if got := ids(t, items); !slices.Equal(got, []string{b, a}) {
		t.Fatalf("ids %v", got)
	}
	keysEqual(t, "expanded session", items[0], append(slices.Clone(sessionKeys[1:]), "prompts"))
	if canon(t, get(t, items[0], "prompts")) != "[]" {
		t.Errorf("session b prompts: %s", canon(t, get(t, items[0], "prompts")))
	}
	inline := arr(t, items[1], "prompts")
	if len(inline) != 2 {
		t.Fatalf("session a has %d inline prompts", len(inline))
	}
	for i, want := range []*jsonObject{p1, p2} {
		o := inline[i].(*jsonObject)
		keysEqual(t, "inline prompt", o, promptFields)
		w := cloneJSON(want).(*jsonObject)
		w.Delete("@odata.context")
		if canon(t, o) != canon(t, w) {
			t.Errorf("inline prompt %d = %s, want %s", i, canon(t, o), canon(t, w))
		}
	}
	g := h.do(http.MethodGet, sessionsPth+"/"+a+"?expand=PROMPTS", "")
	mustStatus(t, g, http.StatusOK)
	keysEqual(t, "expanded get", g.body, append(slices.Clone(sessionKeys), "prompts"))
	// Without $expand there is no prompts member anywhere.
	for _, p := range []string{sessionsPth, sessionsPth + "/" + a} {
		if strings.Contains(string(h.do(http.MethodGet, p, "").raw), `"prompts"`) {
			t.Errorf("%s returns prompts without $expand", p)
		}
	}
}

func TestMetadataLevels(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "p"), "id")
	sessionID := h.root + "/security/securityCopilot/workspaces('default')/sessions('" + sid + "')"
	promptID := sessionID + "/prompts('" + pid + "')"
	full := hdrs{"Accept": "application/json;odata.metadata=full"}

	r := h.do(http.MethodGet, sessionsPth+"/"+sid+"?$expand=prompts", "", full)
	mustStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != strings.Replace(odataCT, "minimal", "full", 1) {
		t.Errorf("Content-Type %q", ct)
	}
	keysEqual(t, "full session", r.body, []string{"@odata.context", "@odata.type", "@odata.id", "id", "createdDateTime", "lastModifiedDateTime", "displayName", "prompts"})
	if str(t, r.body, "@odata.type") != typeSessionT || str(t, r.body, "@odata.id") != sessionID {
		t.Errorf("full session annotations: %s", r.raw)
	}
	inline := arr(t, r.body, "prompts")[0].(*jsonObject)
	if str(t, inline, "@odata.type") != typePromptT || str(t, inline, "@odata.id") != promptID {
		t.Errorf("full inline prompt annotations: %s", canon(t, inline))
	}
	for _, p := range []string{sessionsPth, sessionsPth + "/" + sid + "/prompts", sessionsPth + "/" + sid + "/prompts/" + pid} {
		r := h.do(http.MethodGet, p, "", full)
		mustStatus(t, r, http.StatusOK)
		ents := []*jsonObject{r.body}
		if r.body.Has("value") {
			ents = values(t, r)
		}
		for _, e := range ents {
			if !e.Has("@odata.type") || !e.Has("@odata.id") {
				t.Errorf("%s: entity without @odata.type/@odata.id: %s", p, canon(t, e))
			}
		}
	}
	// POST and PATCH honour Accept too.
	c := h.do(http.MethodPost, sessionsPth, `{"displayName":"x"}`, full)
	if str(t, c.body, "@odata.type") != typeSessionT {
		t.Errorf("POST with full metadata: %s", c.raw)
	}

	// none: no context, no annotations.
	for _, accept := range []string{"application/json;odata.metadata=none", "application/json; odata.metadata=NONE", "text/html, application/json;metadata=none"} {
		r := h.do(http.MethodGet, sessionsPth+"/"+sid, "", hdrs{"Accept": accept})
		mustStatus(t, r, http.StatusOK)
		keysEqual(t, accept, r.body, sessionKeys[1:])
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json;odata.metadata=none;") {
			t.Errorf("%s: Content-Type %q", accept, ct)
		}
	}
	r = h.do(http.MethodGet, sessionsPth+"?$count=true", "", hdrs{"Accept": "application/json;odata.metadata=none"})
	keysEqual(t, "none list", r.body, []string{"@odata.count", "value"})

	// minimal (default, explicit, unknown level, or other media types).
	for _, accept := range []string{"", "application/json", "*/*", "application/json;odata.metadata=minimal", "application/json;odata.metadata=bogus", "application/xml"} {
		r := h.do(http.MethodGet, sessionsPth+"/"+sid, "", hdrs{"Accept": accept})
		keysEqual(t, "minimal "+accept, r.body, sessionKeys)
		if ct := r.header.Get("Content-Type"); ct != odataCT {
			t.Errorf("%q: Content-Type %q", accept, ct)
		}
	}
}

func TestFilterOverHTTP(t *testing.T) {
	clock := newFakeClock("2025-10-22T20:00:00Z")
	h := newHarness(t, Options{Now: clock.Now})
	all := seed(t, h, clock, 4) // s00 at 20:00:00 ... s03 at 20:00:03
	mustStatus(t, h.do(http.MethodPatch, sessionsPth+"/"+all[1], `{"displayName":null}`), http.StatusOK)
	cases := []struct {
		filter string
		want   []string // newest first
	}{
		{"displayName eq 's02'", []string{all[2]}},
		{"displayName ne 's02'", []string{all[3], all[1], all[0]}},
		{"displayName eq null", []string{all[1]}},
		{"startswith(displayName,'s0')", []string{all[3], all[2], all[0]}},
		{"createdDateTime gt 2025-10-22T20:00:01Z", []string{all[3], all[2]}},
		{"createdDateTime ge 2025-10-22T20:00:01.0000000Z and createdDateTime lt 2025-10-22T20:00:03Z", []string{all[2], all[1]}},
		{"createdDateTime eq 2025-10-22T22:00:00+02:00", []string{all[0]}},
		{"displayName eq 's00' or displayName eq 's03'", []string{all[3], all[0]}},
		{"displayName eq 'nothing'", nil},
	}
	for _, c := range cases {
		for _, q := range []string{"$filter=" + url.QueryEscape(c.filter), "filter=" + url.PathEscape(c.filter)} {
			r := h.do(http.MethodGet, sessionsPth+"?"+q, "")
			mustStatus(t, r, http.StatusOK)
			if got := ids(t, values(t, r)); !slices.Equal(got, c.want) {
				t.Errorf("%s: %v, want %v", c.filter, got, c.want)
			}
		}
	}
	// '+' in an offset that arrives as a space still works.
	r := h.do(http.MethodGet, sessionsPth+"?$filter=createdDateTime+eq+2025-10-22T22:00:00+02:00", "")
	mustStatus(t, r, http.StatusOK)
	if got := ids(t, values(t, r)); !slices.Equal(got, []string{all[0]}) {
		t.Errorf("unencoded +: %v", got)
	}
	// Prompts.
	sid := all[0]
	a := str(t, h.createPrompt(sid, "who am I"), "id")
	b := str(t, h.createPrompt(sid, "what is this"), "id")
	for f, want := range map[string][]string{
		"type eq 'prompt'":              {a, b},
		"content eq 'who am I'":         {a},
		"startswith(content,'wh')":      {a, b},
		"not startswith(content,'who')": {b},
		"type eq 'context'":             nil,
	} {
		r := h.do(http.MethodGet, sessionsPth+"/"+sid+"/prompts?$filter="+url.QueryEscape(f), "")
		mustStatus(t, r, http.StatusOK)
		if got := ids(t, values(t, r)); !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", f, got, want)
		}
	}
}
