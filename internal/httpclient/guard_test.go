package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rotatingCredentials hands out token-1, then after Invalidate token-2, like a token file
// that was rewritten.
type rotatingCredentials struct {
	mu          sync.Mutex
	current     int
	canRotate   bool
	invalidated int
}

func (r *rotatingCredentials) Token(context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return "rotating-token-" + string(rune('1'+r.current)), nil
}

func (r *rotatingCredentials) Invalidate(string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.invalidated++
	if r.canRotate {
		r.current++
	}
	return r.canRotate
}

func (r *rotatingCredentials) Secrets() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for i := 0; i <= r.current; i++ {
		out = append(out, "rotating-token-"+string(rune('1'+i)))
	}
	return out
}

func (r *rotatingCredentials) Describe() string { return "test credentials" }

func TestCredentialsRefreshedOnceAfter401(t *testing.T) {
	for _, canRotate := range []bool{true, false} {
		var calls atomic.Int32
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			calls.Add(1)
			if r.Header.Get("Authorization") != "Bearer rotating-token-2" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":{"code":"InvalidAuthenticationToken","message":"expired ` + r.Header.Get("Authorization") + `"}}`))
				return
			}
			_, _ = w.Write([]byte(`{}`))
		})
		creds := &rotatingCredentials{canRotate: canRotate}
		c, _ := newTestClient(t, Config{BaseURL: srv.URL, Credentials: creds})
		ex := c.Do(context.Background(), Request{Path: "/x"})
		wantStatus, wantCalls := http.StatusOK, int32(2)
		if !canRotate {
			wantStatus, wantCalls = http.StatusUnauthorized, 1
		}
		if ex.Status != wantStatus || calls.Load() != wantCalls || creds.invalidated != 1 {
			t.Errorf("canRotate=%v: status %d after %d requests and %d invalidations, want %d after %d and 1", canRotate, ex.Status, calls.Load(), creds.invalidated, wantStatus, wantCalls)
		}
		out := c.Transcript(ex, 0) + c.Redact(string(ex.ResponseBody))
		if strings.Contains(out, "rotating-token-") {
			t.Errorf("a token issued by the credentials leaks: %s", out)
		}
	}
}

func TestReadOnlyRefusesWritesWithoutSending(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { calls.Add(1) })
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, ReadOnly: true})
	for _, m := range []string{http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete} {
		ex := c.Do(context.Background(), Request{Method: m, Path: "/x", Body: []byte(`{}`)})
		if !errors.Is(ex.Err, ErrReadOnly) || ex.Status != 0 {
			t.Errorf("%s: expected ErrReadOnly and no response, got %v, %d", m, ex.Err, ex.Status)
		}
	}
	if ex := c.Do(context.Background(), Request{Path: "/x"}); ex.Status != http.StatusOK {
		t.Errorf("GET in read-only mode: %d %v", ex.Status, ex.Err)
	}
	if calls.Load() != 1 {
		t.Errorf("the server saw %d requests, want only the GET", calls.Load())
	}
}

func TestWriteBudget(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/reject" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusCreated)
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, MaxWrites: 2})
	post := func(path string) *Exchange {
		return c.Do(context.Background(), Request{Method: http.MethodPost, Path: path, Body: []byte(`{}`)})
	}
	post("/reject") // a refused POST creates nothing and costs nothing
	post("/create")
	post("/create")
	if ex := post("/create"); !errors.Is(ex.Err, ErrWriteBudget) || ex.Status != 0 {
		t.Errorf("third create: expected ErrWriteBudget, got %v, %d", ex.Err, ex.Status)
	}
	if got := c.Stats().Writes; got != 2 {
		t.Errorf("Stats().Writes = %d, want 2", got)
	}
}

func TestRateLimitSpacesRequests(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	c, sleep := newTestClient(t, Config{BaseURL: srv.URL, Rate: 10})
	for i := 0; i < 5; i++ {
		c.Do(context.Background(), Request{Path: "/x"})
	}
	var total time.Duration
	for _, w := range sleep.Waits() {
		total += w
	}
	// The fake sleep returns at once, so the limiter asks for ever longer waits: 100ms, 200ms, ...
	if len(sleep.Waits()) < 4 || total < 900*time.Millisecond {
		t.Errorf("5 requests at 10/s should wait about 1s in all, waited %v (%v)", total, sleep.Waits())
	}
}

func TestStatsCountThrottling(t *testing.T) {
	var n atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.Header().Set("Retry-After", "0.01")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	for i := 0; i < 3; i++ {
		if ex := c.Do(context.Background(), Request{Path: "/x"}); ex.Status != http.StatusOK {
			t.Fatalf("expected the retry to succeed, got %d", ex.Status)
		}
	}
	if s := c.Stats(); s.Requests != 3 || s.Throttled != 3 || s.GaveUp != 0 {
		t.Errorf("Stats() = %+v, want 3 requests, 3 throttled responses, 0 given up", s)
	}
}

// writePEM writes the certificate of a TLS test server, or a client certificate pair.
func writePEM(t *testing.T, name, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestNewTransportVerifiesCertificates(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	t.Cleanup(srv.Close)
	caFile := writePEM(t, "ca.pem", "CERTIFICATE", srv.Certificate().Raw)
	get := func(o TLSOptions) error {
		tr, err := NewTransport(o)
		if err != nil {
			return err
		}
		tr.Proxy = nil
		resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := get(TLSOptions{}); err == nil {
		t.Errorf("an unknown certificate authority must be refused by default")
	}
	if err := get(TLSOptions{CACertFile: caFile}); err != nil {
		t.Errorf("with --ca-cert the server must be trusted: %v", err)
	}
	if err := get(TLSOptions{InsecureSkipVerify: true}); err != nil {
		t.Errorf("with --insecure-skip-tls-verify the request must go through: %v", err)
	}
	if _, err := NewTransport(TLSOptions{CACertFile: filepath.Join(t.TempDir(), "missing.pem")}); err == nil {
		t.Errorf("a missing CA file must be an error")
	}
	if _, err := NewTransport(TLSOptions{ClientCertFile: caFile}); err == nil {
		t.Errorf("a client certificate without a key must be an error")
	}
}

func TestNewTransportPresentsClientCertificate(t *testing.T) {
	// The server asks for a client certificate; the one it trusts is its own test certificate
	// (httptest's certificate and key double as the client's pair here).
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) == 0 {
			w.WriteHeader(http.StatusForbidden)
		}
	}))
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	cert := srv.TLS.Certificates[0]
	certFile := writePEM(t, "client.pem", "CERTIFICATE", cert.Certificate[0])
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := writePEM(t, "client.key", "PRIVATE KEY", keyDER)
	caFile := writePEM(t, "ca.pem", "CERTIFICATE", srv.Certificate().Raw)
	tr, err := NewTransport(TLSOptions{CACertFile: caFile, ClientCertFile: certFile, ClientKeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	tr.Proxy = nil
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL)
	if err != nil {
		t.Fatalf("mutual TLS: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("the server did not see the client certificate: %d", resp.StatusCode)
	}
}
