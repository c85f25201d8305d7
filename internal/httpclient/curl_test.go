package httpclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

func TestCurlGolden(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:8080", Token: "tok-secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	const url = "http://127.0.0.1:8080/security/securityCopilot/workspaces/default/sessions"
	header := http.Header{"Authorization": {"Bearer tok-secret-1"}, "Content-Type": {"application/json"},
		"User-Agent": {"copilotconf"}, "Accept-Encoding": {"gzip"}}
	tests := []struct {
		name string
		ex   *Exchange
		want string
	}{
		{"GET with the run's token", &Exchange{Method: "GET", URL: url + "?$top=1", RequestHeader: http.Header{"Authorization": {"Bearer tok-secret-1"}}},
			`curl -sS -i 'http://127.0.0.1:8080/security/securityCopilot/workspaces/default/sessions?$top=1' -H "Authorization: Bearer $COPILOTCONF_TOKEN"`},
		{"POST with quotes in the body", &Exchange{Method: "POST", URL: url, RequestHeader: header, RequestBody: []byte(`{"displayName":"it's $HOME ` + "`x`" + `"}`)},
			`curl -sS -i -X POST '` + url + `' -H "Authorization: Bearer $COPILOTCONF_TOKEN" -H 'Content-Type: application/json' --data-binary '{"displayName":"it'\''s $HOME ` + "`x`" + `"}'`},
		{"a deliberately wrong token stays wrong, and hidden", &Exchange{Method: "GET", URL: url,
			RequestHeader: http.Header{"Authorization": {"Bearer wrong-token-123"}}, secrets: []string{"wrong-token-123"}},
			`curl -sS -i '` + url + `' -H 'Authorization: Bearer [REDACTED]'`},
		{"no token", &Exchange{Method: "DELETE", URL: url + "/x"}, `curl -sS -i -X DELETE '` + url + `/x'`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := c.Curl(tc.ex)
			if got != tc.want {
				t.Errorf("got\n%s\nwant\n%s", got, tc.want)
			}
			if strings.Contains(got, "tok-secret-1") || strings.Contains(got, "wrong-token-123") {
				t.Errorf("the command shows a token: %s", got)
			}
		})
	}
}

// TestCurlRepeatsTheRequest runs each reproducer with the real curl and compares what the
// server received with the original request.
func TestCurlRepeatsTheRequest(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl is not installed")
	}
	type seen struct {
		method, uri, auth, contentType string
		body                           []byte
	}
	var mu sync.Mutex
	var got []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, seen{r.Method, r.RequestURI, r.Header.Get("Authorization"), r.Header.Get("Content-Type"), b})
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	const token = "tok-curl-secret-42"
	c, err := New(Config{BaseURL: srv.URL + "/beta", Token: token})
	if err != nil {
		t.Fatal(err)
	}
	big := `{"displayName":"` + strings.Repeat("a", 5<<20) + `"}`
	bodies := []string{
		`{"displayName":"plain"}`,
		"{\"displayName\":\"it's $HOME `date` \\\"q\\\" \\n ünïcødé 🛡️ %s\"}",
		big,
	}
	for i, body := range bodies {
		ex := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/security/securityCopilot/workspaces/w s/sessions",
			Query: map[string][]string{"$filter": {"displayName eq 'a b'"}}, Body: []byte(body)})
		if ex.Status != http.StatusNoContent {
			t.Fatalf("request %d: %v", i, ex.Err)
		}
		cmd := c.Curl(ex)
		if strings.Contains(cmd, token) {
			t.Fatalf("the command shows the token")
		}
		if len(cmd) > 64<<10 {
			t.Errorf("request %d: the command is %d bytes long", i, len(cmd))
		}
		run := exec.Command("bash", "-c", cmd)
		run.Env = []string{"COPILOTCONF_TOKEN=" + token, "PATH=/usr/bin:/bin"}
		if out, err := run.CombinedOutput(); err != nil {
			t.Fatalf("request %d: %v\n%s\n%s", i, err, cmd, out)
		}
		mu.Lock()
		orig, again := got[len(got)-2], got[len(got)-1]
		mu.Unlock()
		if orig.method != again.method || orig.uri != again.uri || orig.auth != again.auth || orig.contentType != again.contentType || string(orig.body) != string(again.body) {
			t.Errorf("request %d: curl sent %s %s (%q, %q, %d bytes), the client sent %s %s (%q, %q, %d bytes)",
				i, again.method, again.uri, again.auth, again.contentType, len(again.body), orig.method, orig.uri, orig.auth, orig.contentType, len(orig.body))
		}
	}
}
