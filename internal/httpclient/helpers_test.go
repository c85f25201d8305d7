package httpclient

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// loopbackTransport dials 127.0.0.1 only: "localhost" is pinned to
// 127.0.0.1 and every other host is refused, so no test can reach another
// address whatever the environment's proxy or resolver settings.
func loopbackTransport() *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	d := &net.Dialer{Timeout: 5 * time.Second}
	t.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if host == "localhost" {
			host = "127.0.0.1"
		}
		if host != "127.0.0.1" {
			return nil, fmt.Errorf("test transport refuses to dial %s", addr)
		}
		return d.DialContext(ctx, "tcp4", net.JoinHostPort(host, port))
	}
	return t
}

// fakeSleep records the waits asked for and returns at once.
type fakeSleep struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (f *fakeSleep) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.waits = append(f.waits, d)
	return nil
}

func (f *fakeSleep) Waits() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.waits...)
}

// newTestClient fills in a loopback transport and a fake sleep unless cfg
// sets them.
func newTestClient(t testing.TB, cfg Config) (*Client, *fakeSleep) {
	t.Helper()
	fs := &fakeSleep{}
	if cfg.Transport == nil {
		cfg.Transport = loopbackTransport()
	}
	if cfg.Sleep == nil {
		cfg.Sleep = fs.Sleep
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, fs
}

// newServer starts a 127.0.0.1 httptest server closed at test end.
func newServer(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("test server not on 127.0.0.1: %s", srv.URL)
	}
	return srv
}

// asLocalhost rewrites a 127.0.0.1 server URL to use the host name
// "localhost" (a different origin reaching the same server).
func asLocalhost(u string) string {
	return strings.Replace(u, "127.0.0.1", "localhost", 1)
}

// seen records requests received by a test server.
type seen struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (s *seen) add(r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reqs = append(s.reqs, r.Clone(context.Background()))
}

func (s *seen) all() []*http.Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*http.Request(nil), s.reqs...)
}

func (s *seen) last(t *testing.T) *http.Request {
	t.Helper()
	all := s.all()
	if len(all) == 0 {
		t.Fatal("server saw no request")
	}
	return all[len(all)-1]
}
