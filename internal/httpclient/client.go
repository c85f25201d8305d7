// Package httpclient is the single HTTP choke point used by every conformance
// spec. It adds authentication, retries, limits, redaction and a transcript,
// so that a spec never builds an http.Client or redacts anything itself.
package httpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/copilotconf/copilotconf/internal/auth"
	"github.com/copilotconf/copilotconf/internal/uuid"
)

// expectContinueFrom is the body size from which a request asks the server first
// ("Expect: 100-continue").
const expectContinueFrom = 1 << 20

// truncatedKeep is how much of a body over the size cap an exchange keeps for the reports.
const truncatedKeep = 64 << 10

const (
	defaultRequestTimeout = 30 * time.Second
	defaultMaxRetryWait   = 60 * time.Second
	defaultMaxBody        = 16 << 20
	defaultUserAgent      = "copilotconf"
	maxRedirects          = 5
)

// ErrBodyTooLarge is matched (errors.Is) by Exchange.Err when the response
// body exceeded Config.MaxBody.
var ErrBodyTooLarge = errors.New("response body too large")

// errTooManyRedirects stops a redirect chain; it is never retried.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)

// bodyTooLargeError reports the cap that was exceeded.
type bodyTooLargeError struct{ limit int64 }

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("response body exceeds %d bytes", e.limit)
}

func (e *bodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }

// Config configures a Client. Only BaseURL is required.
type Config struct {
	BaseURL        string                                           // service root, e.g. "http://127.0.0.1:8080" or "https://graph.microsoft.com/beta"; paths are appended
	Token          string                                           // bearer token sent as "Authorization: Bearer <token>"; "" = none
	Secrets        []string                                         // further exact values to redact (client secrets etc.)
	RequestTimeout time.Duration                                    // per attempt, including reading the body; 0 = 30s
	MaxRetryWait   time.Duration                                    // total time a request may spend waiting for retries; 0 = 60s; <0 = never retry
	MaxBody        int64                                            // response body cap after decompression; 0 = 16 MiB
	UserAgent      string                                           // default "copilotconf"
	Transport      http.RoundTripper                                // optional; default a clone of http.DefaultTransport (proxy from environment kept)
	OnExchange     func(*Exchange)                                  // optional hook called after every completed Do; must be safe for concurrent calls
	Sleep          func(ctx context.Context, d time.Duration) error // optional; default a timer honouring ctx
	// Credentials supply the bearer token instead of Token; on a 401 the client asks them to
	// invalidate the token and, when they can offer another, retries once.
	Credentials auth.Credentials
	Rate        float64 // at most this many requests per second from the client; 0 = no limit
	ReadOnly    bool    // refuse POST, PATCH, PUT and DELETE without sending them
	MaxWrites   int     // refuse further POSTs once this many were answered 2xx; 0 = no limit
	// MaxTransportFailures opens a breaker after this many consecutive exchanges failed at the
	// transport level (no response, unreadable or oversized body): every later request is
	// refused with ErrTargetUnhealthy. 0 = never.
	MaxTransportFailures int
}

// Client sends requests to one service root. It is safe for concurrent use.
type Client struct {
	base           *url.URL
	baseStr        string
	token          string
	redactor       *redactor
	requestTimeout time.Duration
	maxRetryWait   time.Duration
	maxBody        int64
	userAgent      string
	hc             *http.Client
	onExchange     func(*Exchange)
	sleep          func(context.Context, time.Duration) error
	creds          auth.Credentials
	limiter        *limiter
	readOnly       bool
	maxWrites      int
	stats          counters
	breaker        *breaker
	seq            atomic.Uint64
	pause          pause
	writeBudget    writeBudget
	inFlight       inFlight
	largeBodies    chan struct{} // the one slot for reading a body over largeBody

	redMu      sync.Mutex
	redCache   *redactor
	redSecrets []string
}

// Auth selects the credentials the client adds to a request.
type Auth int

const (
	// AuthDefault sends the configured Token, if any.
	AuthDefault Auth = iota
	// AuthNone makes the client add no Authorization header.
	AuthNone
	// AuthToken sends Request.Token instead of the configured one.
	AuthToken
)

