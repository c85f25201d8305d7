package mockserver

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAuthentication(t *testing.T) {
	open := newHarness(t, Options{})                  // any non-empty token
	strict := newHarness(t, Options{Token: "s3cret"}) // only this token
	cases := []struct {
		name   string
		h      *harness
		auth   string // "" = no header
		path   string
		status int
	}{
		{"missing", open, "", sessionsPth, 401},
		{"missing, unknown path", open, "", "/nope", 401},
		{"missing, wrong method", open, "", sessionsPth + "/x", 401},
		{"basic scheme", open, "Basic dXNlcjpwYXNz", sessionsPth, 401},
		{"scheme only", open, "Bearer", sessionsPth, 401},
		{"empty token", open, "Bearer    ", sessionsPth, 401},
		{"token without scheme", open, "s3cret", sessionsPth, 401},
		{"any token accepted", open, "Bearer anything", sessionsPth, 200},
		{"scheme is case-insensitive", open, "bearer anything", sessionsPth, 200},
		{"wrong token", strict, "Bearer other", sessionsPth, 401},
		{"token prefix", strict, "Bearer s3cre", sessionsPth, 401},
		{"right token", strict, "Bearer s3cret", sessionsPth, 200},
		{"right token, other scheme", strict, "Basic s3cret", sessionsPth, 401},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := c.h.do(http.MethodGet, c.path, "", hdrs{"Authorization": c.auth})
			if c.status == 200 {
				mustStatus(t, r, 200)
				return
			}
			expectError(t, r, http.StatusUnauthorized, "InvalidAuthenticationToken")
			if got := r.header.Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate %q, want Bearer", got)
			}
		})
	}
	// A rejected write changes nothing.
	r := strict.do(http.MethodPost, sessionsPth, `{"displayName":"x"}`, hdrs{"Authorization": "Bearer wrong"})
	expectError(t, r, http.StatusUnauthorized, "InvalidAuthenticationToken")
	r = strict.do(http.MethodGet, sessionsPth, "", hdrs{"Authorization": "Bearer s3cret"})
	if n := len(values(t, r)); n != 0 {
		t.Errorf("unauthorised POST created %d sessions", n)
	}
}

func TestNotFound(t *testing.T) {
	h := newHarness(t, Options{Workspaces: []string{"default", "other"}})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "p"), "id")
	sid2 := str(t, h.createSession("s2"), "id")
	r := h.do(http.MethodPost, "/security/securityCopilot/workspaces/other/sessions", `{"displayName":"o"}`)
	otherSid := str(t, r.body, "id")
	ghost := "00000000-0000-4000-8000-000000000000"
	ws := "/security/securityCopilot/workspaces/"
	cases := []struct{ method, path, body string }{
		{"GET", "/", ""},
		{"GET", "/security", ""},
		{"GET", ws + "default", ""},
		{"GET", ws + "nope/plugins", ""},
		{"GET", ws + "default/plugins/Entra", ""},
		{"GET", "/beta" + sessionsPth, ""},
		{"GET", sessionsPth + "/" + sid + "/prompts/" + ghost + "/evaluations", ""},
		{"GET", sessionsPth + "/" + sid + "/prompts/" + pid + "/evaluations/" + ghost, ""},
		{"POST", sessionsPth + "/" + sid2 + "/prompts/" + pid + "/evaluations", "{}"},
		{"GET", sessionsPth + "/" + sid + "/foo", ""},
		{"GET", ws + "default//sessions", ""},
		{"GET", "/security('x')/securityCopilot/workspaces/default/sessions", ""},
		{"GET", ws + "default/sessions('unterminated", ""},
		{"GET", ws + "default/sessions('a'b')", ""},
		{"GET", ws + "default/sessions()", ""},
		{"GET", ws + "nope/sessions", ""},
		{"POST", ws + "nope/sessions", `{"displayName":"x"}`},
		{"GET", sessionsPth + "/" + ghost, ""},
		{"GET", sessionsPth + "/not-a-guid", ""},
		{"PATCH", sessionsPth + "/" + ghost, `{"displayName":"x"}`},
		{"GET", sessionsPth + "/" + ghost + "/prompts", ""},
		{"POST", sessionsPth + "/" + ghost + "/prompts", `{"type":"prompt","content":"x"}`},
		{"GET", sessionsPth + "/" + sid + "/prompts/" + ghost, ""},
		{"GET", sessionsPth + "/" + sid2 + "/prompts/" + pid, ""},      // prompt of another session
		{"GET", sessionsPth + "/" + otherSid, ""},                      // session of another workspace
		{"GET", ws + "other/sessions/" + sid + "/prompts/" + pid, ""},  // prompt via the wrong workspace
		{"PATCH", sessionsPth + "/" + otherSid, `{"displayName":"x"}`}, // update via the wrong workspace
		{"GET", sessionsPth + "/" + sid + "/prompts/" + sid, ""},       // a session id used as prompt id
		{"GET", sessionsPth + "/" + pid, ""},                           // a prompt id used as session id
		{"GET", ws + "nope/sessions/" + sid + "/prompts/" + pid + "?$select=id", ""},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			expectError(t, h.do(c.method, c.path, c.body), http.StatusNotFound, "notFound")
		})
	}
}

