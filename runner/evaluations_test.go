package runner_test

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
)

// pollLog records when the target received each get-evaluation request.
type pollLog struct {
	mu    sync.Mutex
	times []time.Time
}

func (l *pollLog) gaps() []time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []time.Duration
	for i := 1; i < len(l.times); i++ {
		out = append(out, l.times[i].Sub(l.times[i-1]))
	}
	return out
}

func (l *pollLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.times)
}

// stuckEvaluationTarget serves the reference server with evaluations that never end, answering
// each read of one with the given Retry-After header ("" for none), and logs those reads.
func stuckEvaluationTarget(t *testing.T, retryAfter string) (string, *pollLog) {
	t.Helper()
	srv, err := mockserver.New(mockserver.Options{Token: "tok", Faults: []string{"evaluation-stuck"}})
	if err != nil {
		t.Fatal(err)
	}
	log := &pollLog{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
		if r.Method == http.MethodGet && len(parts) == 10 && parts[8] == "evaluations" {
			log.mu.Lock()
			log.times = append(log.times, time.Now())
			log.mu.Unlock()
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
		}
		srv.ServeHTTP(w, r)
	})
	return serveOnLoopback(t, h), log
}

// TestEvaluationPollingIsPaced follows the polls of an evaluation that never ends: they honour
// Retry-After, back off without it, stop at the timeout or after the bounded number of polls,
// and the failure says which.
func TestEvaluationPollingIsPaced(t *testing.T) {
	cases := []struct {
		name, retryAfter, timeout string
		check                     func(t *testing.T, gaps []time.Duration, polls int, stdout string)
	}{
		{"Retry-After honoured", "2", "5s", func(t *testing.T, gaps []time.Duration, polls int, stdout string) {
			for i, g := range gaps[:len(gaps)-1] { // the last wait is cut short by the timeout
				if g < 2*time.Second {
					t.Errorf("poll %d came %s after the one before, which asked for Retry-After: 2", i+2, g)
				}
			}
			if !strings.Contains(stdout, `still "running" after 5s (--evaluation-timeout)`) {
				t.Errorf("the failure does not name the timeout:\n%s", stdout)
			}
		}},
		{"backoff without Retry-After", "", "3s", func(t *testing.T, gaps []time.Duration, polls int, stdout string) {
			if len(gaps) < 3 {
				t.Fatalf("expected at least 4 polls in 3 s, got %d", polls)
			}
			for i := 1; i < len(gaps)-1; i++ {
				if gaps[i] < gaps[i-1] {
					t.Errorf("the wait before poll %d (%s) is shorter than the one before (%s): no backoff", i+2, gaps[i], gaps[i-1])
				}
			}
		}},
		{"bounded polls", "0", "1m", func(t *testing.T, gaps []time.Duration, polls int, stdout string) {
			if polls != 60 {
				t.Errorf("expected the 60 polls a run makes at most, got %d", polls)
			}
			for i, g := range gaps {
				if g < 100*time.Millisecond {
					t.Errorf("poll %d came %s after the one before (Retry-After: 0): below the 100 ms floor", i+2, g)
				}
			}
			if !strings.Contains(stdout, "no final state after 60 polls") {
				t.Errorf("the failure does not name the poll bound:\n%s", stdout)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			target, log := stuckEvaluationTarget(t, c.retryAfter)
			r := copilotconf(t, nil, "run", "--target", target, "--token", "tok", "--evaluations", "--procs", "1",
				"--focus", `\[EVAL-GET-06\]`, "--evaluation-timeout", c.timeout, "--report-dir", t.TempDir())
			if r.code != 1 || !strings.Contains(r.stdout, "EVAL-GET-06") {
				t.Fatalf("expected EVAL-GET-06 to fail (exit 1), got %s", r)
			}
			if !strings.Contains(r.stdout, "polls") {
				t.Errorf("the failure does not count the polls:\n%s", r.stdout)
			}
			gaps := log.gaps()
			if len(gaps) == 0 {
				t.Fatalf("expected several polls, got %d", log.count())
			}
			c.check(t, gaps, log.count(), r.stdout)
		})
	}
}

// A label filter that names the evaluation label asks for the evaluation specs against a
// --target, as --evaluations does; without either they are skipped.
func TestEvaluationLabelFilterAsksForThem(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	target := serveOnLoopback(t, srv)
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"label filter", []string{"--label-filter", "evaluation && core"}, "1 passed, 0 failed"},
		{"no opt-in", nil, "0 passed, 0 failed, 0 blocked, 0 throttled, 0 not run, 1 skipped"},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := append([]string{"run", "--target", target, "--token", "tok", "--focus", `\[EVAL-CREATE-01\]`, "--report-dir", t.TempDir()}, c.args...)
			r := copilotconf(t, nil, args...)
			if !strings.Contains(r.stdout, c.want) {
				t.Errorf("expected %q, got %s", c.want, r)
			}
		})
	}
}