// Request describes one logical HTTP call (possibly several attempts).
//
// An Authorization header given in Header is sent as is (so a spec can send
// malformed credentials) and takes precedence over Auth. Whatever its origin,
// Authorization is only ever sent to the scheme, host and port of BaseURL.
type Request struct {
	Method string      // default GET
	Path   string      // appended to BaseURL, may carry a query string; or an absolute http(s) URL such as an @odata.nextLink
	Query  url.Values  // merged into the URL, Graph style: %20 for spaces, '$' kept literal
	Header http.Header // extra headers (Accept, Content-Type, client-request-id ...)
	Body   []byte      // sent as is; Content-Type defaults to application/json when Body != nil
	Auth   Auth
	Token  string // with AuthToken
	Label  string // short description for the transcript, e.g. "create session"
}

// Exchange is the record of one Do: the request as sent, the final response
// and every attempt. Its fields hold raw (unredacted) data; use
// Client.Transcript or Client.Redact before printing anything from it.
type Exchange struct {
	Label          string
	Method         string
	URL            string // as sent (redacted form is produced by Transcript)
	RequestHeader  http.Header
	RequestBody    []byte
	Status         int // 0 when no response
	ResponseHeader http.Header
	ResponseBody   []byte    // at most MaxBody bytes
	Truncated      bool      // body exceeded MaxBody
	Attempts       []Attempt // every attempt incl. retries
	Throttled      bool      // the retry budget ran out on 429/503
	Err            error     // transport error of the final attempt, body-too-large, etc.
	Started        time.Time
	Duration       time.Duration
	Seq            uint64 // the client's sequence number of the exchange (0: never sent)

	secrets     []string  // per-request credentials to redact as well (AuthToken, explicit Authorization)
	pausedUntil time.Time // the end of the client's Retry-After pause this request waited out itself
	finalURL    string    // URL of the final response when redirects were followed
}

// HTTPStatus is the final status (0: no response), for the response matchers.
func (e *Exchange) HTTPStatus() int { return e.Status }

// HTTPBody is the final response body, for the response matchers.
func (e *Exchange) HTTPBody() []byte { return e.ResponseBody }

// Attempt records one try of an Exchange.
type Attempt struct {
	Status     int           // 0 when no response
	Err        string        // transport or body error, raw
	RetryAfter string        // Retry-After header as received
	Waited     time.Duration // wait chosen before the next attempt; 0 for the last one
}

// New validates cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	red := newRedactor(append([]string{cfg.Token}, cfg.Secrets...)...)
	base, err := parseBaseURL(cfg.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("invalid target URL %q: %w", red.redact(cfg.BaseURL), err)
	}
	if cfg.RequestTimeout < 0 {
		return nil, fmt.Errorf("invalid RequestTimeout %s: must not be negative", cfg.RequestTimeout)
	}
	if cfg.MaxBody < 0 {
		return nil, fmt.Errorf("invalid MaxBody %d: must not be negative", cfg.MaxBody)
	}
	c := &Client{
		base:           base,
		baseStr:        base.Scheme + "://" + base.Host + strings.TrimRight(base.EscapedPath(), "/"),
		token:          cfg.Token,
		redactor:       red,
		requestTimeout: orDefault(cfg.RequestTimeout, defaultRequestTimeout),
		maxRetryWait:   orDefault(cfg.MaxRetryWait, defaultMaxRetryWait),
		maxBody:        orDefault(cfg.MaxBody, defaultMaxBody),
		userAgent:      orDefault(cfg.UserAgent, defaultUserAgent),
		onExchange:     cfg.OnExchange,
		sleep:          cfg.Sleep,
		creds:          cfg.Credentials,
		limiter:        newLimiter(cfg.Rate),
		readOnly:       cfg.ReadOnly,
		maxWrites:      cfg.MaxWrites,
		breaker:        &breaker{limit: cfg.MaxTransportFailures},
		largeBodies:    make(chan struct{}, 1),
	}
	if c.sleep == nil {
		c.sleep = sleepContext
	}
	rt := cfg.Transport
	if rt == nil {
		if t, ok := http.DefaultTransport.(*http.Transport); ok {
			rt = t.Clone()
		} else {
			rt = http.DefaultTransport
		}
	}
	c.hc = &http.Client{Transport: rt, CheckRedirect: c.checkRedirect}
	return c, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// parseBaseURL accepts an absolute http(s) URL without query, fragment or
