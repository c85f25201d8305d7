package mockserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"github.com/copilotconf/copilotconf/api"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Fault is a deliberate non-conformance the server can be switched into: one realistic way a
// vendor service or a hand-written mock breaks a rule. Faults exist to show that the conformance
// suites catch what they claim to check.
type Fault struct {
	// Name identifies the fault (Options.Faults, copilotconf serve --fault).
	Name string `json:"name"`
	// Description says in one line what the server does wrong.
	Description string `json:"description"`
	// Breaks lists the spec IDs that must fail while the fault is on.
	Breaks []string `json:"breaks"`
}

// Faults returns every fault the server knows, sorted by name.
func Faults() []Fault {
	out := make([]Fault, len(faultCatalog))
	for i, f := range faultCatalog {
		out[i] = f.Fault
		out[i].Breaks = append([]string(nil), f.Breaks...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// faultDef is a fault and how it is done: before runs on the request (and may answer it
// itself), after runs on the response of the conformant server.
type faultDef struct {
	Fault
	before func(x *faultRequest)
	after  func(x *faultResponse)
}

func lookupFaults(names []string) ([]*faultDef, error) {
	byName := map[string]*faultDef{}
	for i := range faultCatalog {
		byName[faultCatalog[i].Name] = &faultCatalog[i]
	}
	var out []*faultDef
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		f, ok := byName[n]
		if !ok {
			return nil, fmt.Errorf("mockserver: unknown fault %q (copilotconf serve --list-faults lists them)", n)
		}
		out = append(out, f)
	}
	return out, nil
}

// Operation names the fault layer sees: the documented operations' (package api), and two
// undocumented methods some faults answer.
var (
	opListSessions  = api.ListSessions.Name
	opCreateSession = api.CreateSession.Name
	opGetSession    = api.GetSession.Name
	opUpdateSession = api.UpdateSession.Name
	opListPrompts   = api.ListPrompts.Name
	opCreatePrompt  = api.CreatePrompt.Name
	opGetPrompt     = api.GetPrompt.Name
)

const (
	opDeleteSession = "delete-session"
	opUpdatePrompt  = "update-prompt"
)

func operationOf(r *http.Request) (string, route) {
	rt, ok := parsePath(r.URL.EscapedPath())
	if !ok {
		return "", rt
	}
	if op, _, ok := api.Match(r.Method, slashPath(r.URL.EscapedPath())); ok {
		return op.Name, rt
	}
	undocumented := map[routeKind]map[string]string{
		routeSession: {http.MethodDelete: opDeleteSession},
		routePrompt:  {http.MethodPatch: opUpdatePrompt},
	}
	return undocumented[rt.kind][r.Method], rt
}

// slashPath writes key segments ("sessions('a')") as path segments ("sessions/a"), as the
// operations' path templates do.
func slashPath(escaped string) string {
	var out []string
	for _, raw := range strings.Split(strings.Trim(escaped, "/"), "/") {
		seg, err := url.PathUnescape(raw)
		if err != nil {
			return escaped
		}
		name, key, hasKey, ok := splitKeySegment(seg)
		if !ok {
			return escaped
		}
		out = append(out, url.PathEscape(name))
		if hasKey {
			out = append(out, url.PathEscape(key))
		}
	}
	return "/" + strings.Join(out, "/")
}

// faultState is what stateful faults remember across requests.
type faultState struct {
	mu           sync.Mutex
	sessionNames map[string]any            // session id → displayName at creation
	prompts      map[string]map[string]any // prompt id → prompt as created
	promptOrder  []string
	overrides    map[string]map[string]any // session id → read-only values a PATCH "stored"
	evaluations  map[string]rememberedEvaluation
	evalOrder    []string
	reads        map[string]int // evaluation id → reads in a state of interest
}

// forget drops what the stateful faults remember (Server.Reset).
func (l *faultLayer) forget() {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	st := &l.state
	st.sessionNames, st.prompts, st.promptOrder, st.overrides, st.evaluations, st.evalOrder, st.reads = nil, nil, nil, nil, nil, nil, nil
}

// faultLayer sits in front of the conformant server and applies the switched-on faults.
type faultLayer struct {
	next   http.Handler
	server *Server
	faults []*faultDef
	state  faultState
}

// maxFaultBody bounds what the fault layer reads of a request body.
const maxFaultBody = 64 << 20

// faultRequest is a request on its way to the server; a fault may change it or answer it.
type faultRequest struct {
	op     string
	route  route
	r      *http.Request
	body   []byte
	layer  *faultLayer
	answer *faultResponse // set to answer without asking the server
}

// faultResponse is the server's answer on its way to the client.
type faultResponse struct {
	req    *faultRequest
	status int
	header http.Header
	body   map[string]any // the decoded JSON object; nil when the body is not one
	raw    []byte         // the body as written when it is not a JSON object, or replaces it
	rawSet bool
}

func (l *faultLayer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	op, rt := operationOf(r)
	body, _ := io.ReadAll(io.LimitReader(r.Body, maxFaultBody))
	req := &faultRequest{op: op, route: rt, r: r.Clone(r.Context()), body: body, layer: l}
	for _, f := range l.faults {
		if f.before != nil && req.answer == nil {
			f.before(req)
		}
	}
	resp := req.answer
	if resp == nil {
		req.r.Body = io.NopCloser(bytes.NewReader(req.body))
		req.r.ContentLength = int64(len(req.body))
		rec := &recorder{header: http.Header{}}
		l.next.ServeHTTP(rec, req.r)
		resp = &faultResponse{req: req, status: rec.status, header: rec.header}
		if obj, ok := decodeObject(rec.body.Bytes()); ok {
			resp.body = obj
		} else {
			resp.raw, resp.rawSet = rec.body.Bytes(), true
		}
	}
	for _, f := range l.faults {
		if f.after != nil {
			f.after(resp)
		}
	}
	resp.write(w)
}

func (x *faultResponse) write(w http.ResponseWriter) {
	out := x.raw
	if !x.rawSet && x.body != nil {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(x.body)
		out = bytes.TrimRight(b.Bytes(), "\n")
	}
	h := w.Header()
	for k, vs := range x.header {
		h[k] = vs
	}
	h.Set("Content-Length", strconv.Itoa(len(out)))
	if x.status == 0 {
		x.status = http.StatusOK
	}
	w.WriteHeader(x.status)
	_, _ = w.Write(out)
}

// recorder captures the conformant server's answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(b)
}

func decodeObject(b []byte) (map[string]any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, false
	}
	return obj, true
}

