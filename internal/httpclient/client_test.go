package httpclient

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewValidatesBaseURL(t *testing.T) {
	tests := []struct {
		base    string
		want    string // BaseURL() on success
		wantErr string
	}{
		{base: "http://127.0.0.1:8080", want: "http://127.0.0.1:8080"},
		{base: "http://127.0.0.1:8080/", want: "http://127.0.0.1:8080"},
		{base: "https://graph.microsoft.com/beta", want: "https://graph.microsoft.com/beta"},
		{base: "https://graph.microsoft.com/beta/", want: "https://graph.microsoft.com/beta"},
		{base: "", wantErr: "empty"},
		{base: "graph.microsoft.com/beta", wantErr: "scheme must be http or https"},
		{base: "/beta", wantErr: "scheme must be http or https"},
		{base: "ftp://example.com", wantErr: "scheme must be http or https"},
		{base: "http://", wantErr: "missing host"},
		{base: "http://:8080", wantErr: "missing host"},
		{base: "https://h/beta?x=1", wantErr: "must not contain a query"},
		{base: "https://h/beta?", wantErr: "must not contain a query"},
		{base: "https://h/beta#frag", wantErr: "must not contain a fragment"},
		{base: "https://user:pw@h/beta", wantErr: "must not contain user info"},
		{base: "http://h:port", wantErr: "invalid port"},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			c, err := New(Config{BaseURL: tt.base})
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("New(%q) succeeded, want error %q", tt.base, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "invalid target URL ") || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New(%q) error = %q, want \"invalid target URL ...: %s\"", tt.base, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("New(%q): %v", tt.base, err)
			}
			if got := c.BaseURL(); got != tt.want {
				t.Errorf("BaseURL() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewRejectsNegativeLimits(t *testing.T) {
	for _, cfg := range []Config{
		{BaseURL: "http://127.0.0.1", RequestTimeout: -time.Second},
		{BaseURL: "http://127.0.0.1", MaxBody: -1},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded, want error", cfg)
		}
	}
}

func TestNewErrorRedactsBaseURL(t *testing.T) {
	_, err := New(Config{BaseURL: "https://h/beta?key=s3cretvalue", Secrets: []string{"s3cretvalue"}})
	if err == nil || strings.Contains(err.Error(), "s3cretvalue") {
		t.Fatalf("error = %v, want an error without the secret", err)
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		base, path string
		query      url.Values
		want       string
	}{
		{"https://graph.microsoft.com/beta", "/security/securityCopilot/workspaces", nil,
			"https://graph.microsoft.com/beta/security/securityCopilot/workspaces"},
		{"https://graph.microsoft.com/beta/", "/security/x", nil, "https://graph.microsoft.com/beta/security/x"},
		{"https://graph.microsoft.com/beta", "security/x", nil, "https://graph.microsoft.com/beta/security/x"},
		{"https://graph.microsoft.com/beta", "", nil, "https://graph.microsoft.com/beta"},
		{"http://127.0.0.1:8080", "/security/x", nil, "http://127.0.0.1:8080/security/x"},
		{"http://127.0.0.1:8080/", "/security/x", nil, "http://127.0.0.1:8080/security/x"},
		{"http://127.0.0.1:8080", "/sessions('a%2Fb')", nil, "http://127.0.0.1:8080/sessions('a%2Fb')"},
		{"http://127.0.0.1:8080", "/x?$top=1", nil, "http://127.0.0.1:8080/x?$top=1"},
		{"http://127.0.0.1:8080", "/x?$filter=displayName eq 'a b'", nil,
			"http://127.0.0.1:8080/x?$filter=displayName%20eq%20'a%20b'"},
		{"http://127.0.0.1:8080", "/x", url.Values{"$top": {"1"}}, "http://127.0.0.1:8080/x?$top=1"},
		{"http://127.0.0.1:8080", "/x", url.Values{"$filter": {"displayName eq 'x'"}, "$top": {"1"}},
			"http://127.0.0.1:8080/x?$filter=displayName%20eq%20'x'&$top=1"},
		{"http://127.0.0.1:8080", "/x", url.Values{"a&b=": {"c=d+e#f%&"}}, "http://127.0.0.1:8080/x?a%26b%3D=c=d%2Be%23f%25%26"},
		{"http://127.0.0.1:8080", "/x", url.Values{"$expand": {"prompts($select=id;$top=2)"}},
			"http://127.0.0.1:8080/x?$expand=prompts($select=id%3B$top=2)"},
		{"http://127.0.0.1:8080", "/x", url.Values{"$select": {"id,displayName"}, "$expand": {"prompts($top=2)"}},
			"http://127.0.0.1:8080/x?$expand=prompts($top=2)&$select=id,displayName"},
		{"http://127.0.0.1:8080", "/x?$select=id", url.Values{"$top": {"1"}}, "http://127.0.0.1:8080/x?$select=id&$top=1"},
		{"http://127.0.0.1:8080", "/x", url.Values{"k": {"v1", "v2"}}, "http://127.0.0.1:8080/x?k=v1&k=v2"},
		{"http://127.0.0.1:8080", "/x", url.Values{"q": {"é"}}, "http://127.0.0.1:8080/x?q=%C3%A9"},
		// absolute URLs (@odata.nextLink) pass through untouched
		{"http://127.0.0.1:8080/beta", "https://graph.microsoft.com/beta/x?$skiptoken=a%3D%3D&$top=5", nil,
			"https://graph.microsoft.com/beta/x?$skiptoken=a%3D%3D&$top=5"},
		{"http://127.0.0.1:8080/beta", "HTTP://127.0.0.1:8080/beta/x", url.Values{"$top": {"1"}}, "http://127.0.0.1:8080/beta/x?$top=1"},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.path, func(t *testing.T) {
			c, err := New(Config{BaseURL: tt.base})
			if err != nil {
				t.Fatal(err)
			}
			u, err := c.resolve(tt.path, tt.query)
			if err != nil {
				t.Fatalf("resolve: %v", err)
			}
			if got := u.String(); got != tt.want {
				t.Errorf("resolve(%q, %v) = %q, want %q", tt.path, tt.query, got, tt.want)
			}
		})
	}
}

