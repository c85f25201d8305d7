package runner_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/internal/testservers"
	"github.com/copilotconf/copilotconf/mockserver"
)

// The limits every hostile run is held to. A target broken at the transport level is run with
// the default flags and the whole suite: the breaker (--max-transport-failures 3) must stop it
// on its own, with exit 3, within transportBound. The other cases bound each request
// (--request-timeout 1s, at most --max-retry-wait 2s of waiting between GET attempts) and the
// run (--timeout 60s), and must end through the per-request limits before the run limit.
const (
	hostileRunTimeout = 60 * time.Second
	transportBound    = 90 * time.Second
	hostileFocus      = "SESS-LIST-01|SESS-GET-02|SESS-CREATE-01"
)

// rssBoundKiB bounds the peak memory of a hostile run: 100 MiB for the command as users build it,
// 300 MiB for a child with the race detector (whose shadow memory triples a run's).
func rssBoundKiB(userBuilt bool) int64 {
	if userBuilt || !raceEnabled {
		return 100 << 10
	}
	return 300 << 10
}

// hostileSpecs are the specs hostileFocus selects.
var hostileSpecs = []string{"SESS-LIST-01", "SESS-GET-02", "SESS-CREATE-01"}

// hostileArgs are the flags of every hostile run.
func hostileArgs(target, token, dir string, extra ...string) []string {
	return append([]string{"run", "--target", target, "--token", token, "--report-dir", dir,
		"--request-timeout", "1s", "--max-retry-wait", "2s", "--timeout", hostileRunTimeout.String()}, extra...)
}

// hostileRun is what a case's check sees.
type hostileRun struct {
	result
	env   *hostileEnv
	cases []junitCase // junit.xml
}

type hostileCase struct {
	name string
	// transport marks a target broken at the transport level: run with the default flags and
	// the whole suite, it must be stopped by the breaker (exit 3).
	transport bool
	flags     []string // beyond hostileArgs; --focus hostileFocus unless given
	codes     []int    // acceptable exit codes
	// setup returns the hostile behaviour and the case's own checks.
	setup func(t *testing.T, token string) (hostileHandler, func(t *testing.T, run *hostileRun))
}

var (
	timeoutText  = regexp.MustCompile(`(?i)deadline exceeded|timeout|timed out`)
	networkError = regexp.MustCompile(`(?i)connection reset|EOF|broken pipe|connection refused`)
	throttleLine = regexp.MustCompile(`(?m)^Throttling: (\d+) (?:response was|responses were) 429/503 and retried; (\d+) (?:spec gave|specs gave) up \(throttled\)$`)
)

func TestHostileTargets(t *testing.T) {
	for _, c := range hostileCases() {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			token := newCanary(t)
			hostile, check := c.setup(t, token)
			target, env := startHostile(t, token, hostile)
			dir := t.TempDir()
			flags := c.flags
			if !slices.Contains(flags, "--focus") {
				flags = append([]string{"--focus", hostileFocus}, flags...)
			}
			args := hostileArgs(target, token, dir, flags...)
			if c.transport {
				args = []string{"run", "--target", target, "--token", token, "--report-dir", dir}
			}
			var m result
			userBuilt := !raceEnabled
			if c.transport {
				// Run as users build it: the memory bound is the user's.
				var bin string
				bin, userBuilt = userBinary(t)
				m = runBinary(t, bin, nil, args...)
			} else {
				m = copilotconf(t, nil, args...)
			}
			run := &hostileRun{result: m, env: env}
			t.Logf("%s: exit %d, wall %s, peak RSS %d KiB (%.1f MiB), %d requests to the target; %s",
				c.name, m.code, m.wall.Round(time.Millisecond), m.maxRSSKiB, float64(m.maxRSSKiB)/1024, len(env.log.snapshot()), strings.TrimSpace(m.stderr))

			if c.transport {
				checkBounded(t, m, transportBound, true, rssBoundKiB(userBuilt))
			} else {
				checkBounded(t, m, hostileRunTimeout, false, rssBoundKiB(userBuilt))
			}
			if !slices.Contains(c.codes, m.code) {
				t.Errorf("expected exit code %v, got %s", c.codes, m)
			}
			if m.code == 2 || (m.code == 3 && !c.transport) {
				t.Fatalf("the run did not get past the preflight or the flags:\n%s", m)
			}
			checkPreflightFirst(t, env.log)
			files := assertNoSecretAnywhere(t, token, dir, m)
			if files < 3 {
				t.Errorf("expected junit.xml, report.json and created.json in the report directory, found %d files", files)
			}
			run.cases = readJUnit(t, dir).Suites[0].Cases
			check(t, run)
		})
	}
}

