package runner

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/results"
)

// The comparison behind --check-serial finds a spec that ended otherwise, a different exit code
// and a run that could not be read, and nothing in two equal runs.
func TestDifferencesFromTheSerialRun(t *testing.T) {
	serial := childRun{exitCode: 1, outcomes: map[string]results.Outcome{"A-01": results.Passed, "A-02": results.Failed}}
	for _, tc := range []struct {
		name string
		run  childRun
		want []string
	}{
		{"equal", childRun{exitCode: 1, outcomes: map[string]results.Outcome{"A-01": results.Passed, "A-02": results.Failed}}, nil},
		{"a spec differs", childRun{exitCode: 1, outcomes: map[string]results.Outcome{"A-01": results.Blocked, "A-02": results.Failed}},
			[]string{"A-01: blocked (serial: passed)"}},
		{"the exit code differs", childRun{exitCode: 0, outcomes: map[string]results.Outcome{"A-01": results.Passed, "A-02": results.Failed}},
			[]string{"exit 0 (serial: 1)"}},
		{"a run failed", childRun{err: errors.New("no report")}, []string{"cannot compare: no report / <nil>"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := differences(tc.run, serial); !slices.Equal(got, tc.want) {
				t.Errorf("differences = %q, want %q", got, tc.want)
			}
		})
	}
}

// The verdicts of the mutation matrix: the suite never misses a fault of the reference server
// (the mutation test sees to that), so a missed one is shown from the runs' outcomes here.
func TestMutationVerdicts(t *testing.T) {
	fault := mockserver.Fault{Name: "f", Breaks: []string{"A-1", "A-2"}}
	named := func(id string) string { return "[" + id + "] requirement\\ndocumentation: https://example" }
	for _, c := range []struct {
		name    string
		run     childRun
		verdict string
		passes  bool
	}{
		{"both fail", childRun{exitCode: 1, failures: map[string]string{"A-1": named("A-1"), "A-2": named("A-2")},
			outcomes: map[string]results.Outcome{"A-1": results.Failed, "A-2": results.Failed}}, "detected", true},
		{"one passes", childRun{exitCode: 1, failures: map[string]string{"A-1": named("A-1")},
			outcomes: map[string]results.Outcome{"A-1": results.Failed, "A-2": results.Passed}}, "MISSED A-2", false},
		{"one left out", childRun{exitCode: 1, failures: map[string]string{"A-1": named("A-1")},
			outcomes: map[string]results.Outcome{"A-1": results.Failed, "A-2": results.NotSelectedOutcome}}, "detected (not checked: A-2)", true},
		{"both left out", childRun{outcomes: map[string]results.Outcome{"A-1": results.NotSelectedOutcome, "A-2": results.Skipped}},
			"not checked (its specs were left out)", true},
		{"blocked", childRun{exitCode: 1, failures: map[string]string{"A-1": named("A-1"), "A-2": "precondition"},
			outcomes: map[string]results.Outcome{"A-1": results.Failed, "A-2": results.Blocked}}, "MISSED A-2", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			row := judge(fault, c.run)
			var out bytes.Buffer
			ok := printMutation(&out, childRun{}, []mutationRow{row}, nil, false, false, 0)
			if row.verdict() != c.verdict || ok != c.passes || !strings.Contains(out.String(), c.verdict) {
				t.Errorf("verdict %q (the matrix passes: %v), want %q (%v):\n%s", row.verdict(), ok, c.verdict, c.passes, out.String())
			}
		})
	}
}