func TestResolveRejects(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/x#frag", "http:///nohost", "https://"} {
		ex := c.Do(context.Background(), Request{Path: p})
		if ex.Err == nil || !strings.Contains(ex.Err.Error(), "build request URL") {
			t.Errorf("Do(%q).Err = %v, want a build request URL error", p, ex.Err)
		}
		if len(ex.Attempts) != 0 {
			t.Errorf("Do(%q) made %d attempts, want 0", p, len(ex.Attempts))
		}
	}
}

// TestURLOnTheWire checks joining and query encoding as the server sees them.
func TestURLOnTheWire(t *testing.T) {
	var s seen
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { s.add(r) })
	tests := []struct {
		base, path string
		query      url.Values
		wantURI    string
		wantQuery  url.Values
	}{
		{srv.URL, "/security/x", nil, "/security/x", url.Values{}},
		{srv.URL + "/", "security/x", nil, "/security/x", url.Values{}},
		{srv.URL + "/beta", "/security/x", nil, "/beta/security/x", url.Values{}},
		{srv.URL + "/beta/", "/security/x?$top=1", nil, "/beta/security/x?$top=1", url.Values{"$top": {"1"}}},
		{srv.URL + "/beta", "/x", url.Values{"$filter": {"displayName eq 'x'"}, "$top": {"1"}},
			"/beta/x?$filter=displayName%20eq%20'x'&$top=1",
			url.Values{"$filter": {"displayName eq 'x'"}, "$top": {"1"}}},
		{srv.URL, srv.URL + "/abs?$skiptoken=X%2BY", nil, "/abs?$skiptoken=X%2BY", url.Values{"$skiptoken": {"X+Y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.path, func(t *testing.T) {
			c, _ := newTestClient(t, Config{BaseURL: tt.base})
			ex := c.Do(context.Background(), Request{Path: tt.path, Query: tt.query})
			if ex.Err != nil || ex.Status != 200 {
				t.Fatalf("Do: status %d, err %v", ex.Status, ex.Err)
			}
			r := s.last(t)
			if got := r.URL.RequestURI(); got != tt.wantURI {
				t.Errorf("server saw %q, want %q", got, tt.wantURI)
			}
			if got := r.URL.Query(); fmt.Sprint(got) != fmt.Sprint(tt.wantQuery) {
				t.Errorf("server decoded query %v, want %v", got, tt.wantQuery)
			}
		})
	}
}

