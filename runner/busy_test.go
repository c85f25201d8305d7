package runner_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
)

const sessionsURL = "/security/securityCopilot/workspaces/default/sessions"

// countingTarget serves srv and counts the requests it receives.
func countingTarget(t *testing.T, srv http.Handler) (string, *atomic.Int64) {
	var n atomic.Int64
	ts := startLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		srv.ServeHTTP(w, r)
	}))
	return ts.URL, &n
}

// preload creates n sessions in srv directly, as other clients of a large tenant would have.
func preload(t *testing.T, srv http.Handler, token string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		req := httptest.NewRequest(http.MethodPost, sessionsURL, strings.NewReader(fmt.Sprintf(`{"displayName":"someone else's session %d"}`, i)))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		rr := httptest.NewRecorder()
		srv.ServeHTTP(rr, req)
		if rr.Code != http.StatusCreated {
			t.Fatalf("preloading session %d: %d %s", i, rr.Code, rr.Body.String())
		}
	}
}

// TestLargeTenantCostsNoMore: with 2,000 sessions already in the workspace, a full run makes
// as many requests as against an empty one (within 10%), and passes.
func TestLargeTenantCostsNoMore(t *testing.T) {
	requests := map[int]int64{}
	for _, n := range []int{0, 2000} {
		// The tenant's sessions were made over the past day, not in the second before the run.
		var preloading atomic.Bool
		preloading.Store(true)
		start := time.Now().Add(-24 * time.Hour)
		var made atomic.Int64
		clock := func() time.Time {
			if preloading.Load() {
				return start.Add(time.Duration(made.Add(1)) * 30 * time.Second)
			}
			return time.Now()
		}
		srv, err := mockserver.New(mockserver.Options{Token: "tok", Now: clock})
		if err != nil {
			t.Fatal(err)
		}
		preload(t, srv, "tok", n)
		preloading.Store(false)
		target, count := countingTarget(t, srv)
		r := copilotconf(t, nil, "run", "--target", target, "--token", "tok", "--report-dir", t.TempDir())
		if r.code != 0 {
			t.Fatalf("%d sessions already there: expected exit 0, got %s", n, r)
		}
		requests[n] = count.Load()
	}
	t.Logf("requests of a full run: %d against an empty workspace, %d with 2,000 sessions", requests[0], requests[2000])
	if diff := requests[2000] - requests[0]; diff*10 > requests[0] || -diff*10 > requests[0] {
		t.Errorf("the run's cost grows with the tenant: %d requests with 2,000 sessions, %d with none", requests[2000], requests[0])
	}
}

// TestBusyWorkspace: full runs against a reference server that other clients keep writing to
// (creating and renaming sessions) give no failure.
func TestBusyWorkspace(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	target, _ := countingTarget(t, srv)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var writes atomic.Int64
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
				req := httptest.NewRequest(http.MethodPost, sessionsURL, strings.NewReader(fmt.Sprintf(`{"displayName":"writer %d session %d"}`, w, i)))
				req.Header.Set("Authorization", "Bearer tok")
				req.Header.Set("Content-Type", "application/json")
				rr := httptest.NewRecorder()
				srv.ServeHTTP(rr, req)
				writes.Add(1)
				if id := jsonID(rr.Body.String()); id != "" && i%2 == 0 {
					patch := httptest.NewRequest(http.MethodPatch, sessionsURL+"/"+id, strings.NewReader(fmt.Sprintf(`{"displayName":"writer %d renamed %d"}`, w, i)))
					patch.Header.Set("Authorization", "Bearer tok")
					patch.Header.Set("Content-Type", "application/json")
					srv.ServeHTTP(httptest.NewRecorder(), patch)
					writes.Add(1)
				}
			}
		}(w)
	}
	defer func() {
		close(stop)
		wg.Wait()
	}()
	bin, _ := userBinary(t) // ten runs: as users build it, without the race detector
	for i := 0; i < 10; i++ {
		r := runBinary(t, bin, nil, "run", "--target", target, "--token", "tok", "--report-dir", t.TempDir())
		if r.code != 0 {
			t.Errorf("run %d with other clients writing: expected exit 0, got %s", i+1, r)
		}
	}
	t.Logf("the other clients made %d writes during 10 runs", writes.Load())
}

// jsonID finds the "id" of a JSON object, or "".
func jsonID(body string) string {
	const key = `"id":"`
	i := strings.Index(body, key)
	if i < 0 {
		return ""
	}
	rest := body[i+len(key):]
	if j := strings.IndexByte(rest, '"'); j >= 0 {
		return rest[:j]
	}
	return ""
}