// --- helpers the fault definitions share ---

func (x *faultRequest) is(ops ...string) bool {
	for _, op := range ops {
		if x.op == op {
			return true
		}
	}
	return false
}

func (x *faultResponse) is(ops ...string) bool { return x.req.is(ops...) }

func (x *faultResponse) ok() bool { return x.status >= 200 && x.status < 300 && x.body != nil }

// jsonBody decodes the request body as a JSON object (nil when it is not one).
func (x *faultRequest) jsonBody() map[string]any {
	obj, _ := decodeObject(x.body)
	return obj
}

func (x *faultRequest) setJSONBody(obj map[string]any) {
	b, _ := json.Marshal(obj)
	x.body = b
}

// query returns the value of a query option given with or without "$" (case-insensitive).
func (x *faultRequest) query(name string) (string, bool) {
	for k, vs := range x.r.URL.Query() {
		if strings.EqualFold(strings.TrimPrefix(k, "$"), name) && len(vs) > 0 {
			return vs[0], true
		}
	}
	return "", false
}

// dropQuery removes query options, with or without "$", from the request.
func (x *faultRequest) dropQuery(names ...string) {
	q := x.r.URL.Query()
	for k := range q {
		for _, n := range names {
			if strings.EqualFold(strings.TrimPrefix(k, "$"), n) {
				q.Del(k)
			}
		}
	}
	x.r.URL.RawQuery = encodeQuery(q)
}

// rewriteQuery changes the value of an option in place.
func (x *faultRequest) rewriteQuery(name string, fn func(string) string) {
	q := x.r.URL.Query()
	for k, vs := range q {
		if strings.EqualFold(strings.TrimPrefix(k, "$"), name) {
			for i := range vs {
				vs[i] = fn(vs[i])
			}
		}
	}
	x.r.URL.RawQuery = encodeQuery(q)
}

func encodeQuery(q url.Values) string {
	return strings.ReplaceAll(q.Encode(), "+", "%20")
}

// respond answers the request with an OData error without asking the server.
func (x *faultRequest) respond(status int, code, message string) {
	x.answer = &faultResponse{req: x, status: status, header: http.Header{
		"Content-Type": {"application/json"},
	}, body: map[string]any{"error": map[string]any{"code": code, "message": message}}}
}

// entities returns the session and prompt objects of a response: the collection's items or
// the single entity, with expanded prompts.
func (x *faultResponse) entities() []map[string]any {
	if x.body == nil {
		return nil
	}
	var out []map[string]any
	add := func(obj map[string]any) {
		out = append(out, obj)
		if prompts, ok := obj["prompts"].([]any); ok {
			for _, p := range prompts {
				if po, ok := p.(map[string]any); ok {
					out = append(out, po)
				}
			}
		}
	}
	if items, ok := x.body["value"].([]any); ok {
		for _, it := range items {
			if obj, ok := it.(map[string]any); ok {
				add(obj)
			}
		}
		return out
	}
	if _, isError := x.body["error"]; !isError {
		add(x.body)
	}
	return out
}

// items returns the value array of a collection response.
func (x *faultResponse) items() []any {
	items, _ := x.body["value"].([]any)
	return items
}

// setError replaces the response with an OData error.
func (x *faultResponse) setError(status int, code, message string) {
	x.status = status
	x.body = map[string]any{"error": map[string]any{"code": code, "message": message}}
	x.rawSet = false
}

// context rewrites @odata.context with fn.
func (x *faultResponse) context(fn func(string) string) {
	if ctx, ok := x.body["@odata.context"].(string); ok {
		x.body["@odata.context"] = fn(ctx)
	}
}

func (l *faultLayer) remember(fn func(st *faultState)) {
	l.state.mu.Lock()
	defer l.state.mu.Unlock()
	if l.state.sessionNames == nil {
		l.state.sessionNames = map[string]any{}
		l.state.prompts = map[string]map[string]any{}
		l.state.overrides = map[string]map[string]any{}
		l.state.evaluations = map[string]rememberedEvaluation{}
		l.state.reads = map[string]int{}
	}
	fn(&l.state)
}