func TestAuthorizationOnlyToBaseOrigin(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	h := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got[r.Header.Get("X-Case")] = r.Header.Get("Authorization")
	}
	a := newServer(t, h)
	b := newServer(t, h)
	c, _ := newTestClient(t, Config{BaseURL: a.URL + "/beta", Token: "configured-token"})

	tests := []struct {
		name string
		req  Request
		want string
	}{
		{"relative default", Request{Path: "/x"}, "Bearer configured-token"},
		{"relative none", Request{Path: "/x", Auth: AuthNone}, ""},
		{"relative token", Request{Path: "/x", Auth: AuthToken, Token: "other-token"}, "Bearer other-token"},
		{"relative empty token", Request{Path: "/x", Auth: AuthToken}, ""},
		{"absolute same origin", Request{Path: a.URL + "/beta/next"}, "Bearer configured-token"},
		{"absolute same origin other path", Request{Path: a.URL + "/elsewhere"}, "Bearer configured-token"},
		{"absolute localhost name", Request{Path: asLocalhost(a.URL) + "/beta/next"}, ""},
		{"absolute other port", Request{Path: b.URL + "/beta/next"}, ""},
		{"absolute other port with AuthToken", Request{Path: b.URL + "/x", Auth: AuthToken, Token: "other-token"}, ""},
		{"explicit header", Request{Path: "/x", Header: http.Header{"Authorization": {"Basic Zm9vOmJhcg=="}}}, "Basic Zm9vOmJhcg=="},
		{"explicit header with AuthNone", Request{Path: "/x", Auth: AuthNone, Header: http.Header{"authorization": {"Bearer"}}}, "Bearer"},
		{"explicit header other host", Request{Path: b.URL + "/x", Header: http.Header{"Authorization": {"Bearer leak"}}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.Header = tt.req.Header.Clone()
			if tt.req.Header == nil {
				tt.req.Header = http.Header{}
			}
			tt.req.Header.Set("X-Case", tt.name)
			ex := c.Do(context.Background(), tt.req)
			if ex.Err != nil || ex.Status != 200 {
				t.Fatalf("Do: status %d, err %v", ex.Status, ex.Err)
			}
			mu.Lock()
			defer mu.Unlock()
			if got[tt.name] != tt.want {
				t.Errorf("server saw Authorization %q, want %q", got[tt.name], tt.want)
			}
			if ex.RequestHeader.Get("Authorization") != tt.want {
				t.Errorf("Exchange.RequestHeader Authorization %q, want %q", ex.RequestHeader.Get("Authorization"), tt.want)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	var mu sync.Mutex
	var auths []string
	record := func(r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		auths = append(auths, r.Host+r.URL.Path+" "+r.Header.Get("Authorization"))
	}
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { record(r) })
	var base string
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		record(r)
		var n int
		switch {
		case strings.HasPrefix(r.URL.Path, "/hop/"):
			fmt.Sscan(strings.TrimPrefix(r.URL.Path, "/hop/"), &n)
			if n == 0 {
				fmt.Fprint(w, "landed")
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/hop/%d", n-1), http.StatusFound)
		case r.URL.Path == "/to-other-port":
			http.Redirect(w, r, other.URL+"/landing", http.StatusFound)
		case r.URL.Path == "/to-localhost":
			http.Redirect(w, r, asLocalhost(base)+"/landing", http.StatusTemporaryRedirect)
		case r.URL.Path == "/landing":
		}
	})
	base = srv.URL

	tests := []struct {
		name       string
		path       string
		wantStatus int
		wantErr    string
		wantAuths  []string // Authorization seen at each hop, in order
	}{
		{"five hops", "/hop/5", 200, "", nil},
		{"six hops", "/hop/6", 302, "stopped after 5 redirects", nil},
		{"other port", "/to-other-port", 200, "", []string{
			hostOf(srv.URL) + "/to-other-port Bearer tok",
			hostOf(other.URL) + "/landing ",
		}},
		{"other host name", "/to-localhost", 200, "", []string{
			hostOf(srv.URL) + "/to-localhost Bearer tok",
			asLocalhost(hostOf(srv.URL)) + "/landing ",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			auths = nil
			mu.Unlock()
			c, fs := newTestClient(t, Config{BaseURL: srv.URL, Token: "tok"})
			ex := c.Do(context.Background(), Request{Path: tt.path})
			if ex.Status != tt.wantStatus {
				t.Errorf("status %d, want %d (err %v)", ex.Status, tt.wantStatus, ex.Err)
			}
			if tt.wantErr == "" && ex.Err != nil || tt.wantErr != "" && (ex.Err == nil || !strings.Contains(ex.Err.Error(), tt.wantErr)) {
				t.Errorf("err %v, want %q", ex.Err, tt.wantErr)
			}
			if len(ex.Attempts) != 1 || len(fs.Waits()) != 0 {
				t.Errorf("%d attempts, %d waits; redirect failures must not be retried", len(ex.Attempts), len(fs.Waits()))
			}
			if tt.wantErr != "" {
				tr := c.Transcript(ex, 0)
				for _, want := range []string{"--- redirected to " + srv.URL + "/hop/1\n", "<-- 302 Found", "Location: /hop/0", "--- error: "} {
					if !strings.Contains(tr, want) {
						t.Errorf("transcript lacks %q:\n%s", want, tr)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if tt.wantAuths != nil && fmt.Sprint(auths) != fmt.Sprint(tt.wantAuths) {
				t.Errorf("hops saw\n%q\nwant\n%q", auths, tt.wantAuths)
			}
			if tt.wantAuths == nil {
				for _, a := range auths {
					if !strings.HasSuffix(a, " Bearer tok") {
						t.Errorf("same-origin hop lost Authorization: %q", a)
					}
				}
			}
		})
	}
}

func hostOf(u string) string { return strings.TrimPrefix(u, "http://") }

func TestRequestHeaders(t *testing.T) {
	var s seen
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { s.add(r) })
	tests := []struct {
		name      string
		cfg       Config
		req       Request
		wantCT    string
		wantUA    string
		wantReqID string // "" = any fresh UUID
	}{
		{"GET no body", Config{}, Request{}, "", "copilotconf", ""},
		{"POST body default CT", Config{}, Request{Method: "POST", Body: []byte(`{}`)}, "application/json", "copilotconf", ""},
		{"empty non-nil body", Config{}, Request{Method: "POST", Body: []byte{}}, "application/json", "copilotconf", ""},
		{"POST nil body", Config{}, Request{Method: "POST"}, "", "copilotconf", ""},
		{"explicit CT", Config{}, Request{Method: "PATCH", Body: []byte(`x`), Header: http.Header{"Content-Type": {"text/plain"}}}, "text/plain", "copilotconf", ""},
		{"lowercase CT key", Config{}, Request{Method: "PATCH", Body: []byte(`x`), Header: http.Header{"content-type": {"text/plain"}}}, "text/plain", "copilotconf", ""},
		{"custom UA", Config{UserAgent: "spec/1"}, Request{}, "", "spec/1", ""},
		{"request UA wins", Config{UserAgent: "spec/1"}, Request{Header: http.Header{"User-Agent": {"mine"}}}, "", "mine", ""},
		{"own request id", Config{}, Request{Header: http.Header{"client-request-id": {"11111111-2222-4333-8444-555555555555"}}}, "", "copilotconf", "11111111-2222-4333-8444-555555555555"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.BaseURL = srv.URL
			c, _ := newTestClient(t, tt.cfg)
			tt.req.Path = "/h"
			ex := c.Do(context.Background(), tt.req)
			if ex.Err != nil {
				t.Fatal(ex.Err)
			}
			r := s.last(t)
			if got := r.Header.Get("Content-Type"); got != tt.wantCT {
				t.Errorf("Content-Type %q, want %q", got, tt.wantCT)
			}
			if got := r.Header.Get("User-Agent"); got != tt.wantUA {
				t.Errorf("User-Agent %q, want %q", got, tt.wantUA)
			}
			id := r.Header.Values("Client-Request-Id")
			if len(id) != 1 {
				t.Fatalf("client-request-id values %q, want exactly one", id)
			}
			if tt.wantReqID != "" && id[0] != tt.wantReqID {
				t.Errorf("client-request-id %q, want %q", id[0], tt.wantReqID)
			}
			if ex.RequestHeader.Get("Client-Request-Id") != id[0] {
				t.Errorf("Exchange records client-request-id %q, server saw %q", ex.RequestHeader.Get("Client-Request-Id"), id[0])
			}
		})
	}
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestClientRequestIDUnique(t *testing.T) {
	var s seen
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { s.add(r) })
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	const n = 50
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { c.Do(context.Background(), Request{Path: "/id"}) })
	}
	wg.Wait()
	ids := map[string]bool{}
	for _, r := range s.all() {
		id := r.Header.Get("Client-Request-Id")
		if !uuidV4.MatchString(id) {
			t.Errorf("client-request-id %q is not a UUID v4", id)
		}
		ids[id] = true
	}
	if len(ids) != n {
		t.Errorf("%d distinct ids over %d requests", len(ids), n)
	}
}

