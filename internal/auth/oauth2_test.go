package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	oauthClientID = "harness-client"
	oauthSecret   = "s3cret-canary-7f2a" // must never appear in errors or Describe
)

// fakeTokenServer is an OAuth2 token endpoint on 127.0.0.1.
type fakeTokenServer struct {
	*httptest.Server
	t         *testing.T
	requests  atomic.Int32
	expiresIn int
	wantScope string
	mu        sync.Mutex
	issued    []string
}

func newFakeTokenServer(t *testing.T, expiresIn int, wantScope string) *fakeTokenServer {
	f := &fakeTokenServer{t: t, expiresIn: expiresIn, wantScope: wantScope}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeTokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/redirect" {
		http.Redirect(w, r, "/token", http.StatusTemporaryRedirect)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/token" {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id, secret, ok := r.BasicAuth()
	if ok { // x/oauth2 form-encodes the parts of the basic auth header
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
	} else {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	w.Header().Set("Content-Type", "application/json")
	if id != oauthClientID || secret != oauthSecret {
		w.WriteHeader(http.StatusUnauthorized)
		// A careless server echoing the presented secret: it must still be redacted.
		fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, secret)
		return
	}
	if g := r.PostForm.Get("grant_type"); g != "client_credentials" {
		f.t.Errorf("grant_type = %q", g)
	}
	if s := r.PostForm.Get("scope"); s != f.wantScope {
		f.t.Errorf("scope = %q, want %q", s, f.wantScope)
	}
	n := f.requests.Add(1)
	tok := fmt.Sprintf("oauth-token-%d", n)
	f.mu.Lock()
	f.issued = append(f.issued, tok)
	f.mu.Unlock()
	json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": f.expiresIn})
}

func newOAuth2(t *testing.T, tokenURL, secret string, scopes []string, client *http.Client) (*oauth2Creds, *fakeClock) {
	t.Helper()
	c, err := OAuth2ClientCredentials(OAuth2Options{
		TokenURL:         tokenURL,
		ClientID:         oauthClientID,
		ClientSecretFile: writeFile(t, t.TempDir(), "secret", "\n"+secret+"  \n"),
		Scopes:           scopes,
		HTTPClient:       client,
	})
	if err != nil {
		t.Fatal(err)
	}
	clk := &fakeClock{}
	oc := c.(*oauth2Creds)
	oc.now = clk.now
	return oc, clk
}

func TestOAuth2Options(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good", oauthSecret+"\n")
	empty := writeFile(t, dir, "empty", "  \n")
	tests := []struct {
		name    string
		opts    OAuth2Options
		wantErr string // "" = accepted
	}{
		{name: "https", opts: OAuth2Options{TokenURL: "https://idp.example/token", ClientID: "c", ClientSecretFile: good}},
		{name: "http 127.0.0.1", opts: OAuth2Options{TokenURL: "http://127.0.0.1:9/token", ClientID: "c", ClientSecretFile: good}},
		{name: "http [::1]", opts: OAuth2Options{TokenURL: "http://[::1]:9/token", ClientID: "c", ClientSecretFile: good}},
		{name: "http localhost", opts: OAuth2Options{TokenURL: "http://localhost/token", ClientID: "c", ClientSecretFile: good}},
		{name: "http remote", opts: OAuth2Options{TokenURL: "http://idp.example/token", ClientID: "c", ClientSecretFile: good}, wantErr: "clear text"},
		{name: "http private IP", opts: OAuth2Options{TokenURL: "http://10.0.0.1/token", ClientID: "c", ClientSecretFile: good}, wantErr: "non-loopback"},
		{name: "relative", opts: OAuth2Options{TokenURL: "/token", ClientID: "c", ClientSecretFile: good}, wantErr: "absolute http(s)"},
		{name: "ftp", opts: OAuth2Options{TokenURL: "ftp://idp.example/token", ClientID: "c", ClientSecretFile: good}, wantErr: "absolute http(s)"},
		{name: "no host", opts: OAuth2Options{TokenURL: "https:///token", ClientID: "c", ClientSecretFile: good}, wantErr: "no host"},
		{name: "user info", opts: OAuth2Options{TokenURL: "https://u:p@idp.example/token", ClientID: "c", ClientSecretFile: good}, wantErr: "user info"},
		{name: "empty URL", opts: OAuth2Options{ClientID: "c", ClientSecretFile: good}, wantErr: "token URL is required"},
		{name: "no client ID", opts: OAuth2Options{TokenURL: "https://idp.example/token", ClientSecretFile: good}, wantErr: "client ID is required"},
		{name: "no secret file", opts: OAuth2Options{TokenURL: "https://idp.example/token", ClientID: "c"}, wantErr: "client secret file is required"},
		{name: "missing secret file", opts: OAuth2Options{TokenURL: "https://idp.example/token", ClientID: "c", ClientSecretFile: dir + "/nope"}, wantErr: "client secret file"},
		{name: "empty secret file", opts: OAuth2Options{TokenURL: "https://idp.example/token", ClientID: "c", ClientSecretFile: empty}, wantErr: "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := OAuth2ClientCredentials(tt.opts) // constructing sends nothing
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if !contains(c.Secrets(), oauthSecret) {
					t.Errorf("Secrets() = %q, want the client secret", c.Secrets())
				}
				if !strings.Contains(c.Describe(), "OAuth2 client credentials") || !strings.Contains(c.Describe(), "client c") {
					t.Errorf("Describe() = %q", c.Describe())
				}
				assertNoSecret(t, "Describe", c.Describe(), oauthSecret)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
			}
			assertNoSecret(t, "error", err.Error(), oauthSecret)
		})
	}
}

