package runner

import (
	"errors"
	"slices"
	"testing"

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
