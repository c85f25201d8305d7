package httpclient

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"3", 3 * time.Second, true},
		{" 10 ", 10 * time.Second, true},
		{"0", 0, true},
		{"2.128", 2128 * time.Millisecond, true},
		{"0.5", 500 * time.Millisecond, true},
		{now.Add(7 * time.Second).Format(http.TimeFormat), 7 * time.Second, true},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, true},
		{"Sat, 01 Mar 2025 12:00:05 GMT", 5 * time.Second, true},
		{"Saturday, 01-Mar-25 12:00:05 GMT", 5 * time.Second, true}, // RFC 850
		{"Sat Mar  1 12:00:05 2025", 5 * time.Second, true},         // ANSI C
		{"", 0, false},
		{"-1", 0, false},
		{"1e3", 0, false},
		{"NaN", 0, false},
		{"soon", 0, false},
		{"3s", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestBackoff(t *testing.T) {
	for n, base := range []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second,
		8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second, 30 * time.Second} {
		for range 200 {
			d := backoff(n)
			hi := min(base+base/4, 30*time.Second)
			if d < base || d > hi {
				t.Fatalf("backoff(%d) = %v, want within [%v, %v]", n, d, base, hi)
			}
		}
	}
	if d := backoff(1000); d != 30*time.Second {
		t.Errorf("backoff(1000) = %v, want the 30s cap", d)
	}
}

// TestRetryAfterHonoured: the server throttles once, then answers 200.
func TestRetryAfterHonoured(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		retryAfter func() string
		min, max   time.Duration
	}{
		{"integer", 429, func() string { return "3" }, 3 * time.Second, 3 * time.Second},
		{"fractional", 429, func() string { return "2.128" }, 2128 * time.Millisecond, 2128 * time.Millisecond},
		{"zero", 429, func() string { return "0" }, 0, 0},
		{"http date", 429, func() string { return time.Now().Add(5 * time.Second).UTC().Format(http.TimeFormat) }, 3 * time.Second, 5 * time.Second},
		{"date in the past", 429, func() string { return "Sun, 06 Nov 1994 08:49:37 GMT" }, 0, 0},
		{"absent: backoff", 429, func() string { return "" }, 500 * time.Millisecond, 625 * time.Millisecond},
		{"invalid: backoff", 429, func() string { return "later" }, 500 * time.Millisecond, 625 * time.Millisecond},
		{"503 integer", 503, func() string { return "1" }, time.Second, time.Second},
		{"503 absent", 503, func() string { return "" }, 500 * time.Millisecond, 625 * time.Millisecond},
	}
	for _, tt := range tests {
		for _, method := range []string{"GET", "POST"} {
			t.Run(tt.name+" "+method, func(t *testing.T) {
				var calls atomic.Int32
				ra := tt.retryAfter()
				srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
					if calls.Add(1) == 1 {
						if ra != "" {
							w.Header().Set("Retry-After", ra)
						}
						w.WriteHeader(tt.status)
						return
					}
					w.Write([]byte("done"))
				})
				c, fs := newTestClient(t, Config{BaseURL: srv.URL})
				ex := c.Do(context.Background(), Request{Method: method, Path: "/x"})
				if ex.Status != 200 || ex.Err != nil || ex.Throttled || string(ex.ResponseBody) != "done" {
					t.Fatalf("status %d err %v throttled %v body %q", ex.Status, ex.Err, ex.Throttled, ex.ResponseBody)
				}
				waits := fs.Waits()
				if len(waits) != 1 || waits[0] < tt.min || waits[0] > tt.max {
					t.Fatalf("waits %v, want one within [%v, %v]", waits, tt.min, tt.max)
				}
				want := []Attempt{{Status: tt.status, RetryAfter: ra, Waited: waits[0]}, {Status: 200}}
				if len(ex.Attempts) != 2 || ex.Attempts[0] != want[0] || ex.Attempts[1] != want[1] {
					t.Errorf("attempts %+v, want %+v", ex.Attempts, want)
				}
			})
		}
	}
}