// checkBounded asserts the run ended on its own within bound, with bounded memory; only a
// breaker may stop it (stopped).
func checkBounded(t *testing.T, m result, bound time.Duration, stopped bool, maxKiB int64) {
	t.Helper()
	if m.wall >= bound {
		t.Errorf("the run took %s; it must end on its own within %s", m.wall, bound)
	}
	if !stopped && strings.Contains(m.stdout, "Run stopped:") {
		t.Errorf("the run was stopped instead of ending on its own:\n%s", m.stdout)
	}
	if m.maxRSSKiB <= 0 {
		t.Errorf("peak RSS unknown (%d)", m.maxRSSKiB)
	} else if m.maxRSSKiB >= maxKiB {
		t.Errorf("peak RSS %d KiB exceeds the bound of %d KiB", m.maxRSSKiB, maxKiB)
	}
}

// checkPreflightFirst asserts the first request was the preflight (answered normally).
func checkPreflightFirst(t *testing.T, log *requestLog) {
	t.Helper()
	recs := log.snapshot()
	if len(recs) == 0 || recs[0].answer != "preflight" {
		t.Errorf("expected the first request to be the preflight GET %s?$top=1, got %+v", preflightPath, firstRecord(recs))
	}
}

func firstRecord(recs []reqRecord) any {
	if len(recs) == 0 {
		return "no request"
	}
	return recs[0].method + " " + recs[0].uri
}

// expectFailures asserts that each spec failed (a <failure>), is listed in the console summary,
// and that its failure text matches every pattern.
func expectFailures(t *testing.T, run *hostileRun, ids []string, patterns ...*regexp.Regexp) {
	t.Helper()
	if run.code != 1 {
		return // reported already
	}
	_, summary, _ := strings.Cut(run.stdout, "copilotconf summary")
	for _, id := range ids {
		c, ok := junitCaseOf(run.cases, id)
		if !ok {
			t.Errorf("junit.xml has no testcase for %s", id)
			continue
		}
		if c.Failure == nil {
			t.Errorf("%s: expected a <failure>, got status %q", id, c.Status)
			continue
		}
		for _, p := range patterns {
			if !p.MatchString(c.failureText()) {
				t.Errorf("%s: the failure message does not match %q:\n%s", id, p, c.failureText())
			}
		}
		if !strings.Contains(summary, id) {
			t.Errorf("the console summary does not list the failed %s:\n%s", id, summary)
		}
	}
}

