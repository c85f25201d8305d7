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
// is several times their sum, and short, since a stuck evaluation is only known after it.
var (
	delays            = mockserver.EvaluationDelays{Running: 50 * time.Millisecond, Final: 100 * time.Millisecond}
	evaluationTimeout = time.Second
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
			r := explorer(t, target(t), seed, 1000)
			if r.Failure != nil {
				t.Fatalf("seed %d: %s", seed, r.Failure)
			}
			if r.Steps < 1000 || len(r.Calls) < len(api.Operations()) {
				t.Errorf("seed %d: expected 1000 steps and more over all %d operations, got %d steps, %v", seed, len(api.Operations()), r.Steps, r.Calls)
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

// Faults of the reference server are found by exploring alone, without the fixed specs, and
// each failure found is shrunk to a short sequence whose replay script reproduces it. The
// floors are the scores reached when this test was last raised; a fault whose shortest
// failing sequence needs more than 6 calls is named with the number it needs.
func TestFindsFaults(t *testing.T) {
	// All 127 are found, shrunk and replayed on a quiet machine; the floors leave room for a
	// loaded one, where an evaluation's life may take longer than the calls that waited for it.
	const floor, shrunkFloor, replayedFloor = 124, 120, 120
	faults := mockserver.Faults()
	type outcome struct {
		found, replayed bool
		shrunk          int
		took            time.Duration
	}
	outcomes := make([]outcome, len(faults))
	t.Run("each", func(t *testing.T) {
		for i, f := range faults {
			t.Run(f.Name, func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				client, _ := targetURL(t, f.Name)
				cfg := config(client, f.Name, 600)
				var r explore.Result
				for seed := uint64(1); seed <= 3 && r.Failure == nil; seed++ {
					cfg.Seed = seed
					r, _ = explore.Run(context.Background(), cfg)
				}
				outcomes[i].took = time.Since(start)
				if r.Failure == nil {
					return
				}
				outcomes[i].found = true
				small, _ := explore.Shrink(context.Background(), cfg, r.Failure)
				outcomes[i].shrunk = len(small.Steps)
				if small.Property != r.Failure.Property {
					t.Errorf("shrinking changed the property from %q to %q", r.Failure.Property, small.Property)
				}
				var why string
				if outcomes[i].replayed, why = scriptReplays(t, small, f.Name); !outcomes[i].replayed {
					t.Log(why)
				}
			})
		}
	})
	found, short, replayed := 0, 0, 0
	var missed, long []string
	var slowest time.Duration
	for i, f := range faults {
		o := outcomes[i]
		slowest = max(slowest, o.took)
		switch {
		case !o.found:
			missed = append(missed, f.Name)
			continue
		case o.shrunk <= 6:
			short++
		default:
			long = append(long, fmt.Sprintf("%s (%d calls)", f.Name, o.shrunk))
		}
		found++
		if o.replayed {
			replayed++
		}
	}
	t.Logf("explore found %d of %d faults (the slowest search took %s); not found: %v", found, len(faults), slowest.Round(time.Millisecond), missed)
	t.Logf("shrunk to at most 6 calls: %d of %d; longer: %v; replayed by their scripts: %d", short, found, long, replayed)
	if found < floor || short < shrunkFloor || replayed < replayedFloor {
		t.Errorf("explore found %d faults, shrank %d to at most 6 calls and replayed %d, fewer than the %d, %d and %d when this test was written",
			found, short, replayed, floor, shrunkFloor, replayedFloor)
	}
}

// config is the exploration of a fresh reference server with fault: shrinking replays each
// candidate against another fresh one.
func config(client *httpclient.Client, fault string, steps int) explore.Config {
	v, _ := schemas.New()
	return explore.Config{Client: client, Validator: v, RunID: "shrink", Steps: steps, Evaluations: true, EvaluationTimeout: evaluationTimeout,
		Fresh: func() (*httpclient.Client, func(), error) {
			inst, err := mockserver.Listen("127.0.0.1:0", mockserver.Options{Token: "tok", Faults: strings.Split(fault, ","), EvaluationDelays: delays})
			if err != nil {
				return nil, nil, err
			}
			c, err := httpclient.New(httpclient.Config{BaseURL: inst.URL(), Token: "tok"})
			return c, func() { _ = inst.Close() }, err
		}}
}

// A failure is shrunk to a few calls that still break the same property, and its script
// replays them: the same requests get the same answers from a fresh target.
func TestShrinkAndReplay(t *testing.T) {
	for _, fault := range []string{"displayname-truncated", "update-keeps-lastmodified", "prompts-not-scoped", "count-ignored", "auth-any-token", "evaluation-result-flaps", "body-limit-none"} {
		t.Run(fault, func(t *testing.T) {
			client, _ := targetURL(t, fault)
			cfg := config(client, fault, 600)
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
			if !strings.Contains(small.String(), "The call that broke it:\n--> ") {
				t.Errorf("the failure does not show the exchange that broke the property:\n%s", small)
			}
			expectScriptReplays(t, small, fault)
		})
	}
}

// expectScriptReplays fails the test unless the failure's script replays it.
func expectScriptReplays(t *testing.T, f *explore.Failure, fault string) {
	t.Helper()
	if ok, why := scriptReplays(t, f, fault); !ok {
		t.Error(why)
	}
}

// scriptReplays runs the failure's script against a fresh target with the same fault and
// compares what that target received and answered with the failure's exchanges.
func scriptReplays(t *testing.T, f *explore.Failure, fault string) (bool, string) {
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
		return false, fmt.Sprintf("the script failed: %v\n%s", err, out)
	}
	var want []string
	for _, st := range f.Steps {
		for j, ex := range st.Exchanges {
			if j == 0 || ex.Method == http.MethodPost && ex.Status == http.StatusCreated {
				want = append(want, fmt.Sprintf("%s %d", ex.Method, ex.Status))
			}
		}
	}
	got := log.summary()
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		return false, fmt.Sprintf("the script's requests and answers\n  %v\ndiffer from the failure's\n  %v\nscript:\n%s\noutput:\n%s", got, want, f.Script("$T", "default"), out)
	}
	return true, ""
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

// Shrinking stops at its time bound, and the failure says a shorter sequence may exist.
func TestShrinkingStopsAtItsBound(t *testing.T) {
	client, _ := targetURL(t, "displayname-truncated")
	cfg := config(client, "displayname-truncated", 600)
	cfg.Seed = 1
	r, _ := explore.Run(context.Background(), cfg)
	if r.Failure == nil {
		t.Fatal("the fault was not found")
	}
	cfg.ShrinkTime = time.Nanosecond
	small, replays := explore.Shrink(context.Background(), cfg, r.Failure)
	if replays != 0 || !small.Unfinished || len(small.Steps) != len(r.Failure.Steps) || !strings.Contains(small.String(), "shrinking stopped at its time or replay bound") {
		t.Errorf("expected no replay and the failure as found, marked unfinished; got %d replays, %d of %d steps:\n%s", replays, len(small.Steps), len(r.Failure.Steps), small)
	}
}