func TestRetryBudget(t *testing.T) {
	tests := []struct {
		name         string
		status       int
		retryAfter   string
		budget       time.Duration
		wantAttempts int
		checkWaits   func(t *testing.T, waits []time.Duration)
	}{
		{"retry-after fits twice", 429, "10", 25 * time.Second, 3, func(t *testing.T, w []time.Duration) {
			if len(w) != 2 || w[0] != 10*time.Second || w[1] != 10*time.Second {
				t.Errorf("waits %v, want [10s 10s]", w)
			}
		}},
		{"retry-after exactly fills budget", 429, "10", 20 * time.Second, 3, nil},
		{"retry-after beyond budget", 503, "120", 0, 1, nil},
		{"retries disabled", 429, "1", -1, 1, nil},
		{"default budget with backoff", 503, "", 0, 7, func(t *testing.T, w []time.Duration) {
			var sum time.Duration
			for _, d := range w {
				sum += d
			}
			if sum > 60*time.Second {
				t.Errorf("waited %v in total, budget 60s", sum)
			}
			for i := 1; i < len(w); i++ {
				if w[i] < w[i-1] {
					t.Errorf("backoff not growing: %v", w)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				n := calls.Add(1)
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				w.WriteHeader(tt.status)
				w.Write([]byte(`{"error":{"code":"TooManyRequests","n":` + string('0'+rune(n%10)) + `}}`))
			})
			c, fs := newTestClient(t, Config{BaseURL: srv.URL, MaxRetryWait: tt.budget})
			ex := c.Do(context.Background(), Request{Method: "POST", Path: "/x", Body: []byte(`{}`)})
			if !ex.Throttled || ex.Status != tt.status || ex.Err != nil {
				t.Fatalf("throttled %v status %d err %v; want throttled with the last %d kept", ex.Throttled, ex.Status, ex.Err, tt.status)
			}
			if len(ex.Attempts) != tt.wantAttempts || int(calls.Load()) != tt.wantAttempts {
				t.Fatalf("%d attempts, %d server calls; want %d", len(ex.Attempts), calls.Load(), tt.wantAttempts)
			}
			wantLast := `"n":` + string('0'+rune(tt.wantAttempts%10))
			if !strings.Contains(string(ex.ResponseBody), wantLast) {
				t.Errorf("body %s is not the last response's", ex.ResponseBody)
			}
			waits := fs.Waits()
			if len(waits) != tt.wantAttempts-1 {
				t.Errorf("waits %v, want %d", waits, tt.wantAttempts-1)
			}
			for i, a := range ex.Attempts {
				wantWait := time.Duration(0)
				if i < len(waits) {
					wantWait = waits[i]
				}
				if a.Status != tt.status || a.Waited != wantWait || a.RetryAfter != tt.retryAfter {
					t.Errorf("attempt %d = %+v", i+1, a)
				}
			}
			if tt.checkWaits != nil {
				tt.checkWaits(t, waits)
			}
			if tr := c.Transcript(ex, 0); !strings.Contains(tr, "retry budget exhausted") {
				t.Errorf("transcript does not say the budget ran out:\n%s", tr)
			}
		})
	}
}

func TestRetryAfterZeroForeverIsCapped(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	ex := c.Do(context.Background(), Request{Path: "/x"})
	if !ex.Throttled || len(ex.Attempts) != maxAttempts {
		t.Errorf("throttled %v after %d attempts; want throttled after %d", ex.Throttled, len(ex.Attempts), maxAttempts)
	}
}

// TestNetworkErrorRetry: the server drops the connection twice, then answers.
func TestNetworkErrorRetry(t *testing.T) {
	tests := []struct {
		method       string
		wantAttempts int
		wantStatus   int
	}{
		{"GET", 2, 200},
		{"POST", 1, 0},
		{"PATCH", 1, 0},
		{"DELETE", 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			var calls atomic.Int32
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if calls.Add(1) <= 1 {
					conn, _, err := w.(http.Hijacker).Hijack()
					if err == nil {
						conn.Close()
					}
					return
				}
				w.Write([]byte("ok"))
			})
			tr := loopbackTransport()
			tr.DisableKeepAlives = true // fresh connections: no transport-level replay
			c, fs := newTestClient(t, Config{BaseURL: srv.URL, Transport: tr})
			ex := c.Do(context.Background(), Request{Method: tt.method, Path: "/x", Body: []byte(`{}`)})
			if len(ex.Attempts) != tt.wantAttempts || int(calls.Load()) != tt.wantAttempts || ex.Status != tt.wantStatus {
				t.Fatalf("%d attempts, %d server calls, status %d, err %v; want %d attempts, status %d",
					len(ex.Attempts), calls.Load(), ex.Status, ex.Err, tt.wantAttempts, tt.wantStatus)
			}
			if tt.wantStatus == 0 && ex.Err == nil {
				t.Error("want the transport error in Err")
			}
			if tt.wantStatus == 200 && ex.Err != nil {
				t.Errorf("err %v after successful retry", ex.Err)
			}
			if len(fs.Waits()) != tt.wantAttempts-1 {
				t.Errorf("waits %v", fs.Waits())
			}
			for _, a := range ex.Attempts[:tt.wantAttempts-1] {
				if a.Err == "" || a.Status != 0 || a.Waited <= 0 {
					t.Errorf("failed attempt recorded as %+v", a)
				}
			}
			if ex.Throttled {
				t.Error("a network error is not throttling")
			}
		})
	}
}