// user info.
func parseBaseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("empty")
	}
	u, err := url.Parse(raw)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, err
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("missing host")
	case u.User != nil:
		return nil, errors.New("must not contain user info")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, errors.New("must not contain a query")
	case u.Fragment != "" || strings.Contains(raw, "#"):
		return nil, errors.New("must not contain a fragment")
	}
	return u, nil
}

// BaseURL returns the service root without a trailing slash.
func (c *Client) BaseURL() string { return c.baseStr }

// checkRedirect caps redirects and strips Authorization off the base origin.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > maxRedirects { // via holds the original request too
		return errTooManyRedirects
	}
	if !sameOrigin(req.URL, c.base) {
		req.Header.Del("Authorization")
	}
	return nil
}

// Do sends req, retrying as configured, and records everything in the
// returned Exchange. It never returns nil and never panics.
func (c *Client) Do(ctx context.Context, req Request) (ex *Exchange) {
	ex = &Exchange{Label: req.Label, Method: req.Method, RequestBody: req.Body, Started: time.Now()}
	if ex.Method == "" {
		ex.Method = http.MethodGet
	}
	defer func() {
		if r := recover(); r != nil {
			ex.Err = fmt.Errorf("httpclient: internal panic: %v", r)
		}
		ex.Duration = time.Since(ex.Started)
		c.notify(ex)
	}()
	if c == nil {
		ex.Err = errors.New("httpclient: Do on nil Client")
		return ex
	}
	if ctx == nil {
		ctx = context.Background()
	}
	target, err := c.resolve(req.Path, req.Query)
	if err != nil {
		ex.Err = fmt.Errorf("build request URL: %w", err)
		return ex
	}
	ex.URL = target.String()
	if err := c.refuse(ex.Method); err != nil {
		ex.Err = err
		return ex
	}
	if release, err := c.reserveWrite(ctx, ex.Method); err != nil {
		ex.Err = err
		return ex
	} else if release != nil {
		defer release() // after count: the write is confirmed or not by then
	}
	if err := c.breaker.refuse(); err != nil {
		ex.Err = err
		return ex
	}
	ex.Seq = c.seq.Add(1)
	token, fromCreds, err := c.tokenFor(ctx, req, target)
	if err != nil {
		ex.Err = err
		return ex
	}
	ex.RequestHeader = c.requestHeader(req, target, token)
	if req.Auth == AuthToken {
		ex.secrets = append(ex.secrets, req.Token)
	}
	for k, vs := range req.Header {
		if strings.EqualFold(k, "Authorization") {
			for _, v := range vs {
				ex.secrets = append(ex.secrets, credentialOf(v))
			}
		}
	}
	c.run(ctx, ex, target, req.Body)
	if fromCreds && ex.Status == http.StatusUnauthorized && c.creds.Invalidate(token) {
		fresh, err := c.creds.Token(ctx)
		if err != nil {
			ex.Err = fmt.Errorf("getting a new token after 401: %w", err)
			return ex
		}
		ex.RequestHeader = c.requestHeader(req, target, fresh)
		c.run(ctx, ex, target, req.Body)
	}
	c.count(ex)
	c.breaker.observe(ex)
	return ex
}

// tokenFor returns the token the request carries by default; fromCreds says it came from the
// configured Credentials (and may be refreshed on a 401).
func (c *Client) tokenFor(ctx context.Context, req Request, target *url.URL) (token string, fromCreds bool, err error) {
	if req.Auth != AuthDefault || c.creds == nil || !sameOrigin(target, c.base) || req.Header.Get("Authorization") != "" {
		return c.token, false, nil
	}
	token, err = c.creds.Token(ctx)
	if err != nil {
		return "", false, fmt.Errorf("%w (%s): %w", ErrCredentials, c.creds.Describe(), err)
	}
	return token, true, nil
}

