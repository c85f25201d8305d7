package mockserver

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCreateSession(t *testing.T) {
	clock := newFakeClock("2025-09-17T01:03:14.07343Z")
	h := newHarness(t, Options{Now: clock.Now})
	r := h.do(http.MethodPost, sessionsPth,
		`{"@odata.type": "#microsoft.graph.security.securityCopilot.session", "displayName": "Who am I"}`,
		hdrs{"client-request-id": "30d8081a-f3e8-73e0-2da4-3480fb56ccdb"})
	mustStatus(t, r, http.StatusCreated)
	checkCommonHeaders(t, r)
	if got := r.header.Get("Content-Type"); got != odataCT {
		t.Errorf("Content-Type %q, want %q", got, odataCT)
	}
	if got := r.header.Get("client-request-id"); got != "30d8081a-f3e8-73e0-2da4-3480fb56ccdb" {
		t.Errorf("client-request-id not echoed: %q", got)
	}
	keysEqual(t, "created session", r.body, sessionKeys)
	if got, want := str(t, r.body, "@odata.context"), h.root+ctxSessions+"/$entity"; got != want {
		t.Errorf("context %q, want %q", got, want)
	}
	id := str(t, r.body, "id")
	if !uuidV4RE.MatchString(id) {
		t.Errorf("id %q is not a UUID v4", id)
	}
	if got := str(t, r.body, "createdDateTime"); got != "2025-09-17T01:03:14.0734300Z" {
		t.Errorf("createdDateTime %q", got)
	}
	if str(t, r.body, "lastModifiedDateTime") != str(t, r.body, "createdDateTime") {
		t.Errorf("lastModifiedDateTime differs from createdDateTime on create")
	}
	if got := str(t, r.body, "displayName"); got != "Who am I" {
		t.Errorf("displayName %q", got)
	}
	if got, want := r.header.Get("Location"), h.root+"/security/securityCopilot/workspaces('default')/sessions('"+id+"')"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	// The Location URL resolves.
	mustStatus(t, h.getURL(r.header.Get("Location")), http.StatusOK)
}

func TestGetSession(t *testing.T) {
	h := newHarness(t, Options{})
	created := h.createSession("API: who am I")
	id := str(t, created, "id")
	r := h.do(http.MethodGet, sessionsPth+"/"+id, "")
	mustStatus(t, r, http.StatusOK)
	checkCommonHeaders(t, r)
	keysEqual(t, "session", r.body, sessionKeys)
	if canon(t, r.body) != canon(t, created) {
		t.Errorf("GET differs from POST:\n%s\n%s", r.raw, canon(t, created))
	}
	if r.header.Get("client-request-id") != r.header.Get("request-id") {
		t.Errorf("client-request-id should default to request-id")
	}
	for _, k := range []string{"createdDateTime", "lastModifiedDateTime"} {
		if !timestampRE.MatchString(str(t, r.body, k)) {
			t.Errorf("%s %q has the wrong form", k, str(t, r.body, k))
		}
	}
}

