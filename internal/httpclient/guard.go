package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// ErrReadOnly is the error of a write request refused in read-only mode.
var ErrReadOnly = errors.New("read-only mode: the client does not send POST, PATCH, PUT or DELETE")

// ErrCredentials wraps a failure to get a token from the configured Credentials.
var ErrCredentials = errors.New("getting a token")

// ErrWriteBudget is the error of a POST refused because the write budget is used up.
var ErrWriteBudget = errors.New("write budget used up")

// isWrite reports whether a method changes the target.
func isWrite(method string) bool {
	switch method {
	case http.MethodPost, http.MethodPatch, http.MethodPut, http.MethodDelete:
		return true
	}
	return false
}

// Stats counts what the client did, for the run's summary.
type Stats struct {
	Requests  int64 // Do calls that sent at least one attempt
	Throttled int64 // responses 429 or 503 (each retried or given up on)
	GaveUp    int64 // requests whose retry budget ran out on 429/503
	Writes    int64 // POST requests answered 2xx (objects the target says it created)
	// PeakInFlight is the most attempts that were on the wire at once.
	PeakInFlight int64
}

type counters struct {
	requests, throttled, gaveUp, writes atomic.Int64
}

// Stats returns the counters so far.
func (c *Client) Stats() Stats {
	return Stats{Requests: c.stats.requests.Load(), Throttled: c.stats.throttled.Load(),
		GaveUp: c.stats.gaveUp.Load(), Writes: c.stats.writes.Load(), PeakInFlight: c.inFlight.peak.Load()}
}

func (c *Client) count(ex *Exchange) {
	if len(ex.Attempts) == 0 {
		return
	}
	c.stats.requests.Add(1)
	for _, a := range ex.Attempts {
		if a.Err == "" && isThrottle(a.Status) {
			c.stats.throttled.Add(1)
		}
	}
	if ex.Throttled {
		c.stats.gaveUp.Add(1)
	}
	if ex.Method == http.MethodPost && ex.Status >= 200 && ex.Status < 300 {
		c.stats.writes.Add(1)
	}
}

// reserveWrite holds a POST back while the POSTs in flight could use up the write budget, and
// refuses it once they did. release (nil without a budget) ends the reservation.
func (c *Client) reserveWrite(ctx context.Context, method string) (release func(), err error) {
	if c.maxWrites <= 0 || method != http.MethodPost {
		return nil, nil
	}
	release, ok, err := c.writeBudget.reserve(ctx, c.maxWrites, c.stats.writes.Load)
	if err != nil {
		return nil, fmt.Errorf("waiting for the writes in flight (--max-writes): %w", err)
	}
	if !ok {
		return nil, c.refuse(method)
	}
	return release, nil
}

// refuse returns why a request must not be sent at all, or nil.
func (c *Client) refuse(method string) error {
	if c.readOnly && isWrite(method) {
		return fmt.Errorf("%w (refused %s)", ErrReadOnly, method)
	}
	if c.maxWrites > 0 && method == http.MethodPost && c.stats.writes.Load() >= int64(c.maxWrites) {
		return fmt.Errorf("%w: the target has confirmed %d writes, the limit (--max-writes)", ErrWriteBudget, c.maxWrites)
	}
	return nil
}

// limiter spaces requests so that the whole client sends at most rate per second.
type limiter struct {
	mu       sync.Mutex
	interval time.Duration
	next     time.Time
}

func newLimiter(rate float64) *limiter {
	if rate <= 0 {
		return nil
	}
	return &limiter{interval: time.Duration(float64(time.Second) / rate)}
}

// wait blocks until the next request may go.
func (l *limiter) wait(ctx context.Context, sleep func(context.Context, time.Duration) error) error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := time.Now()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	l.mu.Unlock()
	if d := at.Sub(now); d > 0 {
		return sleep(ctx, d)
	}
	return nil
}

// currentRedactor is the configured redactor plus every secret the credentials know by now
// (tokens issued during the run included).
func (c *Client) currentRedactor() *redactor {
	if c.creds == nil {
		return c.redactor
	}
	secrets := c.creds.Secrets()
	c.redMu.Lock()
	defer c.redMu.Unlock()
	if c.redCache == nil || !slices.Equal(secrets, c.redSecrets) {
		c.redCache = c.redactor.with(secrets...)
		c.redSecrets = secrets
	}
	return c.redCache
}

// TLSOptions configure certificate checks and client certificates.
type TLSOptions struct {
	CACertFile         string // PEM roots trusted in addition to the system's
	ClientCertFile     string // PEM client certificate for mutual TLS
	ClientKeyFile      string // its PEM private key
	InsecureSkipVerify bool   // no certificate verification at all
}

// NewTransport returns a clone of the default transport (proxy from the environment kept)
// with the TLS options applied.
func NewTransport(o TLSOptions) (*http.Transport, error) {
	base, ok := http.DefaultTransport.(*http.Transport)
	if !ok {
		return nil, errors.New("the default transport is not an *http.Transport")
	}
	t := base.Clone()
	if t.ExpectContinueTimeout <= 0 {
		t.ExpectContinueTimeout = time.Second // how long a request with "Expect: 100-continue" waits
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: o.InsecureSkipVerify} //nolint:gosec // only when asked for
	if o.CACertFile != "" {
		pem, err := os.ReadFile(o.CACertFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA certificates: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("no PEM certificate found in %s", o.CACertFile)
		}
		cfg.RootCAs = pool
	}
	if (o.ClientCertFile == "") != (o.ClientKeyFile == "") {
		return nil, errors.New("a client certificate needs both the certificate and the key file")
	}
	if o.ClientCertFile != "" {
		cert, err := tls.LoadX509KeyPair(o.ClientCertFile, o.ClientKeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	t.TLSClientConfig = cfg
	return t, nil
}