// notify calls the OnExchange hook, turning a panic in it into ex.Err.
func (c *Client) notify(ex *Exchange) {
	if c == nil || c.onExchange == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil && ex.Err == nil {
			ex.Err = fmt.Errorf("httpclient: OnExchange hook panicked: %v", r)
		}
	}()
	c.onExchange(ex)
}

// requestHeader builds the headers sent on every attempt of req.
func (c *Client) requestHeader(req Request, target *url.URL, defaultToken string) http.Header {
	h := make(http.Header, len(req.Header)+4)
	for k, vs := range req.Header {
		ck := http.CanonicalHeaderKey(k)
		h[ck] = append(h[ck], vs...)
	}
	if _, ok := h["User-Agent"]; !ok {
		h.Set("User-Agent", c.userAgent)
	}
	if h.Get("Client-Request-Id") == "" {
		h.Set("Client-Request-Id", newUUID())
	}
	if _, ok := h["Content-Type"]; !ok && req.Body != nil {
		h.Set("Content-Type", "application/json")
	}
	if _, ok := h["Expect"]; !ok && len(req.Body) >= expectContinueFrom {
		// A server that refuses the upload can say so before it is sent, instead of
		// resetting the connection under it: the same verdict every time.
		h.Set("Expect", "100-continue")
	}
	switch {
	case !sameOrigin(target, c.base):
		h.Del("Authorization")
	case h.Get("Authorization") != "":
		// explicit header wins
	default:
		token := defaultToken
		switch req.Auth {
		case AuthNone:
			token = ""
		case AuthToken:
			token = req.Token
		}
		if token != "" {
			h.Set("Authorization", "Bearer "+token)
		}
	}
	return h
}

// attemptResult is the outcome of one HTTP round trip.
type attemptResult struct {
	status    int
	header    http.Header
	body      []byte
	truncated bool
	err       error
	final     bool   // err must not be retried
	finalURL  string // set when redirects were followed
}

// run performs the attempts of ex, waiting between them as the retry policy
// and budget allow.
func (c *Client) run(ctx context.Context, ex *Exchange, target *url.URL, body []byte) {
	var waited time.Duration
	for n := 0; ; n++ {
		res := c.attempt(ctx, ex, target, body)
		at := Attempt{Status: res.status}
		if res.err != nil {
			at.Err = res.err.Error()
		}
		if res.header != nil {
			at.RetryAfter = res.header.Get("Retry-After")
		}
		ex.Attempts = append(ex.Attempts, at)
		ex.Status, ex.ResponseHeader, ex.ResponseBody = res.status, res.header, res.body
		ex.Truncated, ex.Err, ex.finalURL = res.truncated, res.err, res.finalURL
		if ex.Err != nil && n > 0 {
			ex.Err = fmt.Errorf("after %d attempts: %w", n+1, ex.Err)
		}

		wait, retry := c.retryWait(ctx, ex.Method, res, n)
		if !retry {
			return
		}
		if c.maxRetryWait < 0 || n+1 >= maxAttempts || wait > c.maxRetryWait-waited {
			ex.Throttled = isThrottle(res.status) && res.err == nil
			return
		}
		ex.Attempts[n].Waited = wait
		if isThrottleAnswer(res) {
			ex.pausedUntil = c.pause.extend(wait)
		}
		if err := c.sleep(ctx, wait); err != nil {
			if ex.Err == nil {
				ex.Err = fmt.Errorf("waiting %s to retry: %w", wait, err)
			}
			return
		}
		waited += wait
	}
}