// expectUnhealthy asserts that the breaker stopped the run: one line on standard error naming
// the last transport failure (matching last), every spec in junit.xml, the first failures
// reported as such and every spec after the breaker opened as not run, never as failed.
func expectUnhealthy(t *testing.T, run *hostileRun, last *regexp.Regexp) {
	t.Helper()
	stderr := strings.TrimSpace(run.stderr)
	if strings.Count(stderr, "\n") != 0 || !strings.Contains(stderr, "the target is unhealthy: 3 exchanges in a row failed at the transport level") || !last.MatchString(stderr) {
		t.Errorf("expected one line naming the breaker and the last failure (%s), got %q", last, stderr)
	}
	if !strings.Contains(run.stdout, "Run stopped: the target is unhealthy") {
		t.Errorf("the summary does not say why the run stopped:\n%s", run.stdout)
	}
	var failed, notRun, leftOut int
	var others []string
	for _, c := range run.cases {
		switch {
		case c.Failure != nil || c.Error != nil:
			failed++
			text := c.failureText()
			if c.Error != nil {
				text = c.Error.Message + "\n" + c.Error.Text
			}
			if !last.MatchString(text) {
				t.Errorf("%s failed before the breaker opened, but not for the transport failure (%s):\n%s", c.Name, last, text)
			}
		case strings.HasPrefix(c.SystemOut, "WARNING"):
			// An advisory spec that ran before the breaker opened (workers run slow specs
			// first) fails as a warning, for the same reason.
			failed++
			if !last.MatchString(c.SystemOut) {
				t.Errorf("%s failed before the breaker opened, but not for the transport failure (%s):\n%s", c.Name, last, c.SystemOut)
			}
		case c.Skipped != nil && strings.HasPrefix(c.Skipped.Message, "not run: the target is unhealthy"):
			notRun++
		case c.Skipped != nil && strings.Contains(c.Skipped.Message, "billed capacity"):
			leftOut++ // creates an evaluation: left out against a --target
		default:
			others = append(others, c.Name)
		}
	}
	// Specs that share an object whose creation failed end with it, before the breaker opens;
	// after it, nothing is sent and nothing fails.
	if total := len(specIDs(t)); len(run.cases) != total || failed == 0 || notRun < total/2 || failed+notRun+leftOut != total {
		t.Errorf("expected all %d specs in junit.xml, the first failed by the transport failures and the rest (most) not run; got %d cases, %d failed, %d not run, others: %q",
			total, len(run.cases), failed, notRun, others)
	}
}

// nonPreflight returns the records after the preflight.
func nonPreflight(log *requestLog) []reqRecord {
	recs := log.snapshot()
	if len(recs) > 0 && recs[0].answer == "preflight" {
		return recs[1:]
	}
	return recs
}

func flush(w http.ResponseWriter) { _ = http.NewResponseController(w).Flush() }

// writeThrottle answers 429 with Retry-After and an OData error body.
func writeThrottle(w http.ResponseWriter, retryAfter string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Retry-After", retryAfter)
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, `{"error":{"code":"TooManyRequests","message":"Too many requests, retry after `+retryAfter+` s."}}`)
}

