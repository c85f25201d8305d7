package mockserver

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testToken    = "test-token"
	sessionsPth  = "/security/securityCopilot/workspaces/default/sessions"
	odataCT      = "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
	ctxSessions  = "/$metadata#security/securityCopilot/workspaces('default')/sessions"
	typeSessionT = "#microsoft.graph.security.securityCopilot.session"
	typePromptT  = "#microsoft.graph.security.securityCopilot.prompt"
)

var (
	uuidV4RE     = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	timestampRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z$`)
	errorDateRE  = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$`)
	sessionKeys  = []string{"@odata.context", "id", "createdDateTime", "lastModifiedDateTime", "displayName"}
	promptKeys   = []string{"@odata.context", "id", "type", "createdDateTime", "lastModifiedDateTime", "skillName", "content", "inputs", "skillInputDescriptors"}
	promptFields = promptKeys[1:]
)

// fakeClock is a settable clock for deterministic timestamps.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(s string) *fakeClock {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return &fakeClock{t: t}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is a mock server on 127.0.0.1 plus a small client.
type harness struct {
	t    testing.TB
	srv  *httptest.Server
	ms   *Server
	root string
}

func newHarness(t testing.TB, opts Options) *harness {
	t.Helper()
	ms, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	srv := httptest.NewUnstartedServer(ms)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return &harness{t: t, srv: srv, ms: ms, root: srv.URL}
}

// result is one exchange.
type result struct {
	status int
	header http.Header
	raw    []byte
	body   *jsonObject // nil when the body is not a JSON object
}

// hdrs are request headers; an empty value removes a default header
// (Authorization: Bearer test-token; Content-Type: application/json when a
// body is sent).
type hdrs map[string]string

func (h *harness) do(method, path, body string, headers ...hdrs) result {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.root+path, rd)
	if err != nil {
		h.t.Fatalf("request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, hs := range headers {
		for k, v := range hs {
			if v == "" {
				req.Header.Del(k)
			} else {
				req.Header.Set(k, v)
			}
		}
	}
	return h.send(req)
}

func (h *harness) send(req *http.Request) result {
	h.t.Helper()
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatalf("read body: %v", err)
	}
	r := result{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		if !json.Valid(raw) {
			h.t.Fatalf("%s %s: body is not valid JSON: %s", req.Method, req.URL, raw)
		}
		if o, err := parseJSONObject(raw); err == nil {
			r.body = o
		}
	}
	return r
}

// get fetches an absolute URL (a nextLink).
func (h *harness) getURL(u string) result {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		h.t.Fatalf("request: %v", err)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	return h.send(req)
}

func (h *harness) createSession(name string) *jsonObject {
	h.t.Helper()
	r := h.do(http.MethodPost, sessionsPth, `{"displayName":`+jsonString(name)+`}`)
	mustStatus(h.t, r, http.StatusCreated)
	return r.body
}

func (h *harness) createPrompt(sid, content string) *jsonObject {
	h.t.Helper()
	r := h.do(http.MethodPost, sessionsPth+"/"+sid+"/prompts", `{"type":"prompt","content":`+jsonString(content)+`}`)
	mustStatus(h.t, r, http.StatusCreated)
	return r.body
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func mustStatus(t testing.TB, r result, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body: %s", r.status, want, r.raw)
	}
}

// expectError checks an OData error response: status, code, non-empty
// message, innerError and the common headers.
func expectError(t testing.TB, r result, status int, code string) string {
	t.Helper()
	mustStatus(t, r, status)
	if r.body == nil {
		t.Fatalf("error body is not an object: %s", r.raw)
	}
	if got := r.body.Keys(); !slices.Equal(got, []string{"error"}) {
		t.Fatalf("error body members %v, want [error]", got)
	}
	e := obj(t, r.body, "error")
	if got := str(t, e, "code"); got != code {
		t.Errorf("error.code %q, want %q (message %q)", got, code, str(t, e, "message"))
	}
	msg := str(t, e, "message")
	if msg == "" {
		t.Errorf("error.message is empty")
	}
	inner := obj(t, e, "innerError")
	if d := str(t, inner, "date"); !errorDateRE.MatchString(d) {
		t.Errorf("innerError.date %q has the wrong form", d)
	}
	if got := str(t, inner, "request-id"); got != r.header.Get("request-id") {
		t.Errorf("innerError.request-id %q, header %q", got, r.header.Get("request-id"))
	}
	if got := str(t, inner, "client-request-id"); got != r.header.Get("client-request-id") {
		t.Errorf("innerError.client-request-id %q, header %q", got, r.header.Get("client-request-id"))
	}
	checkCommonHeaders(t, r)
	return msg
}

func checkCommonHeaders(t testing.TB, r result) {
	t.Helper()
	if got := r.header.Get("Content-Type"); !strings.HasPrefix(got, "application/json;odata.metadata=") {
		t.Errorf("Content-Type %q", got)
	}
	if got := r.header.Get("OData-Version"); got != "4.0" {
		t.Errorf("OData-Version %q", got)
	}
	if !uuidV4RE.MatchString(r.header.Get("request-id")) {
		t.Errorf("request-id %q is not a UUID v4", r.header.Get("request-id"))
	}
	if r.header.Get("client-request-id") == "" {
		t.Errorf("client-request-id missing")
	}
	if _, err := http.ParseTime(r.header.Get("Date")); err != nil {
		t.Errorf("Date %q: %v", r.header.Get("Date"), err)
	}
}

func get(t testing.TB, o *jsonObject, k string) any {
	t.Helper()
	v, ok := o.Get(k)
	if !ok {
		t.Fatalf("member %q missing in %v", k, o.Keys())
	}
	return v
}

func str(t testing.TB, o *jsonObject, k string) string {
	t.Helper()
	s, ok := get(t, o, k).(string)
	if !ok {
		t.Fatalf("member %q is not a string", k)
	}
	return s
}

func obj(t testing.TB, o *jsonObject, k string) *jsonObject {
	t.Helper()
	x, ok := get(t, o, k).(*jsonObject)
	if !ok {
		t.Fatalf("member %q is not an object", k)
	}
	return x
}

func arr(t testing.TB, o *jsonObject, k string) []any {
	t.Helper()
	x, ok := get(t, o, k).([]any)
	if !ok {
		t.Fatalf("member %q is not an array", k)
	}
	return x
}

func values(t testing.TB, r result) []*jsonObject {
	t.Helper()
	var out []*jsonObject
	for i, v := range arr(t, r.body, "value") {
		o, ok := v.(*jsonObject)
		if !ok {
			t.Fatalf("value[%d] is not an object", i)
		}
		out = append(out, o)
	}
	return out
}

func ids(t testing.TB, items []*jsonObject) []string {
	t.Helper()
	var out []string
	for _, o := range items {
		out = append(out, str(t, o, "id"))
	}
	return out
}

func keysEqual(t testing.TB, what string, o *jsonObject, want []string) {
	t.Helper()
	if got := o.Keys(); !slices.Equal(got, want) {
		t.Errorf("%s members %v, want %v", what, got, want)
	}
}

func canon(t testing.TB, v any) string {
	t.Helper()
	var buf bytes.Buffer
	if err := encodeValue(&buf, v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