func TestMethodNotAllowed(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "p"), "id")
	ghost := "00000000-0000-4000-8000-000000000000"
	cases := []struct{ method, path, allow string }{
		{"DELETE", sessionsPth, "GET, POST"},
		{"PUT", sessionsPth, "GET, POST"},
		{"PATCH", sessionsPth, "GET, POST"},
		{"DELETE", sessionsPth + "/" + sid, "GET, PATCH"},
		{"DELETE", sessionsPth + "/" + ghost, "GET, PATCH"},
		{"PUT", sessionsPth + "/" + sid, "GET, PATCH"},
		{"POST", sessionsPth + "/" + sid, "GET, PATCH"},
		{"DELETE", sessionsPth + "/" + sid + "/prompts", "GET, POST"},
		{"PATCH", sessionsPth + "/" + sid + "/prompts/" + pid, "GET"},
		{"DELETE", sessionsPth + "/" + sid + "/prompts/" + pid, "GET"},
		{"PUT", sessionsPth + "/" + sid + "/prompts/" + pid, "GET"},
		{"POST", sessionsPth + "/" + sid + "/prompts/" + pid, "GET"},
		{"OPTIONS", sessionsPth, "GET, POST"},
		{"get", sessionsPth, "GET, POST"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path, func(t *testing.T) {
			r := h.do(c.method, c.path, `{"displayName":"x"}`)
			expectError(t, r, http.StatusMethodNotAllowed, "methodNotAllowed")
			if got := r.header.Get("Allow"); got != c.allow {
				t.Errorf("Allow %q, want %q", got, c.allow)
			}
		})
	}
	// HEAD: 405 with headers and no body.
	r := h.do(http.MethodHead, sessionsPth, "")
	mustStatus(t, r, http.StatusMethodNotAllowed)
	if r.header.Get("Allow") != "GET, POST" || len(r.raw) != 0 {
		t.Errorf("HEAD: Allow %q, body %q", r.header.Get("Allow"), r.raw)
	}
	// Nothing was deleted.
	mustStatus(t, h.do(http.MethodGet, sessionsPth+"/"+sid+"/prompts/"+pid, ""), http.StatusOK)
}