func TestRequestIDKeptAcrossRetries(t *testing.T) {
	var s seen
	var calls atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		s.add(r)
		if calls.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	c.Do(context.Background(), Request{Path: "/x"})
	all := s.all()
	if len(all) != 2 || all[0].Header.Get("Client-Request-Id") != all[1].Header.Get("Client-Request-Id") {
		t.Errorf("retry changed client-request-id or did not happen (%d requests)", len(all))
	}
}

func TestRequestBodySent(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	var calls atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, r.Method+" "+string(b))
		mu.Unlock()
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	ex := c.Do(context.Background(), Request{Method: "POST", Path: "/s", Body: []byte(`{"a":1}`)})
	if ex.Status != http.StatusCreated {
		t.Fatalf("status %d, err %v", ex.Status, ex.Err)
	}
	want := []string{`POST {"a":1}`, `POST {"a":1}`}
	if fmt.Sprint(bodies) != fmt.Sprint(want) {
		t.Errorf("server saw %q, want %q (body resent on retry)", bodies, want)
	}
}

func TestBodyCap(t *testing.T) {
	gz := func(n int) []byte {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(bytes.Repeat([]byte("a"), n))
		zw.Close()
		return buf.Bytes()
	}
	tests := []struct {
		name      string
		maxBody   int64
		body      []byte
		gzipped   bool
		wantLen   int
		truncated bool
	}{
		{"below", 16, bytes.Repeat([]byte("a"), 15), false, 15, false},
		{"exact", 16, bytes.Repeat([]byte("a"), 16), false, 16, false},
		{"one over", 16, bytes.Repeat([]byte("a"), 17), false, 16, true},
		{"far over", 1024, bytes.Repeat([]byte("a"), 1<<20), false, 1024, true},
		{"gzip under cap", 1 << 20, gz(1000), true, 1000, false},
		{"gzip bomb capped after decompression", 1024, gz(1 << 20), true, 1024, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.gzipped {
					w.Header().Set("Content-Encoding", "gzip")
				}
				w.Write(tt.body)
			})
			c, fs := newTestClient(t, Config{BaseURL: srv.URL, MaxBody: tt.maxBody})
			ex := c.Do(context.Background(), Request{Path: "/big"})
			if ex.Status != 200 || len(ex.ResponseBody) != tt.wantLen || ex.Truncated != tt.truncated {
				t.Fatalf("status %d, %d bytes, truncated %v; want 200, %d bytes, truncated %v",
					ex.Status, len(ex.ResponseBody), ex.Truncated, tt.wantLen, tt.truncated)
			}
			if tt.truncated {
				want := fmt.Sprintf("response body exceeds %d bytes", tt.maxBody)
				if ex.Err == nil || ex.Err.Error() != want || !errors.Is(ex.Err, ErrBodyTooLarge) {
					t.Errorf("err %v, want %q matching ErrBodyTooLarge", ex.Err, want)
				}
				if len(ex.Attempts) != 1 || len(fs.Waits()) != 0 {
					t.Errorf("an oversized body must not be retried: %d attempts", len(ex.Attempts))
				}
			} else if ex.Err != nil {
				t.Errorf("unexpected err %v", ex.Err)
			}
			if bytes.ContainsFunc(ex.ResponseBody, func(r rune) bool { return r != 'a' }) {
				t.Errorf("body not decompressed: %q...", ex.ResponseBody[:min(20, len(ex.ResponseBody))])
			}
		})
	}
}