func hostileCases() []hostileCase {
	return []hostileCase{
		{
			name: "never sends headers", transport: true, codes: []int{3},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						select { // accept the request, answer nothing
						case <-r.Context().Done():
						case <-e.stop:
						}
					}, func(t *testing.T, run *hostileRun) {
						expectUnhealthy(t, run, timeoutText)
					}
			},
		},
		{
			name: "body one byte a second", transport: true, codes: []int{3},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusOK)
						flush(w)
						tick := time.NewTicker(time.Second)
						defer tick.Stop()
						// A JSON document that never ends: "{" then white space, a byte a second.
						for b := byte('{'); ; b = ' ' {
							if _, err := w.Write([]byte{b}); err != nil {
								return
							}
							flush(w)
							select {
							case <-tick.C:
							case <-r.Context().Done():
								return
							case <-e.stop:
								return
							}
						}
					}, func(t *testing.T, run *hostileRun) {
						expectUnhealthy(t, run, timeoutText)
					}
			},
		},
		{
			name: "endless body", transport: true, codes: []int{3},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						w.Header().Set("Content-Type", "application/json")
						w.WriteHeader(http.StatusOK)
						zeros := make([]byte, 64<<10)
						var sent int64
						for sent < 64<<30 && !e.done(r) { // zeros until the client goes away
							n, err := w.Write(zeros)
							sent += int64(n)
							if err != nil {
								break
							}
						}
						e.log.setAnswer(rec, fmt.Sprintf("%d bytes of zeros", sent))
					}, func(t *testing.T, run *hostileRun) {
						expectUnhealthy(t, run, regexp.MustCompile(`response body exceeds`))
						for _, rec := range nonPreflight(run.env.log) {
							t.Logf("%s %s: the server wrote %s before the client went away", rec.method, rec.uri, rec.answer)
						}
					}
			},
		},
		{
			name: "gzip bomb", transport: true, codes: []int{3},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						w.Header().Set("Content-Type", "application/json")
						w.Header().Set("Content-Encoding", "gzip")
						w.WriteHeader(http.StatusOK)
						zw, err := gzip.NewWriterLevel(w, gzip.BestCompression)
						if err != nil {
							panic(err)
						}
						zeros := make([]byte, 64<<10)
						var in int64
						for in < 1<<30 && !e.done(r) { // 1 GiB of zeros, compressed on the fly
							if _, err := zw.Write(zeros); err != nil {
								break
							}
							in += int64(len(zeros))
						}
						if in >= 1<<30 {
							_ = zw.Close()
						}
						e.log.setAnswer(rec, fmt.Sprintf("gzip: %d bytes of zeros compressed before the client went away", in))
					}, func(t *testing.T, run *hostileRun) {
						expectUnhealthy(t, run, regexp.MustCompile(`response body exceeds`))
						// The transport decompresses only when it asked for gzip itself: prove that
						// happened, or the case tested nothing.
						recs := nonPreflight(run.env.log)
						if len(recs) == 0 {
							t.Fatal("the target received no request after the preflight")
						}
						for _, rec := range recs {
							if !strings.Contains(strings.ToLower(rec.acceptEncoding), "gzip") {
								t.Errorf("%s %s: the client sent Accept-Encoding %q, so the gzip body was not decompressed by it", rec.method, rec.uri, rec.acceptEncoding)
							}
							if !strings.HasPrefix(rec.answer, "gzip: ") {
								t.Errorf("%s %s: the server did not answer gzip (%q)", rec.method, rec.uri, rec.answer)
							}
							t.Logf("%s %s: Accept-Encoding %q; %s", rec.method, rec.uri, rec.acceptEncoding, rec.answer)
						}
					}
			},
		},
		{
			name: "truncated JSON", codes: []int{1},
			setup: brokenBody(`{"value": [{"id": "x"`, "application/json", 0, hostileSpecs),
		},
		{
			name: "HTML page", codes: []int{1},
			// With 200, create fails on the status first; list and get still parse the body.
			setup: brokenBody(`<html><body>Service Unavailable</body></html>`, "text/html", http.StatusOK, []string{"SESS-LIST-01", "SESS-GET-02"}),
		},
		{
			name: "connection reset", transport: true, codes: []int{3},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						conn, _, err := http.NewResponseController(w).Hijack()
						if err != nil {
							panic(err)
						}
						if tc, ok := conn.(*net.TCPConn); ok {
							_ = tc.SetLinger(0) // close sends RST
						}
						_ = conn.Close()
					}, func(t *testing.T, run *hostileRun) {
						expectUnhealthy(t, run, networkError)
					}
			},
		},
		{
			name: "429 to every other request", codes: []int{0},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				var n, sent atomic.Int64
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						if n.Add(1)%2 == 1 {
							sent.Add(1)
							writeThrottle(w, "0.1")
							return
						}
						e.mock.ServeHTTP(w, r)
					}, func(t *testing.T, run *hostileRun) {
						if sent.Load() == 0 {
							t.Fatal("the server sent no 429")
						}
						m := throttleLine.FindStringSubmatch(run.stdout)
						if m == nil {
							t.Fatalf("the summary lacks the line \"Throttling: N responses were 429/503 and retried; 0 specs gave up (throttled)\" (the server sent %d 429s):\n%s", sent.Load(), run.stdout)
						}
						if got, _ := strconv.Atoi(m[1]); int64(got) != sent.Load() {
							t.Errorf("the summary counts %s retried 429/503 responses, the server sent %d, every one retried: %q", m[1], sent.Load(), m[0])
						}
						if m[2] != "0" {
							t.Errorf("expected 0 specs to give up, got %q", m[0])
						}
						for _, c := range run.cases {
							if c.Failure != nil || c.Error != nil {
								t.Errorf("%s: expected a pass with retries, got a failure or error", c.Name)
							}
						}
					}
			},
		},
		{
			name: "429 to every request", codes: []int{1},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						writeThrottle(w, "1")
					}, func(t *testing.T, run *hostileRun) {
						m := throttleLine.FindStringSubmatch(run.stdout)
						if m == nil {
							t.Fatalf("the summary lacks the line \"Throttling: N responses were 429/503 and retried; M specs gave up (throttled)\":\n%s", run.stdout)
						}
						gaveUp, _ := strconv.Atoi(m[2])
						if gaveUp == 0 {
							t.Errorf("expected M > 0 specs to give up, the summary says %q", m[0])
						}
						// Every request is throttled, so every selected spec gives up on its first
						// request: each must be marked throttled, none reported as a conformance failure.
						throttled := 0
						for _, id := range hostileSpecs {
							c, ok := junitCaseOf(run.cases, id)
							switch {
							case !ok:
								t.Errorf("junit.xml has no testcase for %s", id)
							case c.Error == nil || c.Error.Type != "throttled":
								t.Errorf("%s gave up on 429 but junit.xml does not mark it <error type=\"throttled\"> (status %q, error %+v); it is reported as a conformance failure:\n%s", id, c.Status, c.Error, problemsOf(c.failureText()))
							default:
								throttled++
								if c.Failure != nil {
									t.Errorf("%s: a throttled testcase must not also carry a <failure>", id)
								}
								if !strings.Contains(c.Error.Message+c.Error.Text, "429") {
									t.Errorf("%s: the throttled error does not mention the 429s:\n%s", id, c.Error.Message)
								}
							}
						}
						if gaveUp != throttled {
							t.Errorf("the summary says %d specs gave up, junit.xml marks %d testcases throttled", gaveUp, throttled)
						}
						if gaveUp != len(hostileSpecs) {
							t.Errorf("expected all %d selected specs to give up (every request is throttled), the summary says %q", len(hostileSpecs), m[0])
						}
					}
			},
		},
		{
			name: "redirect to another host", codes: []int{0, 1},
			setup: func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
				other, err := mockserver.New(mockserver.Options{Token: token})
				if err != nil {
					t.Fatal(err)
				}
				received := &requestLog{}
				second := startLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
					received.add(r, body)
					r.Body = io.NopCloser(bytes.NewReader(body))
					other.ServeHTTP(w, r)
				}))
				_, port, _ := net.SplitHostPort(second.Listener.Addr().String())
				return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
						http.Redirect(w, r, "http://localhost:"+port+r.URL.RequestURI(), http.StatusTemporaryRedirect)
					}, func(t *testing.T, run *hostileRun) {
						recs := received.snapshot()
						if len(recs) == 0 {
							t.Fatal("the redirect target received no request: the case tested nothing")
						}
						forms := secretEncodings(token)
						for _, rec := range recs {
							if v, ok := rec.header["Authorization"]; ok {
								t.Errorf("LEAK: %s %s on the other host carried an Authorization header (%d values)", rec.method, rec.uri, len(v))
							}
							var all strings.Builder
							all.WriteString(rec.uri + "\n")
							_ = rec.header.Write(&all)
							all.Write(rec.body)
							for _, f := range secretFormsIn(forms, all.String()) {
								t.Errorf("LEAK: %s %s on the other host carried the token (%s)", rec.method, rec.uri, f)
							}
						}
						t.Logf("the other host received %d requests, none with credentials", len(recs))
					}
			},
		},
	}
}

