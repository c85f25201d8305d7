// Package auth supplies the bearer tokens the harness sends in
// "Authorization: Bearer <token>": a static token, a token file, Microsoft
// Entra ID through azidentity, or a generic OAuth2 client-credentials grant.
//
// Every source implements Credentials and is safe for concurrent use. No
// error or Describe output contains a secret: errors coming from the
// underlying libraries are redacted with the source's Secrets.
package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sort"
	"strings"
	"sync"
	"time"
)

// Credentials supplies bearer tokens.
type Credentials interface {
	// Token returns the token to send now; it may fetch or refresh one (before expiry).
	Token(ctx context.Context) (string, error)
	// Invalidate tells the source that the target answered 401 to token. It returns true when
	// a following Token call may return a different token (so the request is worth retrying once):
	// a token file is re-read, a cached OAuth2/Entra token is dropped.
	Invalidate(token string) bool
	// Secrets returns the secret values to redact wherever they might appear (the static token,
	// the client secret, tokens issued so far).
	Secrets() []string
	// Describe says in a few words what the source is, without any secret.
	Describe() string
}

// redactedText replaces secret values in error messages.
const redactedText = "[REDACTED]"

// retryRefreshAfter is how long a still-valid cached token keeps being used
// after a failed refresh before the next refresh attempt.
const retryRefreshAfter = 30 * time.Second

// secretSet records secret values in first-seen order. Safe for concurrent use.
type secretSet struct {
	mu   sync.Mutex
	vals []string
	seen map[string]bool
}

func (s *secretSet) add(vals ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, v := range vals {
		if v == "" || s.seen[v] {
			continue
		}
		if s.seen == nil {
			s.seen = make(map[string]bool)
		}
		s.seen[v] = true
		s.vals = append(s.vals, v)
	}
}

func (s *secretSet) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.vals...)
}

// redactedError carries a message with secrets removed; Unwrap keeps
// errors.Is/As working (e.g. context.DeadlineExceeded).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// redact returns err with every secret in its message replaced.
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	msg := redactString(err.Error(), secrets)
	if msg == err.Error() {
		return err
	}
	return &redactedError{msg: msg, err: err}
}

func redactString(s string, secrets []string) string {
	sorted := append([]string(nil), secrets...)
	// Longest first, so a secret containing another is replaced whole.
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, v := range sorted {
		if v != "" {
			s = strings.ReplaceAll(s, v, redactedText)
		}
	}
	return s
}

// cached is one cached token and when to refresh it. The zero value is empty.
type cached struct {
	token     string
	expiry    time.Time // zero: no known expiry
	refreshAt time.Time // zero: never refresh on its own
}

// newCached caches token obtained at obtained. It is refreshed margin before
// expiry (at most half its lifetime before, so short-lived tokens are still
// reused), or at refreshOn when that is earlier.
func newCached(token string, obtained, expiry, refreshOn time.Time, margin time.Duration) cached {
	c := cached{token: token, expiry: expiry}
	if !expiry.IsZero() {
		m := margin
		if half := expiry.Sub(obtained) / 2; half < m {
			m = max(half, 0)
		}
		c.refreshAt = expiry.Add(-m)
	}
	if !refreshOn.IsZero() && (c.refreshAt.IsZero() || refreshOn.Before(c.refreshAt)) {
		c.refreshAt = refreshOn
	}
	return c
}

// fresh reports whether the token can be used without asking for a new one.
func (c cached) fresh(now time.Time) bool {
	return c.token != "" && (c.refreshAt.IsZero() || now.Before(c.refreshAt))
}

// unexpired reports whether the token may still be sent (used when a refresh failed).
func (c cached) unexpired(now time.Time) bool {
	return c.token != "" && (c.expiry.IsZero() || now.Before(c.expiry))
}

// issued is a token a source fetched, with what else must be redacted from then on.
type issued struct {
	token, refreshToken string
	expiry, refreshOn   time.Time
}

// tokenCache is the caching both token issuers (Entra ID, OAuth2) share: one request at a
// time, the cached token while it is fresh, and the old token kept for a while when a refresh
// fails before it expired.
type tokenCache struct {
	describe string
	now      func() time.Time // tests
	secrets  secretSet        // the source's own secrets, then every token issued
	margin   time.Duration    // refresh this long before expiry

	mu  ctxMutex // guards tok and the source's fetch state; held during a token request
	tok cached
}

// get returns the cached token or one fetch obtains; fetch runs with c.mu held.
func (c *tokenCache) get(ctx context.Context, fetch func(context.Context) (issued, error)) (string, error) {
	if err := c.mu.lockCtx(ctx); err != nil {
		return "", fmt.Errorf("%s: waiting for a token request in progress: %w", c.describe, err)
	}
	defer c.mu.unlock()
	now := c.now()
	if c.tok.fresh(now) {
		return c.tok.token, nil
	}
	got, err := fetch(ctx)
	if err == nil && got.token == "" {
		err = errors.New("no access token returned")
	}
	if err != nil {
		if c.tok.unexpired(now) {
			c.tok.refreshAt = now.Add(retryRefreshAfter)
			return c.tok.token, nil
		}
		return "", redact(fmt.Errorf("%s: %w", c.describe, err), c.secrets.list())
	}
	c.secrets.add(got.token, got.refreshToken)
	c.tok = newCached(got.token, now, got.expiry, got.refreshOn, c.margin)
	return got.token, nil
}

// ctxMutex is a mutex whose Token-path acquisition gives up when ctx is
// done, so a caller is not stuck behind another caller's slow token request.
type ctxMutex chan struct{}

func newCtxMutex() ctxMutex { return make(ctxMutex, 1) }

func (m ctxMutex) lockCtx(ctx context.Context) error {
	select {
	case m <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (m ctxMutex) lock()   { m <- struct{}{} }
func (m ctxMutex) unlock() { <-m }

// isLoopbackHost reports whether host (no port) is "localhost" or a loopback IP.
func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