func TestUpdateSession(t *testing.T) {
	clock := newFakeClock("2025-10-22T20:10:54.4940649Z")
	h := newHarness(t, Options{Now: clock.Now})
	created := h.createSession("API: who am I")
	id := str(t, created, "id")
	path := sessionsPth + "/" + id

	steps := []struct {
		name     string
		advance  time.Duration
		body     string
		wantName any
		wantMod  string
	}{
		{"documented body, clock still", 0,
			`{"@odata.type": "#microsoft.graph.security.securityCopilot.session", "displayName": "API Test: Who am I?"}`,
			"API Test: Who am I?", "2025-10-22T20:10:54.4940650Z"},
		{"clock still again: one more tick", 0, `{"displayName": "again"}`, "again", "2025-10-22T20:10:54.4940651Z"},
		{"empty object: nothing changes", time.Hour, `{}`, "again", "2025-10-22T20:10:54.4940651Z"},
		{"clock moved", 0, `{"displayName": "later"}`, "later", "2025-10-22T21:10:54.4940649Z"},
		{"clock went back: still forward", -2 * time.Hour, `{"displayName": null}`, nil, "2025-10-22T21:10:54.4940650Z"},
	}
	for _, st := range steps {
		clock.Advance(st.advance)
		r := h.do(http.MethodPatch, path, st.body)
		mustStatus(t, r, http.StatusOK)
		checkCommonHeaders(t, r)
		keysEqual(t, st.name, r.body, sessionKeys)
		if got := get(t, r.body, "displayName"); got != st.wantName {
			t.Errorf("%s: displayName %v, want %v", st.name, got, st.wantName)
		}
		if got := str(t, r.body, "lastModifiedDateTime"); got != st.wantMod {
			t.Errorf("%s: lastModifiedDateTime %s, want %s", st.name, got, st.wantMod)
		}
		if str(t, r.body, "id") != id || str(t, r.body, "createdDateTime") != str(t, created, "createdDateTime") {
			t.Errorf("%s: id or createdDateTime changed", st.name)
		}
		g := h.do(http.MethodGet, path, "")
		if canon(t, g.body) != canon(t, r.body) {
			t.Errorf("%s: GET after PATCH differs:\n%s\n%s", st.name, g.raw, r.raw)
		}
	}

	// A read-only property rejects the whole body: nothing is applied.
	before := h.do(http.MethodGet, path, "")
	r := h.do(http.MethodPatch, path, `{"displayName": "should not apply", "createdDateTime": "2020-01-01T00:00:00Z"}`)
	msg := expectError(t, r, http.StatusBadRequest, "badRequest")
	if !containsFold(msg, "createdDateTime") {
		t.Errorf("message %q does not name the property", msg)
	}
	if after := h.do(http.MethodGet, path, ""); canon(t, after.body) != canon(t, before.body) {
		t.Errorf("rejected PATCH changed the session: %s", after.raw)
	}
}

func TestListSessions(t *testing.T) {
	h := newHarness(t, Options{})
	empty := h.do(http.MethodGet, sessionsPth, "")
	mustStatus(t, empty, http.StatusOK)
	keysEqual(t, "empty list", empty.body, []string{"@odata.context", "value"})
	if got := canon(t, get(t, empty.body, "value")); got != "[]" {
		t.Errorf("empty list value %s, want []", got)
	}
	a := h.createSession("first")
	b := h.do(http.MethodPost, sessionsPth, `{"displayName":"second"}`).body
	r := h.do(http.MethodGet, sessionsPth, "")
	mustStatus(t, r, http.StatusOK)
	checkCommonHeaders(t, r)
	keysEqual(t, "list", r.body, []string{"@odata.context", "value"})
	if got, want := str(t, r.body, "@odata.context"), h.root+ctxSessions; got != want {
		t.Errorf("context %q, want %q", got, want)
	}
	items := values(t, r)
	if got, want := ids(t, items), []string{str(t, b, "id"), str(t, a, "id")}; !slices.Equal(got, want) {
		t.Errorf("order %v, want newest first %v", got, want)
	}
	for _, it := range items {
		keysEqual(t, "list item", it, sessionKeys[1:])
	}
}