// brokenBody answers with body: with the reference server's own status (status 0) or with
// status. The specs in parsed must report a parse error with an excerpt of the body.
func brokenBody(body, contentType string, status int, parsed []string) func(*testing.T, string) (hostileHandler, func(*testing.T, *hostileRun)) {
	return func(t *testing.T, token string) (hostileHandler, func(*testing.T, *hostileRun)) {
		return func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord) {
				code := status
				if code == 0 {
					rr := httptest.NewRecorder()
					e.mock.ServeHTTP(rr, r)
					code = rr.Code
				}
				w.Header().Set("Content-Type", contentType)
				w.WriteHeader(code)
				_, _ = io.WriteString(w, body)
			}, func(t *testing.T, run *hostileRun) {
				expectFailures(t, run, hostileSpecs)
				for _, id := range parsed {
					c, ok := junitCaseOf(run.cases, id)
					if !ok || c.Failure == nil {
						continue // reported by expectFailures
					}
					problems := problemsOf(c.failureText())
					if !strings.Contains(problems, "not JSON") {
						t.Errorf("%s: expected a parse error among the problems, got:\n%s", id, problems)
					}
					if !strings.Contains(problems, body) && !strings.Contains(problems, strconv.Quote(body)) {
						t.Errorf("%s: expected an excerpt of the body (%s) among the problems, got:\n%s", id, body, problems)
					}
				}
			}
	}
}

