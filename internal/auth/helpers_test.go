package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeClock is the real clock shifted by an adjustable offset, so deadlines
// computed by libraries from time.Now stay comparable with it.
type fakeClock struct{ off atomic.Int64 }

func (c *fakeClock) now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *fakeClock) advance(d time.Duration) { c.off.Add(int64(d)) }

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// assertNoSecret fails when text contains any of secrets (the canary check).
func assertNoSecret(t *testing.T, what, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("%s leaks a secret %q: %s", what, s, text)
		}
	}
}

func contains(list []string, v string) bool {
	for _, s := range list {
		if s == v {
			return true
		}
	}
	return false
}

// expectOneRequestForConcurrentCalls calls Token from several goroutines and checks that they
// all got want from a single token request (requests counts them).
func expectOneRequestForConcurrentCalls(t *testing.T, c Credentials, want string, requests func() int32) {
	t.Helper()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if tok, err := c.Token(context.Background()); err != nil || tok != want {
				t.Errorf("Token() = %q, %v", tok, err)
			}
		})
	}
	wg.Wait()
	if n := requests(); n != 1 {
		t.Fatalf("%d token requests for cached calls, want 1", n)
	}
}