func TestRequestEntityTooLarge(t *testing.T) {
	h := newHarness(t, Options{MaxBodyBytes: 64})
	sid := str(t, h.createSession("s"), "id")
	big := `{"displayName":"` + strings.Repeat("x", 64) + `"}`
	for _, p := range []struct{ method, path string }{
		{"POST", sessionsPth},
		{"PATCH", sessionsPth + "/" + sid},
		{"POST", sessionsPth + "/" + sid + "/prompts"},
	} {
		expectError(t, h.do(p.method, p.path, big), http.StatusRequestEntityTooLarge, "requestEntityTooLarge")
		// Without Content-Length (chunked), the limit still holds.
		req, _ := http.NewRequest(p.method, h.root+p.path, io.MultiReader(strings.NewReader(big)))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		expectError(t, h.send(req), http.StatusRequestEntityTooLarge, "requestEntityTooLarge")
	}
	// Exactly at the limit is fine.
	exact := `{"displayName":"` + strings.Repeat("y", 64-len(`{"displayName":""}`)) + `"}`
	mustStatus(t, h.do(http.MethodPost, sessionsPth, exact), http.StatusCreated)
	// The default limit is 1 MiB.
	d := newHarness(t, Options{})
	huge := `{"displayName":"` + strings.Repeat("z", 1<<20) + `"}`
	expectError(t, d.do(http.MethodPost, sessionsPth, huge), http.StatusRequestEntityTooLarge, "requestEntityTooLarge")
}

func TestUnsupportedMediaType(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	bodies := map[string]string{
		sessionsPth:                          `{"displayName":"x"}`,
		sessionsPth + "/" + sid:              `{"displayName":"x"}`,
		sessionsPth + "/" + sid + "/prompts": `{"type":"prompt","content":"x"}`,
	}
	methods := map[string]string{sessionsPth: "POST", sessionsPth + "/" + sid: "PATCH", sessionsPth + "/" + sid + "/prompts": "POST"}
	for path, body := range bodies {
		for _, ct := range []string{"", "text/plain", "application/xml", "application/x-www-form-urlencoded",
			"application/json-patch+json", "application/json; charset=iso-8859-1", "application", "application/json;;"} {
			t.Run(methods[path]+" "+ct, func(t *testing.T) {
				r := h.do(methods[path], path, body, hdrs{"Content-Type": ct})
				expectError(t, r, http.StatusUnsupportedMediaType, "unsupportedMediaType")
			})
		}
		for _, ct := range []string{"application/json", "application/json; charset=utf-8", "Application/JSON;Charset=UTF-8",
			"application/json;odata.metadata=minimal", "application/json;odata.metadata=minimal;odata.streaming=true"} {
			r := h.do(methods[path], path, body, hdrs{"Content-Type": ct})
			if r.status != 200 && r.status != 201 {
				t.Errorf("%s %s with %q: %d %s", methods[path], path, ct, r.status, r.raw)
			}
		}
	}
}