func TestOAuth2Flow(t *testing.T) {
	tests := []struct {
		name   string
		scopes []string
	}{
		{name: "no scopes"},
		{name: "scopes", scopes: []string{"api://x/.default", "read"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeTokenServer(t, 3600, strings.Join(tt.scopes, " "))
			c, clk := newOAuth2(t, srv.URL+"/token", oauthSecret, tt.scopes, srv.Client())
			ctx := context.Background()

			// Caching: concurrent and repeated calls share one request.
			expectOneRequestForConcurrentCalls(t, c, "oauth-token-1", srv.requests.Load)

			// Refresh one minute before expiry, not earlier.
			clk.advance(3600*time.Second - 2*time.Minute)
			if tok, _ := c.Token(ctx); tok != "oauth-token-1" {
				t.Fatalf("refreshed too early: %q", tok)
			}
			clk.advance(90 * time.Second)
			if tok, err := c.Token(ctx); err != nil || tok != "oauth-token-2" {
				t.Fatalf("Token() after nearing expiry = %q, %v; want oauth-token-2", tok, err)
			}

			// Invalidate of a stale token changes nothing; of the current one forces a request.
			if !c.Invalidate("oauth-token-1") {
				t.Error("Invalidate(stale) = false")
			}
			if tok, _ := c.Token(ctx); tok != "oauth-token-2" {
				t.Fatalf("Invalidate(stale) dropped the current token: got %q", tok)
			}
			if !c.Invalidate("oauth-token-2") {
				t.Error("Invalidate(current) = false, want true")
			}
			if tok, _ := c.Token(ctx); tok != "oauth-token-3" {
				t.Fatalf("Token() after Invalidate = %q, want oauth-token-3", tok)
			}
			if n := srv.requests.Load(); n != 3 {
				t.Errorf("%d token requests, want 3", n)
			}
			secrets := c.Secrets()
			for _, s := range []string{oauthSecret, "oauth-token-1", "oauth-token-2", "oauth-token-3"} {
				if !contains(secrets, s) {
					t.Errorf("Secrets() = %q, missing %q", secrets, s)
				}
			}
			assertNoSecret(t, "Describe", c.Describe(), secrets...)
		})
	}
}

func TestOAuth2ShortLivedToken(t *testing.T) {
	// expires_in shorter than the early-expiry margin: reused for half its life, then refreshed.
	srv := newFakeTokenServer(t, 1, "")
	c, _ := newOAuth2(t, srv.URL+"/token", oauthSecret, nil, srv.Client())
	c.now = time.Now
	ctx := context.Background()
	first, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Token(ctx); again != first {
		t.Errorf("short-lived token not reused at once: %q then %q", first, again)
	}
	time.Sleep(1100 * time.Millisecond)
	if next, _ := c.Token(ctx); next == first {
		t.Errorf("expired token %q reused", next)
	}
}

func TestOAuth2Errors(t *testing.T) {
	srv := newFakeTokenServer(t, 3600, "")
	tests := []struct {
		name    string
		url     string
		secret  string
		wantErr string
	}{
		{name: "401 wrong secret", url: srv.URL + "/token", secret: "wrong-" + oauthSecret, wantErr: "invalid_client"},
		{name: "redirect not followed", url: srv.URL + "/redirect", secret: oauthSecret, wantErr: "307"},
		{name: "connection refused", url: "http://127.0.0.1:1/token", secret: oauthSecret, wantErr: "OAuth2 client credentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newOAuth2(t, tt.url, tt.secret, nil, srv.Client())
			tok, err := c.Token(context.Background())
			if err == nil {
				t.Fatalf("Token() = %q, want error", tok)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error = %q, want it to contain %q", err, tt.wantErr)
			}
			assertNoSecret(t, "error", err.Error(), tt.secret, oauthSecret)
			assertNoSecret(t, "Describe", c.Describe(), tt.secret)
		})
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("%d tokens issued, want 0", n)
	}
}

func TestOAuth2RefreshFailureKeepsValidToken(t *testing.T) {
	srv := newFakeTokenServer(t, 3600, "")
	c, clk := newOAuth2(t, srv.URL+"/token", oauthSecret, nil, srv.Client())
	ctx := context.Background()
	first, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	srv.Close() // the endpoint disappears
	clk.advance(3590 * time.Second)
	if tok, err := c.Token(ctx); err != nil || tok != first {
		t.Errorf("Token() during failed refresh = %q, %v; want the still valid %q", tok, err, first)
	}
	clk.advance(time.Minute)
	if tok, err := c.Token(ctx); err == nil {
		t.Errorf("Token() after expiry with the endpoint down = %q, want error", tok)
	} else {
		assertNoSecret(t, "error", err.Error(), oauthSecret, first)
	}
}

func TestOAuth2WaitHonoursContext(t *testing.T) {
	release := make(chan struct{})
	var inFlight sync.WaitGroup
	inFlight.Add(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inFlight.Done()
		<-release
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"slow-token","token_type":"Bearer","expires_in":3600}`)
	}))
	defer srv.Close()
	defer close(release)
	c, _ := newOAuth2(t, srv.URL+"/token", oauthSecret, nil, srv.Client())
	done := make(chan string)
	go func() {
		tok, _ := c.Token(context.Background())
		done <- tok
	}()
	inFlight.Wait() // the first request holds the lock
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if tok, err := c.Token(ctx); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Token() behind a slow request = %q, %v; want deadline exceeded", tok, err)
	}
	release <- struct{}{}
	if tok := <-done; tok != "slow-token" {
		t.Errorf("first Token() = %q", tok)
	}
}
