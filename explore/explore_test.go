package explore_test

import (
	"context"
	"net"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/copilotconf/copilotconf/explore"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/schemas"
)

// target serves the reference server, with faults, on 127.0.0.1.
func target(t *testing.T, faults ...string) *httpclient.Client {
	t.Helper()
	srv, err := mockserver.New(mockserver.Options{Token: "tok", Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(srv)
	ts.Listener.Close()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts.Listener = l
	ts.Start()
	t.Cleanup(ts.Close)
	c, err := httpclient.New(httpclient.Config{BaseURL: ts.URL, Token: "tok"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func explorer(t *testing.T, client *httpclient.Client, seed uint64, steps int) explore.Result {
	t.Helper()
	v, err := schemas.New()
	if err != nil {
		t.Fatal(err)
	}
	r, err := explore.Run(context.Background(), explore.Config{Client: client, Validator: v, RunID: "r" + strconv.FormatUint(seed, 10), Seed: seed, Steps: steps})
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
			if r.Steps < 120 || len(r.Calls) != 7 {
				t.Errorf("seed %d: expected about 150 steps over the 7 operations, got %d steps, %v", seed, r.Steps, r.Calls)
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
// exploration covers sessions and prompts so far: the floor is the score it reaches there.
func TestFindsFaults(t *testing.T) {
	const floor = 50
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