func TestGzipResponseDecompressed(t *testing.T) {
	const doc = `{"value":[{"id":"1","displayName":"session"}]}`
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("client did not offer gzip: %q", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Encoding", "gzip")
		zw := gzip.NewWriter(w)
		io.WriteString(zw, doc)
		zw.Close()
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	ex := c.Do(context.Background(), Request{Path: "/gz"})
	if ex.Err != nil || string(ex.ResponseBody) != doc {
		t.Fatalf("body %q, err %v; want %q", ex.ResponseBody, ex.Err, doc)
	}
	if tr := c.Transcript(ex, 0); !strings.Contains(tr, `"displayName": "session"`) {
		t.Errorf("transcript does not show the decompressed JSON:\n%s", tr)
	}
}

func TestRequestTimeout(t *testing.T) {
	stall := func(r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}
	tests := []struct {
		name   string
		method string
		h      http.HandlerFunc
	}{
		{"no headers", "POST", func(w http.ResponseWriter, r *http.Request) { stall(r) }},
		{"body stalls", "GET", func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			stall(r)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.h)
			c, _ := newTestClient(t, Config{BaseURL: srv.URL, RequestTimeout: 100 * time.Millisecond, MaxRetryWait: -1})
			start := time.Now()
			ex := c.Do(context.Background(), Request{Method: tt.method, Path: "/slow"})
			if el := time.Since(start); el > 5*time.Second {
				t.Errorf("Do took %s, want about 100ms", el)
			}
			if ex.Err == nil || !errors.Is(ex.Err, context.DeadlineExceeded) {
				t.Errorf("err %v, want a deadline error", ex.Err)
			}
			if len(ex.Attempts) != 1 {
				t.Errorf("%d attempts, want 1", len(ex.Attempts))
			}
		})
	}
}

