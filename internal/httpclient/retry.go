package httpclient

import (
	"context"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	backoffStart = 500 * time.Millisecond
	backoffCap   = 30 * time.Second
	// maxAttempts guards against a server answering "Retry-After: 0" forever;
	// in practice the wait budget ends retries first.
	maxAttempts = 100
	// maxNetworkRetries bounds how often a GET is repeated after a network error (a reset, a
	// refused connection): a flaky network gets a second chance, a broken target does not
	// hold a run for the whole retry budget.
	maxNetworkRetries = 1
)

// retryAfterSeconds matches the delay-seconds form, allowing fractions as
// Graph sends them ("2.128").
var retryAfterSeconds = regexp.MustCompile(`^[0-9]{1,9}(\.[0-9]+)?$`)

// isThrottle reports whether status asks the client to come back later.
func isThrottle(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable
}

// retryWait decides whether attempt n (0-based) is retried and how long to
// wait first. The budget is enforced by the caller.
func (c *Client) retryWait(ctx context.Context, method string, res attemptResult, n int) (time.Duration, bool) {
	if ctx.Err() != nil || res.final {
		return 0, false
	}
	if res.err == nil {
		if !isThrottle(res.status) {
			return 0, false
		}
		if d, ok := parseRetryAfter(res.header.Get("Retry-After"), time.Now()); ok {
			return d, true
		}
		return backoff(n), true
	}
	// A network error (or a body cut short): only GET is safe to repeat, once, and not after
	// the attempt used up its whole time limit: a target that hung once would cost a whole
	// timeout again (the breaker counts it instead).
	if method != http.MethodGet || isTimeout(res.err) || n >= maxNetworkRetries {
		return 0, false
	}
	return backoff(n), true
}

// ParseRetryAfter reads a Retry-After header value (delay seconds or an HTTP date) as a wait
// from now; ok is false when the value is empty or neither.
func ParseRetryAfter(v string) (time.Duration, bool) { return parseRetryAfter(v, time.Now()) }

// parseRetryAfter understands delay seconds (integer or fractional) and
// HTTP dates; a date in the past means no wait.
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if retryAfterSeconds.MatchString(v) {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return 0, false
		}
		return time.Duration(secs * float64(time.Second)), true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// backoff returns the exponential wait before retry n (0-based): 500ms
// doubling up to 30s, plus up to 25% random jitter, never above 30s.
func backoff(n int) time.Duration {
	d := backoffCap
	if n < 16 {
		d = min(backoffStart<<n, backoffCap)
	}
	d += rand.N(d/4 + 1)
	return min(d, backoffCap)
}

// sleepContext waits for d or until ctx is done.
func sleepContext(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
