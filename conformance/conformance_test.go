package conformance_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/copilotconf/copilotconf/conformance"
	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/results"
)

// recorder is a testing.TB that keeps the errors Run reports instead of failing the test.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestRunAgainstAHandler runs the suite in-process against a handler that breaks one rule (the
// reference server without Location headers) and expects exactly that finding as a test error.
func TestRunAgainstAHandler(t *testing.T) {
	h, err := mockserver.New(mockserver.Options{Token: "handler-token", Faults: []string{"no-location"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	run := conformance.Run(rec, conformance.Options{Handler: h, Token: "handler-token", Strict: true,
		Focus: `\[SESS-CREATE-(01|10)\]`})
	if run == nil {
		t.Fatalf("no result; errors: %v", rec.errors)
	}
	if len(rec.errors) != 1 || !strings.HasPrefix(rec.errors[0], "SESS-CREATE-10 failed: sends a Location header") ||
		!strings.Contains(rec.errors[0], "documentation: https://") {
		t.Errorf("expected one test error, for SESS-CREATE-10 with its failure text; got %q", rec.errors)
	}
	if s, _ := run.Spec("SESS-CREATE-01"); s.Outcome != results.Passed {
		t.Errorf("SESS-CREATE-01 against the handler: %s", s.Outcome)
	}
}

// TestRunInWorkerProcesses spreads the whole suite over three processes started from this test
// binary, against a clean handler, evaluations included: every spec passes, the requests
// overlap, and the shared objects are created once, as in a serial run.
func TestRunInWorkerProcesses(t *testing.T) {
	h, err := mockserver.New(mockserver.Options{Token: "handler-token"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	run := conformance.Run(rec, conformance.Options{Handler: h, Token: "handler-token", Strict: true, Procs: 3, Evaluations: true})
	if run == nil || len(rec.errors) > 0 {
		t.Fatalf("expected a clean run, got errors %q", rec.errors)
	}
	if c := run.Count(nil); c.Passed != len(run.Specs) {
		t.Errorf("expected every spec to pass, got %s", c.Line())
	}
	if tr := run.Traffic; tr.Workers != 3 || tr.PeakInFlight < 2 {
		t.Errorf("expected 3 workers with requests in flight together, got %+v", tr)
	}
	kinds := map[string]int{}
	for _, c := range run.Created {
		kinds[c.Kind]++
	}
	if kinds["session"] != 4 || kinds["prompt"] != 3 || kinds["evaluation"] != 2 {
		t.Errorf("expected the serial run's writes (4 sessions, 3 prompts, 2 evaluations), got %v", kinds)
	}
}

// TestEvaluationsAreLeftOutUnlessAskedFor runs the evaluation specs against a handler without
// Evaluations: each is skipped, says why, and nothing creates an evaluation.
func TestEvaluationsAreLeftOutUnlessAskedFor(t *testing.T) {
	h, err := mockserver.New(mockserver.Options{Token: "handler-token"})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{TB: t}
	run := conformance.Run(rec, conformance.Options{Handler: h, Token: "handler-token", Procs: 1, Focus: `\[EVAL-`})
	if run == nil {
		t.Fatalf("no result; errors: %v", rec.errors)
	}
	skipped := 0
	for _, s := range run.Specs {
		if !s.Selected {
			continue
		}
		evaluates := false
		for _, l := range s.Labels {
			evaluates = evaluates || l == "evaluation"
		}
		switch {
		case evaluates && (s.Outcome != results.Skipped || !strings.Contains(s.Reason, "billed capacity")):
			t.Errorf("%s creates an evaluation: expected it skipped for billed capacity, got %s (%s)", s.ID, s.Outcome, s.Reason)
		case evaluates:
			skipped++
		case s.Outcome != results.Passed:
			t.Errorf("%s creates no evaluation: expected it to pass, got %s (%s)", s.ID, s.Outcome, s.Reason)
		}
	}
	for _, c := range run.Created {
		if c.Kind == "evaluation" {
			t.Errorf("an evaluation was created: %+v", c)
		}
	}
	if skipped == 0 || !run.Mode.SkippedEvaluations {
		t.Errorf("expected evaluation specs skipped and the report to say so; %d skipped, mode %+v", skipped, run.Mode)
	}
}