func TestCreatePrompt(t *testing.T) {
	clock := newFakeClock("2025-10-22T20:12:13.759634Z")
	h := newHarness(t, Options{Now: clock.Now})
	sid := str(t, h.createSession("s"), "id")
	path := sessionsPth + "/" + sid + "/prompts"
	r := h.do(http.MethodPost, path,
		`{"@odata.type": "#microsoft.graph.security.securityCopilot.prompt", "type": "prompt", "content": "who am I"}`)
	mustStatus(t, r, http.StatusCreated)
	checkCommonHeaders(t, r)
	keysEqual(t, "prompt", r.body, promptKeys)
	wantCtx := h.root + ctxSessions + "('" + sid + "')/prompts/$entity"
	if got := str(t, r.body, "@odata.context"); got != wantCtx {
		t.Errorf("context %q, want %q", got, wantCtx)
	}
	pid := str(t, r.body, "id")
	if !uuidV4RE.MatchString(pid) {
		t.Errorf("prompt id %q", pid)
	}
	want := map[string]string{
		"type":                  `"prompt"`,
		"createdDateTime":       `"2025-10-22T20:12:13.7596340Z"`,
		"lastModifiedDateTime":  `"2025-10-22T20:12:13.7596340Z"`,
		"skillName":             `null`,
		"content":               `"who am I"`,
		"inputs":                `{"keyValuePairs":[]}`,
		"skillInputDescriptors": `[]`,
	}
	for k, w := range want {
		if got := canon(t, get(t, r.body, k)); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	if got, want := r.header.Get("Location"), h.root+"/security/securityCopilot/workspaces('default')/sessions('"+sid+"')/prompts('"+pid+"')"; got != want {
		t.Errorf("Location %q, want %q", got, want)
	}
	mustStatus(t, h.getURL(r.header.Get("Location")), http.StatusOK)

	// Optional members are stored and returned as sent.
	r = h.do(http.MethodPost, path, `{"type":"prompt","content":"c","skillName":"GetDefenderIncidents",
		"inputs":{"b":1,"a":{"x":[true,null]}},
		"skillInputDescriptors":[{"name":"id","type":{"name":"String"},"description":null,"isRequired":true}]}`)
	mustStatus(t, r, http.StatusCreated)
	for k, w := range map[string]string{
		"skillName":             `"GetDefenderIncidents"`,
		"inputs":                `{"b":1,"a":{"x":[true,null]}}`,
		"skillInputDescriptors": `[{"name":"id","type":{"name":"String"},"description":null,"isRequired":true}]`,
	} {
		if got := canon(t, get(t, r.body, k)); got != w {
			t.Errorf("%s = %s, want %s", k, got, w)
		}
	}
	r = h.do(http.MethodPost, path, `{"type":"prompt","content":"c","skillName":null,"inputs":null,"skillInputDescriptors":null}`)
	mustStatus(t, r, http.StatusCreated)
	for _, k := range []string{"skillName", "inputs", "skillInputDescriptors"} {
		if got := canon(t, get(t, r.body, k)); got != "null" {
			t.Errorf("%s = %s, want null", k, got)
		}
	}
}

func TestListAndGetPrompts(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	other := str(t, h.createSession("other"), "id")
	path := sessionsPth + "/" + sid + "/prompts"

	empty := h.do(http.MethodGet, path, "")
	mustStatus(t, empty, http.StatusOK)
	if canon(t, get(t, empty.body, "value")) != "[]" {
		t.Errorf("empty prompts list: %s", empty.raw)
	}

	var created []*jsonObject
	for _, c := range []string{"one", "two", "three"} {
		created = append(created, h.createPrompt(sid, c))
	}
	r := h.do(http.MethodGet, path, "")
	mustStatus(t, r, http.StatusOK)
	checkCommonHeaders(t, r)
	keysEqual(t, "prompt list", r.body, []string{"@odata.context", "value"})
	if got, want := str(t, r.body, "@odata.context"), h.root+ctxSessions+"('"+sid+"')/prompts"; got != want {
		t.Errorf("context %q, want %q", got, want)
	}
	items := values(t, r)
	if got, want := ids(t, items), ids(t, created); !slices.Equal(got, want) {
		t.Errorf("prompts %v, want oldest first %v", got, want)
	}
	for _, it := range items {
		keysEqual(t, "prompt item", it, promptFields)
	}

	pid := str(t, created[1], "id")
	g := h.do(http.MethodGet, path+"/"+pid, "")
	mustStatus(t, g, http.StatusOK)
	checkCommonHeaders(t, g)
	keysEqual(t, "prompt", g.body, promptKeys)
	if canon(t, g.body) != canon(t, created[1]) {
		t.Errorf("GET prompt differs from POST:\n%s\n%s", g.raw, canon(t, created[1]))
	}

	// Another session's prompt id is not found under this session.
	r = h.do(http.MethodGet, sessionsPth+"/"+other+"/prompts/"+pid, "")
	expectError(t, r, http.StatusNotFound, "notFound")
	if got := values(t, h.do(http.MethodGet, sessionsPth+"/"+other+"/prompts", "")); len(got) != 0 {
		t.Errorf("other session lists %d prompts", len(got))
	}
}

func TestPathForms(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "p"), "id")
	for _, p := range []string{
		"/SECURITY/SecurityCopilot/WORKSPACES/default/Sessions/" + sid,
		"/security/securityCopilot/workspaces('default')/sessions('" + sid + "')",
		"/security/securityCopilot/workspaces/DEFAULT/sessions/" + sid,
		"/security/securityCopilot/workspaces/default/sessions/" + sid + "/",
		"/security/securityCopilot/workspaces/default/sessions/" + upper(sid),
		"/security/securityCopilot/workspaces/default/sessions/" + sid + "/prompts/" + pid,
		"/security/securityCopilot/workspaces('default')/sessions('" + sid + "')/prompts('" + pid + "')",
		"/security/securityCopilot/workspaces/default/sessions/" + sid + "/PROMPTS/" + upper(pid),
		"/security/securityCopilot/workspaces/default/sessions/",
		"/security/securityCopilot/workspaces/default/sessions/" + sid + "/prompts/",
	} {
		r := h.do(http.MethodGet, p, "")
		if r.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", p, r.status, r.raw)
		}
		if ctx := str(t, r.body, "@odata.context"); !containsFold(ctx, "workspaces('default')") {
			t.Errorf("GET %s: context %q should use the canonical workspace id", p, ctx)
		}
	}
}