// TestSecretCanary runs the whole suite with a canary token against a server that echoes the
// credentials back everywhere it can and fails some specs, then searches the console and every
// report file for the canary in every encoding.
func TestSecretCanary(t *testing.T) {
	// The tail is legal in a bearer token (RFC 6750 b64token) and makes the URL-escaped and
	// base64 forms differ from the raw one and from each other, so each is searched for in its own right.
	canary := newCanary(t) + ".~+/="
	forms := secretEncodings(canary)
	t.Logf("searching for %d distinct forms of the canary", len(forms))
	t.Run("scanner finds every form", func(t *testing.T) {
		for _, f := range forms {
			if got := secretFormsIn(forms, "before "+f.value+" after"); !slices.Contains(got, f.name) {
				t.Errorf("the scanner misses the %s form", f.name)
			}
		}
		if got := secretFormsIn(forms, "Authorization: Bearer [REDACTED]"); len(got) != 0 {
			t.Errorf("the scanner flags redacted text: %v", got)
		}
	})

	target, stats := echoingTarget(t, canary)
	dir := t.TempDir()
	m := copilotconf(t, map[string]string{"GITHUB_STEP_SUMMARY": filepath.Join(dir, "step-summary.md")}, "run", "--target", target, "--token", canary, "--report-dir", dir,
		"--request-timeout", "1s", "--max-retry-wait", "2s", "--timeout", hostileRunTimeout.String())
	t.Logf("canary run: exit %d, wall %s, peak RSS %d KiB (%.1f MiB); %d requests, %d with the canary, %d echoed it",
		m.code, m.wall.Round(time.Millisecond), m.maxRSSKiB, float64(m.maxRSSKiB)/1024,
		stats.requests.Load(), stats.authorized.Load(), stats.echoed.Load())

	checkBounded(t, m, hostileRunTimeout, false, rssBoundKiB(!raceEnabled))
	if m.code != 1 {
		t.Errorf("expected exit 1 (GET session answers 404), got exit %d", m.code)
	}
	if stats.authorized.Load() == 0 || stats.echoed.Load() == 0 {
		t.Fatalf("the server saw the canary on %d requests and echoed it on %d: the test exercised nothing", stats.authorized.Load(), stats.echoed.Load())
	}
	files := assertNoSecretAnywhere(t, canary, dir, m)
	if files < 8 {
		t.Errorf("expected every report (junit.xml, report.json, created.json, conformance-report.yaml and .json, report.html, summary.md) and the step summary, found %d files", files)
	}
	// The echoes must have reached the reports (redacted), or nothing was tested.
	failures, withEcho := 0, 0
	for _, c := range readJUnit(t, dir).Suites[0].Cases {
		msg := c.failureText()
		if c.Error != nil {
			msg = c.Error.Message + "\n" + c.Error.Text
		}
		if msg == "" {
			continue
		}
		failures++
		if !strings.Contains(msg, "curl ") || !strings.Contains(msg, "$COPILOTCONF_TOKEN") {
			t.Errorf("%s: the failure has no curl reproducer reading $COPILOTCONF_TOKEN:\n%s", c.Name, msg)
		}
		if strings.Contains(msg, "exchange 1 of") && strings.Contains(msg, "X-Echo") && strings.Contains(msg, "@echo.token") {
			withEcho++
		}
	}
	if failures == 0 || withEcho == 0 {
		t.Errorf("expected failure messages whose transcripts show the echoes; %d failures, %d with echoes", failures, withEcho)
	}
	t.Logf("%d failed specs, %d failure messages show the (redacted) echoes", failures, withEcho)
}

type echoStats struct{ requests, authorized, echoed atomic.Int64 }

