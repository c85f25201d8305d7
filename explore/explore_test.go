package explore_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/explore"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/internal/testservers"
	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/schemas"
)

// delays are the embedded server's (copilotconf explore without --target); evaluationTimeout
// is ten times their sum, as the embedded run's 10 s is to a service's minutes.
var (
	delays            = mockserver.EvaluationDelays{Running: 50 * time.Millisecond, Final: 100 * time.Millisecond}
	evaluationTimeout = 2 * time.Second
)

// target serves the reference server, with faults, on 127.0.0.1.
func target(t *testing.T, faults ...string) *httpclient.Client {
	t.Helper()
	c, _ := targetURL(t, strings.Join(faults, ","))
	return c
}

func explorer(t *testing.T, client *httpclient.Client, seed uint64, steps int) explore.Result {
	t.Helper()
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	r, err := explore.Run(context.Background(), explore.Config{Client: client, Validator: v, RunID: "r" + strconv.FormatUint(seed, 10), Seed: seed, Steps: steps,
		Evaluations: true, EvaluationTimeout: evaluationTimeout})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// The clean reference server breaks no property, whatever the seed.
func TestNoFalsePositives(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		t.Run(strconv.FormatUint(seed, 10), func(t *testing.T) {
			t.Parallel()
			r := explorer(t, target(t), seed, 150)
			if r.Failure != nil {
				t.Fatalf("seed %d: %s", seed, r.Failure)
			}
			// The rarest operations (list workspaces) may miss a short sequence.
			if r.Steps < 120 || len(r.Calls) < len(api.Operations())-2 {
				t.Errorf("seed %d: expected about 150 steps over most of the %d operations, got %d steps, %v", seed, len(api.Operations()), r.Steps, r.Calls)
			}
		})
	}
}

// The same seed against a fresh reference server sends the same calls.
func TestSameSeedSameCalls(t *testing.T) {
	a := explorer(t, target(t, "displayname-truncated"), 7, 200)
	b := explorer(t, target(t, "displayname-truncated"), 7, 200)
	if a.Failure == nil || b.Failure == nil {
		t.Fatalf("expected the fault found both times: %v, %v", a.Failure, b.Failure)
	}
	if len(a.Failure.Steps) != len(b.Failure.Steps) || a.Failure.Property != b.Failure.Property {
		t.Fatalf("different verdicts: %d steps (%s) and %d steps (%s)", len(a.Failure.Steps), a.Failure.Property, len(b.Failure.Steps), b.Failure.Property)
	}
	for i := range a.Failure.Steps {
		if a.Failure.Steps[i].Call.String() != b.Failure.Steps[i].Call.String() {
			t.Fatalf("call %d differs: %s and %s", i+1, a.Failure.Steps[i].Call, b.Failure.Steps[i].Call)
		}
	}
}

// Faults of the reference server are found by exploring alone, without the fixed specs. The
// floor is the score it reached when this test was last raised.
func TestFindsFaults(t *testing.T) {
	const floor = 75
	faults := mockserver.Faults()
	found := make([]bool, len(faults))
	t.Run("each", func(t *testing.T) {
		for i, f := range faults {
			t.Run(f.Name, func(t *testing.T) {
				t.Parallel()
				for seed := uint64(1); seed <= 2 && !found[i]; seed++ {
					found[i] = explorer(t, target(t, f.Name), seed, 150).Failure != nil
				}
			})
		}
	})
	n := 0
	var missed []string
	for i, f := range faults {
		if found[i] {
			n++
		} else {
			missed = append(missed, f.Name)
		}
	}
	t.Logf("explore found %d of %d faults; not found: %v", n, len(faults), missed)
	if n < floor {
		t.Errorf("explore found %d faults, fewer than the %d it found when this test was written", n, floor)
	}
}

// A failure is shrunk to a few calls that still break the same property, and its script
// replays them: the same requests get the same answers from a fresh target.
func TestShrinkAndReplay(t *testing.T) {
	for _, fault := range []string{"displayname-truncated", "update-keeps-lastmodified", "prompts-not-scoped", "count-ignored", "auth-any-token"} {
		t.Run(fault, func(t *testing.T) {
			client, _ := targetURL(t, fault)
			v, _ := schemas.New()
			cfg := explore.Config{Client: client, Validator: v, RunID: "shrink", Seed: 3, Steps: 300, Evaluations: true,
				Fresh: func() (*httpclient.Client, func(), error) {
					c, _ := targetURL(t, fault)
					return c, func() {}, nil
				}}
			var r explore.Result
			for seed := uint64(1); seed <= 5; seed++ {
				cfg.Seed = seed
				if r, _ = explore.Run(context.Background(), cfg); r.Failure != nil {
					break
				}
			}
			if r.Failure == nil {
				t.Fatalf("%s not found in 5 seeds", fault)
			}
			small, replays := explore.Shrink(context.Background(), cfg, r.Failure)
			t.Logf("%s: %d calls shrunk to %d in %d replays:\n%s", fault, len(r.Failure.Steps), len(small.Steps), replays, small)
			if small.Property != r.Failure.Property || len(small.Steps) > 6 {
				t.Errorf("expected at most 6 calls breaking %q, got %d breaking %q", r.Failure.Property, len(small.Steps), small.Property)
			}
			expectScriptReplays(t, small, fault)
		})
	}
}

// expectScriptReplays runs the failure's script against a fresh target with the same fault
// and compares what that target received and answered with the failure's exchanges.
func expectScriptReplays(t *testing.T, f *explore.Failure, fault string) {
	t.Helper()
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl is missing (.ci/run installs it)")
		}
		t.Skip("curl is not installed")
	}
	log := &requestLog{}
	_, url := targetURL(t, fault, log)
	script := filepath.Join(t.TempDir(), "replay.sh")
	if err := os.WriteFile(script, []byte(f.Script("http://127.0.0.1:1", "default")), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("sh", script)
	cmd.Env = append(os.Environ(), "COPILOTCONF_TOKEN=tok", "COPILOTCONF_TARGET="+url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the script failed: %v\n%s", err, out)
	}
	var want []string
	for _, st := range f.Steps {
		ex := st.Exchanges[0]
		want = append(want, fmt.Sprintf("%s %d", ex.Method, ex.Status))
	}
	got := log.summary()
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("the script's requests and answers\n  %v\ndiffer from the failure's\n  %v\nscript:\n%s\noutput:\n%s", got, want, f.Script("$T", "default"), out)
	}
}

// requestLog records the method of each request and the status answered.
type requestLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *requestLog) summary() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.entries...)
}

// targetURL is target, also returning the URL, and logging requests when log is given.
func targetURL(t *testing.T, fault string, log ...*requestLog) (*httpclient.Client, string) {
	t.Helper()
	var faults []string
	if fault != "" {
		faults = strings.Split(fault, ",")
	}
	srv, err := mockserver.New(mockserver.Options{Token: "tok", Faults: faults, EvaluationDelays: delays})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if len(log) > 0 {
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, r)
			log[0].mu.Lock()
			log[0].entries = append(log[0].entries, fmt.Sprintf("%s %d", r.Method, rec.Code))
			log[0].mu.Unlock()
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
	base := testservers.Loopback(t, h)
	c, err := httpclient.New(httpclient.Config{BaseURL: base, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	return c, base
}