func TestWorkspaces(t *testing.T) {
	h := newHarness(t, Options{Workspaces: []string{"default", "Team-A"}})
	a := str(t, h.createSession("in default"), "id")
	r := h.do(http.MethodPost, "/security/securityCopilot/workspaces/team-a/sessions", `{"displayName":"in team"}`)
	mustStatus(t, r, http.StatusCreated)
	if got, want := str(t, r.body, "@odata.context"), h.root+"/$metadata#security/securityCopilot/workspaces('Team-A')/sessions/$entity"; got != want {
		t.Errorf("context %q, want %q", got, want)
	}
	b := str(t, r.body, "id")
	// Sessions are per workspace.
	if got := ids(t, values(t, h.do(http.MethodGet, "/security/securityCopilot/workspaces/Team-A/sessions", ""))); !slices.Equal(got, []string{b}) {
		t.Errorf("Team-A lists %v", got)
	}
	expectError(t, h.do(http.MethodGet, "/security/securityCopilot/workspaces/Team-A/sessions/"+a, ""), http.StatusNotFound, "notFound")
}

func TestNewOptions(t *testing.T) {
	for _, o := range []Options{
		{MaxBodyBytes: -1},
		{Workspaces: []string{""}},
		{Workspaces: []string{"a", "A"}},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted invalid options", o)
		}
	}
	// An empty, non-nil list means no workspace exists.
	h := newHarness(t, Options{Workspaces: []string{}})
	expectError(t, h.do(http.MethodGet, sessionsPth, ""), http.StatusNotFound, "notFound")
}

func upper(s string) string { return strings.ToUpper(s) }

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// TestPanicRecovery: a panic (here from a broken clock) still produces an
// OData error with the common headers, never a dropped connection.
func TestPanicRecovery(t *testing.T) {
	h := newHarness(t, Options{Now: func() time.Time { panic("clock broke") }})
	r := h.do(http.MethodGet, sessionsPth, "")
	msg := expectError(t, r, http.StatusInternalServerError, "internalServerError")
	if !strings.Contains(msg, "clock broke") {
		t.Errorf("message %q", msg)
	}
}
