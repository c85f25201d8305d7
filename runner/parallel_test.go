package runner_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
)

// referenceTarget serves the reference server on 127.0.0.1 behind wrap, for tests that watch or
// change what a target sees.
func referenceTarget(t *testing.T, token string, wrap func(next http.Handler) http.Handler) string {
	t.Helper()
	h, err := mockserver.New(mockserver.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(wrap(h))
	t.Cleanup(srv.Close)
	return srv.URL
}

func TestProcsUsageErrors(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"--procs", "-1"}, "--procs must not be negative"},
		{nil, []string{"--procs", "many"}, "invalid value \"many\" for flag -procs"},
		{map[string]string{"COPILOTCONF_PROCS": "lots"}, nil, "invalid COPILOTCONF_PROCS \"lots\""},
	} {
		r := copilotconf(t, c.env, append([]string{"run", "--report-dir", t.TempDir()}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v %v: expected exit 2 and one line containing %q, got %s", c.env, c.args, c.want, r)
		}
	}
}

// A Retry-After given to one worker's request holds back every worker: no request reaches the
// target while the pause lasts, and the run then goes on and passes.
func TestThrottlingSlowsEveryWorker(t *testing.T) {
	var mu sync.Mutex
	var throttledAt time.Time
	var arrivals []time.Time
	target := referenceTarget(t, "throttle-token", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			now := time.Now()
			arrivals = append(arrivals, now)
			first := throttledAt.IsZero() && r.Method == http.MethodPost
			if first {
				throttledAt = now
			}
			mu.Unlock()
			if first {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	r := copilotconf(t, nil, "run", "--target", target, "--token", "throttle-token", "--procs", "4", "--report-dir", t.TempDir())
	if r.code != 0 || !strings.Contains(r.stdout, "Throttling: 1 response was 429/503 and retried") {
		t.Fatalf("expected a passing run that retried once, got %s", r)
	}
	mu.Lock()
	defer mu.Unlock()
	// Requests sent before the 429 was read may still arrive just after it.
	const inFlight = 150 * time.Millisecond
	var during, after int
	for _, at := range arrivals {
		switch d := at.Sub(throttledAt); {
		case d > inFlight && d < 950*time.Millisecond:
			during++
		case d >= 950*time.Millisecond:
			after++
		}
	}
	if during > 0 || after == 0 {
		t.Errorf("expected no request during the 1 s Retry-After and the run to go on after it; got %d during, %d after", during, after)
	}
}

// --max-writes holds across workers: the target creates exactly that many objects, and the
// run says which specs could not have theirs.
func TestMaxWritesHoldsAcrossWorkers(t *testing.T) {
	var created atomic.Int64
	target := referenceTarget(t, "writes-token", func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := &statusRecorder{ResponseWriter: w}
			next.ServeHTTP(rec, r)
			if r.Method == http.MethodPost && rec.status == http.StatusCreated {
				created.Add(1)
			}
		})
	})
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--target", target, "--token", "writes-token", "--procs", "4", "--max-writes", "2", "--report-dir", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "write budget used up") {
		t.Errorf("expected exit 1 with specs blocked by the write budget, got %s", r)
	}
	sessions, prompts := readCreated(t, dir)
	if created.Load() != 2 || sessions+prompts != 2 {
		t.Errorf("expected exactly 2 objects created and listed, the target created %d, created.json lists %d sessions and %d prompts",
			created.Load(), sessions, prompts)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// With -v a parallel run shows Ginkgo's own report of every spec, as a serial one does, and the
// summary counts the workers.
func TestVerboseParallelRun(t *testing.T) {
	r := copilotconf(t, nil, "run", "-v", "--procs", "2", "--label-filter", "get-session", "--report-dir", t.TempDir())
	for _, want := range []string{"[SESS-GET-01]", "suites/get_session.go:", "Running in parallel across 2 processes", "of " + strconv.Itoa(len(specIDs(t))) + " Specs", "SUCCESS!", "2 worker processes"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the verbose output lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 0 {
		t.Errorf("expected exit 0, got %s", r)
	}
}

// A worker that dies mid-run does not hang the run: the others finish, the specs it held are
// not run, and the reports say why.
func TestAWorkerThatDiesStopsTheRunCleanly(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("finding the worker processes needs /proc")
	}
	var seen atomic.Int64
	target := slowTarget(t, "slow-token", 2*time.Second, &seen)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "run", "--target", target, "--token", "slow-token", "--report-dir", dir, "--procs", "2")
	cmd.Env = append(cleanEnv(), childEnv+"=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for seen.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	workers := childrenOf(cmd.Process.Pid)
	if len(workers) != 2 {
		_ = cmd.Process.Kill()
		t.Fatalf("expected 2 worker processes, found %v", workers)
	}
	if err := syscall.Kill(workers[0], syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("the run did not end after a worker died:\n%s", stdout.String())
	}
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	}
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if !regexp.MustCompile(`Run stopped: worker \d ended before it reported \(signal: killed\)`).MatchString(r.stdout) {
		t.Errorf("the summary must say which worker died:\n%s\n%s", r.stdout, r.stderr)
	}
	ids := specIDs(t)
	j := readJUnit(t, dir)
	if len(j.Suites[0].Cases) != len(ids) {
		t.Errorf("junit.xml: expected all %d specs, got %d", len(ids), len(j.Suites[0].Cases))
	}
	if r.code != 1 {
		t.Errorf("expected exit 1, got %s", r)
	}
}

// childrenOf lists the processes whose parent is pid, from /proc.
func childrenOf(pid int) []int {
	var out []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
		fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(fields) > 1 && fields[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}