func TestNetworkErrorRetriedOnce(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connection refused
	c, fs := newTestClient(t, Config{BaseURL: "http://" + addr, MaxRetryWait: 10 * time.Second})
	ex := c.Do(context.Background(), Request{Path: "/x"})
	// A broken target does not hold the run for the whole budget: one retry after 0.5 s.
	if len(ex.Attempts) != 2 || ex.Status != 0 || ex.Err == nil || ex.Throttled {
		t.Fatalf("%d attempts, status %d, err %v, throttled %v", len(ex.Attempts), ex.Status, ex.Err, ex.Throttled)
	}
	if !strings.Contains(ex.Err.Error(), "after 2 attempts") {
		t.Errorf("err %q does not say how many attempts", ex.Err)
	}
	if len(fs.Waits()) != 1 {
		t.Errorf("waits %v", fs.Waits())
	}
}

func TestTimeoutNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, RequestTimeout: 100 * time.Millisecond})
	ex := c.Do(context.Background(), Request{Path: "/x"})
	if len(ex.Attempts) != 1 || calls.Load() != 1 || ex.Status != 0 || !isTimeout(ex.Err) {
		t.Fatalf("%d attempts, %d calls, status %d, err %v; want one attempt that timed out", len(ex.Attempts), calls.Load(), ex.Status, ex.Err)
	}
}

func TestBreakerOpensOnConsecutiveTransportFailures(t *testing.T) {
	var mode atomic.Int32 // 0 answer, 1 reset, 2 oversized body
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch mode.Load() {
		case 1:
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		case 2:
			w.Write(bytes.Repeat([]byte("x"), 4096))
		default:
			w.WriteHeader(http.StatusNotFound) // an HTTP answer, whatever its status
		}
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, MaxTransportFailures: 3, MaxBody: 1024})
	do := func(method string) *Exchange {
		return c.Do(context.Background(), Request{Method: method, Path: "/x"})
	}
	mode.Store(1)
	do("POST")
	do("POST")
	mode.Store(0)
	if ex := do("GET"); ex.Status != 404 {
		t.Fatalf("an HTTP answer: %d %v", ex.Status, ex.Err)
	}
	mode.Store(1)
	do("POST")
	mode.Store(2)
	do("GET")
	if c.Unhealthy() != nil {
		t.Fatalf("two failures in a row must not open a breaker of 3: %v", c.Unhealthy())
	}
	ex := do("GET")
	if !ex.Truncated || c.Unhealthy() == nil {
		t.Fatalf("the third failure in a row must open the breaker (truncated %v, unhealthy %v)", ex.Truncated, c.Unhealthy())
	}
	if len(ex.ResponseBody) > 1024 {
		t.Errorf("an oversized body keeps %d bytes", len(ex.ResponseBody))
	}
	mode.Store(0)
	refused := do("GET")
	if !errors.Is(refused.Err, ErrTargetUnhealthy) || len(refused.Attempts) != 0 || !strings.Contains(refused.Err.Error(), "response body exceeds") {
		t.Errorf("after the breaker opened, requests are refused naming the last failure: %+v", refused.Err)
	}
}

func TestCancelDuringRetryWait(t *testing.T) {
	var calls atomic.Int32
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	ctx, cancel := context.WithCancel(context.Background())
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, Sleep: func(ctx context.Context, d time.Duration) error {
		cancel()
		return ctx.Err()
	}})
	ex := c.Do(ctx, Request{Path: "/x"})
	if !errors.Is(ex.Err, context.Canceled) || ex.Status != 503 || calls.Load() != 1 {
		t.Errorf("err %v, status %d, %d calls; want canceled with the 503 kept", ex.Err, ex.Status, calls.Load())
	}
}

func TestDefaultSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	start := time.Now()
	if err := sleepContext(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleepContext = %v, want context.Canceled", err)
	}
	if time.Since(start) > time.Second {
		t.Error("sleepContext ignored the cancelled context")
	}
	if err := sleepContext(context.Background(), time.Millisecond); err != nil {
		t.Errorf("sleepContext = %v", err)
	}
}