// attempt performs one round trip, reading the body through the size cap
// within the per-attempt timeout.
func (c *Client) attempt(ctx context.Context, ex *Exchange, target *url.URL, body []byte) attemptResult {
	if err := ctx.Err(); err != nil {
		return attemptResult{err: fmt.Errorf("before sending: %w", err), final: true}
	}
	if err := c.pause.wait(ctx, c.sleep, ex.pausedUntil); err != nil {
		return attemptResult{err: fmt.Errorf("waiting for the target's Retry-After: %w", err), final: true}
	}
	if err := c.limiter.wait(ctx, c.sleep); err != nil {
		return attemptResult{err: fmt.Errorf("waiting for the rate limit: %w", err), final: true}
	}
	c.inFlight.begin()
	defer c.inFlight.end()
	actx, cancel := context.WithTimeout(ctx, c.requestTimeout)
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hreq, err := http.NewRequestWithContext(actx, ex.Method, target.String(), rd)
	if err != nil {
		return attemptResult{err: fmt.Errorf("build request: %w", err), final: true}
	}
	hreq.Header = ex.RequestHeader.Clone()
	if host := hreq.Header.Get("Host"); host != "" {
		hreq.Host = host
		hreq.Header.Del("Host")
	}
	resp, err := c.hc.Do(hreq)
	if err != nil && resp == nil {
		return attemptResult{err: err}
	}
	defer resp.Body.Close()
	res := attemptResult{status: resp.StatusCode, header: resp.Header}
	if resp.Request != nil && resp.Request.URL.String() != hreq.URL.String() {
		res.finalURL = resp.Request.URL.String()
	}
	if err != nil {
		// Only a refused redirect returns both; its body is already closed.
		res.err, res.final = err, true
		return res
	}
	limit := c.maxBody
	if limit < math.MaxInt64 {
		limit++
	}
	data, release, err := c.readBody(actx, resp.Body, limit)
	defer release()
	switch {
	case int64(len(data)) > c.maxBody:
		// The body is unusable; keep what a report shows, not the whole cap (a copy, so that
		// the large buffer can go).
		data = bytes.Clone(data[:min(c.maxBody, truncatedKeep)])
		// Give the cap back to the system before the next hostile body takes it again: the
		// run's memory stays near one cap.
		defer debug.FreeOSMemory()
		res.truncated = true
		res.err = &bodyTooLargeError{limit: c.maxBody}
		res.final = true
	case err != nil:
		res.err = fmt.Errorf("%w: %w", errBodyRead, err)
	}
	res.body = data
	return res
}

// largeBody is the size above which reading a response body takes the client's one large-body
// slot: concurrent requests never hold more than one body of up to --max-body at a time, so
// a run's memory stays near one cap however many requests are in flight.
const largeBody = 1 << 20

// readBody reads a response body to its end or to limit bytes. Beyond largeBody it waits for
// the large-body slot; release gives the slot back once the caller has let the large buffer go.
func (c *Client) readBody(ctx context.Context, r io.Reader, limit int64) (data []byte, release func(), err error) {
	release = func() {}
	if limit <= largeBody+1 {
		data, err = readCapped(r, limit)
		return data, release, err
	}
	head, err := readCapped(r, largeBody+1)
	if err != nil || len(head) <= largeBody {
		return head, release, err
	}
	select {
	case c.largeBodies <- struct{}{}:
	case <-ctx.Done():
		return head, release, fmt.Errorf("waiting to read a body over %d bytes: %w", largeBody, ctx.Err())
	}
	// One buffer of the whole cap rather than a doubling series: a body that runs over it
	// costs the cap once.
	data = make([]byte, len(head), limit)
	copy(data, head)
	data, err = readOn(data, r, limit)
	return data, func() { <-c.largeBodies }, err
}

// readCapped reads r to its end or to limit bytes, whichever comes first. Unlike io.ReadAll it
// never grows its buffer past limit, so a body at the cap costs the cap, not twice it.
func readCapped(r io.Reader, limit int64) ([]byte, error) {
	return readOn(make([]byte, 0, min(limit, 512)), r, limit)
}

// readOn appends what r holds to buf, up to limit bytes in all, growing buf only when it is full.
func readOn(buf []byte, r io.Reader, limit int64) ([]byte, error) {
	for int64(len(buf)) < limit {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(max(2*int64(cap(buf)), 512), limit))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// newUUID returns a random version 4 UUID.
func newUUID() string { return uuid.New() }

// HTTPHeader is the final response's header, for the header matchers.
func (e *Exchange) HTTPHeader() http.Header { return e.ResponseHeader }