func TestParentContextCancelled(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ex := c.Do(ctx, Request{Path: "/x"})
	if !errors.Is(ex.Err, context.Canceled) || ex.Status != 0 || len(ex.Attempts) != 1 || calls.Load() != 0 {
		t.Errorf("err %v, status %d, %d attempts, %d server calls; want canceled before sending", ex.Err, ex.Status, len(ex.Attempts), calls.Load())
	}
}

func TestOnExchangeCalledOncePerDo(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" {
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	var mu sync.Mutex
	got := map[*Exchange]int{}
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, MaxRetryWait: 2 * time.Second, OnExchange: func(e *Exchange) {
		mu.Lock()
		defer mu.Unlock()
		got[e]++
	}})
	paths := []string{"/ok", "/busy", "/x#bad", "http://127.0.0.1:1/refused"}
	var returned sync.Map
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ex := c.Do(context.Background(), Request{Method: "POST", Path: paths[i%len(paths)]})
			if ex.Started.IsZero() {
				t.Errorf("exchange timing not recorded: %+v", ex)
			}
			returned.Store(ex, true)
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 20 {
		t.Errorf("hook saw %d exchanges, want 20", len(got))
	}
	for e, n := range got {
		if n != 1 {
			t.Errorf("hook called %d times for %s %s", n, e.Method, e.URL)
		}
		if _, ok := returned.Load(e); !ok {
			t.Errorf("hook got an exchange Do did not return")
		}
	}
}

func TestOnExchangePanicDoesNotEscape(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, OnExchange: func(*Exchange) { panic("boom") }})
	ex := c.Do(context.Background(), Request{Path: "/x"})
	if ex == nil || ex.Err == nil || !strings.Contains(ex.Err.Error(), "boom") {
		t.Errorf("got %v, want the hook panic reported in Err", ex)
	}
}

func TestNilClientDo(t *testing.T) {
	var c *Client
	if ex := c.Do(context.Background(), Request{}); ex == nil || ex.Err == nil {
		t.Errorf("Do on nil client = %+v, want an error exchange", ex)
	}
}

func TestDefaultTransport(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	c, err := New(Config{BaseURL: srv.URL}) // default transport; 127.0.0.1 is never proxied
	if err != nil {
		t.Fatal(err)
	}
	ex := c.Do(context.Background(), Request{Path: "/"})
	if ex.Err != nil || string(ex.ResponseBody) != "ok" {
		t.Errorf("body %q, err %v", ex.ResponseBody, ex.Err)
	}
}

func BenchmarkDo(b *testing.B) {
	body := []byte(`{"id":"e1b8d2b2-6b5a-4c36-8f1e-4a9f0c1f2b3c","displayName":"bench","createdDateTime":"2024-01-01T00:00:00Z"}`)
	srv := newServer(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	c, _ := newTestClient(b, Config{BaseURL: srv.URL + "/beta", Token: "bench-token-value"})
	ctx := context.Background()
	req := Request{Path: "/security/securityCopilot/workspaces/default/sessions/1", Query: url.Values{"$select": {"id,displayName"}}}
	b.ReportAllocs()
	for b.Loop() {
		if ex := c.Do(ctx, req); ex.Err != nil || ex.Status != 200 {
			b.Fatalf("status %d, err %v", ex.Status, ex.Err)
		}
	}
}