func TestBodyValidation(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	session := sessionsPth + "/" + sid
	prompts := session + "/prompts"
	cases := []struct {
		name, method, path, body, msg string
	}{
		// Any body.
		{"empty body", "POST", sessionsPth, " ", "empty"},
		{"malformed", "POST", sessionsPth, `{"displayName":`, "malformed"},
		{"malformed 2", "POST", sessionsPth, `{displayName:"x"}`, "malformed"},
		{"trailing comma", "POST", prompts, `{"type":"prompt","content":"who am I",}`, "malformed"},
		{"array", "POST", sessionsPth, `[{"displayName":"x"}]`, "an array"},
		{"string", "POST", sessionsPth, `"x"`, "a string"},
		{"null", "POST", sessionsPth, `null`, "null"},
		{"number", "PATCH", session, `42`, "a number"},
		{"trailing garbage", "POST", sessionsPth, `{"displayName":"x"} x`, "after the JSON object"},
		{"second object", "PATCH", session, `{"displayName":"x"}{}`, "after the JSON object"},
		{"duplicate member", "POST", sessionsPth, `{"displayName":"a","displayName":"b"}`, "duplicate"},
		{"too deep", "POST", prompts, `{"type":"prompt","content":"x","inputs":` + strings.Repeat(`{"a":`, 70) + `1` + strings.Repeat(`}`, 70) + `}`, "deeper"},
		{"invalid escape", "POST", sessionsPth, `{"displayName":"\x"}`, "malformed"},
		// Create session.
		{"missing displayName", "POST", sessionsPth, `{}`, "displayName"},
		{"only odata.type", "POST", sessionsPth, `{"@odata.type":"#microsoft.graph.security.securityCopilot.session"}`, "displayName"},
		{"null displayName", "POST", sessionsPth, `{"displayName":null}`, "displayName"},
		{"numeric displayName", "POST", sessionsPth, `{"displayName":5}`, "displayName must be a string"},
		{"object displayName", "POST", sessionsPth, `{"displayName":{}}`, "must be a string"},
		{"wrong odata.type", "POST", sessionsPth, `{"@odata.type":"#microsoft.graph.security.securityCopilot.prompt","displayName":"x"}`, "@odata.type"},
		{"odata.type case", "POST", sessionsPth, `{"@odata.type":"#Microsoft.Graph.Security.SecurityCopilot.Session","displayName":"x"}`, "@odata.type"},
		{"odata.type not string", "POST", sessionsPth, `{"@odata.type":1,"displayName":"x"}`, "@odata.type"},
		{"unknown property", "POST", sessionsPth, `{"displayName":"x","color":"red"}`, "'color'"},
		{"property case", "POST", sessionsPth, `{"DisplayName":"x"}`, "'DisplayName'"},
		{"read-only id", "POST", sessionsPth, `{"displayName":"x","id":"y"}`, "'id' is read-only"},
		{"read-only created", "POST", sessionsPth, `{"displayName":"x","createdDateTime":"2025-01-01T00:00:00Z"}`, "'createdDateTime' is read-only"},
		{"read-only modified", "POST", sessionsPth, `{"displayName":"x","lastModifiedDateTime":"2025-01-01T00:00:00Z"}`, "'lastModifiedDateTime' is read-only"},
		{"read-only prompts", "POST", sessionsPth, `{"displayName":"x","prompts":[]}`, "'prompts' is read-only"},
		{"other annotation", "POST", sessionsPth, `{"displayName":"x","@odata.context":"y"}`, "@odata.context"},
		// Update session.
		{"patch numeric displayName", "PATCH", session, `{"displayName":1}`, "displayName must be a string"},
		{"patch array", "PATCH", session, `[]`, "an array"},
		{"patch read-only id", "PATCH", session, `{"id":"x"}`, "'id' is read-only"},
		{"patch read-only prompts", "PATCH", session, `{"prompts":[]}`, "'prompts' is read-only"},
		{"patch unknown", "PATCH", session, `{"title":"x"}`, "'title'"},
		{"patch wrong odata.type", "PATCH", session, `{"@odata.type":"#x"}`, "@odata.type"},
		{"patch malformed", "PATCH", session, `{"displayName":"x"`, "malformed"},
		// Create prompt.
		{"prompt missing type", "POST", prompts, `{"content":"x"}`, "'type' is required"},
		{"prompt missing content", "POST", prompts, `{"type":"prompt"}`, "'content' is required"},
		{"prompt null content", "POST", prompts, `{"type":"prompt","content":null}`, "content"},
		{"prompt numeric content", "POST", prompts, `{"type":"prompt","content":1}`, "content must be a string"},
		{"prompt type unknown", "POST", prompts, `{"type":"unknown","content":"x"}`, "only 'prompt' is currently supported"},
		{"prompt type context", "POST", prompts, `{"type":"context","content":"x"}`, "only 'prompt' is currently supported"},
		{"prompt type skill", "POST", prompts, `{"type":"skill","content":"x"}`, "only 'prompt' is currently supported"},
		{"prompt type feedback", "POST", prompts, `{"type":"feedback","content":"x"}`, "only 'prompt' is currently supported"},
		{"prompt type unknownFutureValue", "POST", prompts, `{"type":"unknownFutureValue","content":"x"}`, "only 'prompt' is currently supported"},
		{"prompt type non-member", "POST", prompts, `{"type":"question","content":"x"}`, "not a valid value"},
		{"prompt type case", "POST", prompts, `{"type":"Prompt","content":"x"}`, "not a valid value"},
		{"prompt type null", "POST", prompts, `{"type":null,"content":"x"}`, "type"},
		{"prompt type number", "POST", prompts, `{"type":1,"content":"x"}`, "type"},
		{"prompt wrong odata.type", "POST", prompts, `{"@odata.type":"#microsoft.graph.security.securityCopilot.session","type":"prompt","content":"x"}`, "@odata.type"},
		{"prompt unknown property", "POST", prompts, `{"type":"prompt","content":"x","sessionId":"y"}`, "'sessionId'"},
		{"prompt read-only id", "POST", prompts, `{"type":"prompt","content":"x","id":"y"}`, "'id' is read-only"},
		{"prompt read-only evaluations", "POST", prompts, `{"type":"prompt","content":"x","evaluations":[]}`, "'evaluations' is read-only"},
		{"prompt skillName number", "POST", prompts, `{"type":"prompt","content":"x","skillName":1}`, "skillName"},
		{"prompt inputs array", "POST", prompts, `{"type":"prompt","content":"x","inputs":[]}`, "inputs"},
		{"prompt inputs string", "POST", prompts, `{"type":"prompt","content":"x","inputs":"a=b"}`, "inputs"},
		{"prompt descriptors object", "POST", prompts, `{"type":"prompt","content":"x","skillInputDescriptors":{}}`, "skillInputDescriptors"},
		{"prompt descriptor not object", "POST", prompts, `{"type":"prompt","content":"x","skillInputDescriptors":["a"]}`, "skillInputDescriptors[0]"},
		{"prompt descriptor no name", "POST", prompts, `{"type":"prompt","content":"x","skillInputDescriptors":[{"isRequired":true}]}`, "name is required"},
		{"prompt descriptor bad isRequired", "POST", prompts, `{"type":"prompt","content":"x","skillInputDescriptors":[{"name":"a","isRequired":"yes"}]}`, "isRequired"},
		{"prompt descriptor bad type", "POST", prompts, `{"type":"prompt","content":"x","skillInputDescriptors":[{"name":"a","type":"String"}]}`, ".type"},
		{"prompt descriptor unknown", "POST", prompts, `{"type":"prompt","content":"x","skillInputDescriptors":[{"name":"a","extra":1}]}`, "extra"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg := expectError(t, h.do(c.method, c.path, c.body), http.StatusBadRequest, "badRequest")
			if !containsFold(msg, c.msg) {
				t.Errorf("message %q does not mention %q", msg, c.msg)
			}
		})
	}
	// Nothing above was stored.
	if n := len(values(t, h.do(http.MethodGet, sessionsPth, ""))); n != 1 {
		t.Errorf("%d sessions after rejected creates, want 1", n)
	}
	if n := len(values(t, h.do(http.MethodGet, prompts, ""))); n != 0 {
		t.Errorf("%d prompts after rejected creates, want 0", n)
	}
	if name := get(t, h.do(http.MethodGet, session, "").body, "displayName"); name != "s" {
		t.Errorf("displayName changed to %v by rejected PATCHes", name)
	}
}

func TestClientRequestID(t *testing.T) {
	h := newHarness(t, Options{})
	for _, c := range []struct{ path, method, body string }{
		{sessionsPth, "GET", ""},
		{"/nope", "GET", ""},
		{sessionsPth, "DELETE", ""},
		{sessionsPth, "POST", "{"},
	} {
		r := h.do(c.method, c.path, c.body, hdrs{"client-request-id": "my-id-42"})
		if got := r.header.Get("client-request-id"); got != "my-id-42" {
			t.Errorf("%s %s: client-request-id %q", c.method, c.path, got)
		}
		if r.status >= 400 {
			inner := obj(t, obj(t, r.body, "error"), "innerError")
			if got := str(t, inner, "client-request-id"); got != "my-id-42" {
				t.Errorf("innerError.client-request-id %q", got)
			}
		}
	}
	// request-id is new per request.
	a := h.do(http.MethodGet, sessionsPth, "").header.Get("request-id")
	b := h.do(http.MethodGet, sessionsPth, "").header.Get("request-id")
	if a == b {
		t.Errorf("request-id repeated: %s", a)
	}
}