var sessionItemPath = regexp.MustCompile(`^/security/securityCopilot/workspaces/[^/]+/sessions/[^/]+$`)

// echoingTarget is the reference server accepting only the canary, behind a wrapper that
// echoes the Authorization value and the canary in headers, a cookie and every JSON object
// body, and answers GET session with 404 and an error message carrying the canary.
func echoingTarget(t *testing.T, canary string) (string, *echoStats) {
	t.Helper()
	mock, err := mockserver.New(mockserver.Options{Token: canary})
	if err != nil {
		t.Fatal(err)
	}
	stats := &echoStats{}
	forms := secretEncodings(canary)
	ts := startLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		stats.requests.Add(1)
		auth := r.Header.Get("Authorization")
		if auth == "Bearer "+canary {
			stats.authorized.Add(1)
		}
		rr := httptest.NewRecorder()
		if r.Method == http.MethodGet && sessionItemPath.MatchString(r.URL.Path) {
			rr.Header().Set("Content-Type", "application/json")
			rr.WriteHeader(http.StatusNotFound)
			_, _ = fmt.Fprintf(rr, `{"error":{"code":"itemNotFound","message":"no session for the token %s"}}`, canary)
		} else {
			mock.ServeHTTP(rr, r)
		}
		h := w.Header()
		for k, vs := range rr.Header() {
			if k != "Content-Length" {
				h[k] = vs
			}
		}
		h.Add("X-Echo", auth)
		h.Add("X-Echo", canary)
		for _, f := range forms {
			h.Add("X-Echo-Form", f.value)
		}
		h.Add("Set-Cookie", "echo="+canary+"; Path=/; HttpOnly")
		h.Add("Set-Cookie", "echo-auth="+url.QueryEscape(auth)+"; Path=/")
		body := rr.Body.Bytes()
		if echoed, ok := echoInBody(body, auth, canary, forms); ok {
			body = echoed
		}
		stats.echoed.Add(1)
		w.WriteHeader(rr.Code)
		_, _ = w.Write(body)
	}))
	return ts.URL, stats
}

// echoInBody adds echo annotations to a JSON object body and the canary to an error message.
func echoInBody(body []byte, auth, canary string, forms []secretForm) ([]byte, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, false
	}
	obj["@echo.token"] = canary
	obj["@echo.authorization"] = auth
	encoded := map[string]any{}
	for _, f := range forms {
		encoded[f.name] = f.value
	}
	obj["@echo.forms"] = encoded
	if e, ok := obj["error"].(map[string]any); ok {
		msg, _ := e["message"].(string)
		e["message"] = msg + " (request authorized with " + auth + "; token " + canary + ")"
	}
	if items, ok := obj["value"].([]any); ok {
		for _, it := range items {
			if item, ok := it.(map[string]any); ok {
				item["@echo.token"] = canary
			}
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(obj); err != nil {
		return nil, false
	}
	return buf.Bytes(), true
}

// TestOversizedUploadVerdictIsDeterministic: a target that answers the 5 MiB upload of
// PROTO-LIMIT-01 with 413 and resets the connection before the upload ends gets the same
// verdict in every run.
func TestOversizedUploadVerdictIsDeterministic(t *testing.T) {
	target := testservers.EarlyRefusal(t)
	want := "exit 0: 1 passed, 0 failed, 0 blocked, 0 throttled, 0 not run, 0 skipped (" + strconv.Itoa(len(specIDs(t))-1) + " not selected)"
	verdicts := map[string]int{}
	bin, _ := userBinary(t) // fifty runs: as users build it, without the race detector
	for i := 0; i < 50; i++ {
		r := runBinary(t, bin, nil, "run", "--target", target, "--token", "tok", "--focus", `\[PROTO-LIMIT-01\]`, "--strict", "--report-dir", t.TempDir())
		verdicts[fmt.Sprintf("exit %d: %s", r.code, summaryLine.FindString(r.stdout))]++
	}
	if len(verdicts) != 1 || verdicts[want] != 50 {
		t.Errorf("50 runs gave these verdicts: %v", verdicts)
	}
}
