// Package conformance runs the copilotconf suite from a Go test: against a URL, or against a
// service's own http.Handler in-process, with the options of `copilotconf run`. Every spec that
// fails the run becomes a test error carrying its whole failure text.
//
//	func TestConformance(t *testing.T) {
//		conformance.Run(t, conformance.Options{Handler: myapi.NewHandler(), Token: "test-token",
//			LabelFilter: "core"})
//	}
//
// Ginkgo runs one suite per process, so a test binary calls Run once. With Options.Procs above
// 1 (the default on a machine with several CPUs) the suite runs in worker processes started from
// the test binary itself: this package, once loaded, turns such a process into a worker before
// any test runs.
package conformance

import (
	"testing"

	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/runner"
)

// Options are the options of `copilotconf run`; see runner.Options.
type Options = runner.Options

// Run runs the suite and reports, through tb, every spec that fails the run (a failure, a
// blocked, throttled or unrun spec; an advisory one only with Strict), a refused target, or a
// usage error. It returns the result model (nil when nothing ran) for further assertions.
func Run(tb testing.TB, o Options) *results.Run {
	tb.Helper()
	if o.ReportDir == "" {
		o.ReportDir = tb.TempDir()
	}
	run, code, err := runner.RunSuite(o)
	if err != nil {
		tb.Errorf("copilotconf: %v (exit %s)", err, runner.ExitCodeText(code))
	}
	if run == nil {
		return nil
	}
	for _, s := range run.Specs {
		if !run.FailsRun(s) {
			continue
		}
		text := s.Message
		if text == "" {
			text = s.Reason
		}
		tb.Errorf("%s %s: %s\n%s", s.ID, s.Outcome, s.Requirement, text)
	}
	tb.Logf("copilotconf: claim %s; %s; reports in %s", run.Claim(), run.Count(nil).Line(), o.ReportDir)
	return run
}
