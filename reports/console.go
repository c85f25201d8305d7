package reports

import (
	"fmt"
	"github.com/copilotconf/copilotconf/api"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/copilotconf/copilotconf/results"
)

// Console writes the triage summary that ends a run on the console: the claim, each failed
// spec with its first problem, each blocked group with its root cause, warnings, what did not
// run and why, what was created, where the reports are, and the counts.
func Console(w io.Writer, run *results.Run, reportDir string) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "copilotconf summary")
	fmt.Fprintf(w, "Claim: %s\n", run.Claim())
	for _, n := range run.Unclaimed() {
		fmt.Fprintf(w, "  not claimed: %s\n", n)
	}
	failed, warnings := run.Failures()
	consoleSpecs(w, fmt.Sprintf("Failed (%d):", len(failed)), failed)
	if groups := run.Groups(results.Blocked); len(groups) > 0 {
		fmt.Fprintf(w, "Blocked (%d; a precondition failed, so nothing was verified):\n", len(run.With(results.Blocked)))
		for _, g := range groups {
			fmt.Fprintf(w, "  %d blocked by: %s\n", len(g.IDs), g.Reason)
			if g.Cause != nil && g.Cause.Spec != "" {
				fmt.Fprintf(w, "      first seen in %s, step %q\n", g.Cause.Spec, g.Cause.Step)
			}
			fmt.Fprintf(w, "%s\n", wrapIDs(g.IDs, "      "))
		}
	}
	consoleSpecs(w, fmt.Sprintf("Warnings (%d; advisory, they fail the run only with --strict):", len(warnings)), warnings)
	consoleGroups(w, "Throttled (%d; the target kept answering 429/503, so these have no verdict):", run.Groups(results.Throttled))
	consoleGroups(w, "Not run (%d):", run.Groups(results.NotRun))
	consoleGroups(w, "Skipped (%d):", run.Groups(results.Skipped))
	if run.Stopped != "" {
		fmt.Fprintf(w, "Run stopped: %s\n", run.Stopped)
	}
	if t := run.Traffic; t.Requests > 0 {
		fmt.Fprintf(w, "Requests: %d sent, at most %d at once, %s\n", t.Requests, t.PeakInFlight, Plural(t.Workers, "worker process", "worker processes"))
	}
	fmt.Fprintf(w, "Throttling: %s 429/503 and retried; %s up (throttled)\n", Plural(run.Retried, "response was", "responses were"), Plural(len(run.With(results.Throttled)), "spec gave", "specs gave"))
	if run.Mode.ReadOnly {
		fmt.Fprintln(w, "Read-only mode: nothing was written")
	}
	if run.Mode.SkippedEvaluations {
		n := run.Count(func(s results.Spec) bool {
			return slices.Contains(s.Labels, "evaluation") && s.Outcome == results.Skipped
		}).Total
		fmt.Fprintf(w, "Evaluations: %s evaluations %s skipped, as they use billed capacity (--evaluations runs them)\n", Plural(n, "spec that creates", "specs that create"), map[bool]string{true: "was", false: "were"}[n == 1])
	}
	if !run.Target.TLSVerification {
		fmt.Fprintln(w, "TLS certificate verification was OFF (--insecure-skip-tls-verify)")
	}
	if run.Target.Proxy != "" {
		fmt.Fprintf(w, "Requests went through the proxy %s\n", run.Target.Proxy)
	}
	fmt.Fprintf(w, "Created on the target: %s (the API has no DELETE; listed in %s)\n",
		createdCounts(run.Created), filepath.Join(reportDir, CreatedFile))
	if reportDir != "" {
		fmt.Fprintf(w, "Reports in %s: %s (open %s in a browser)\n", reportDir,
			strings.Join([]string{JUnitFile, ConformanceYAML, ConformanceJSON, HTMLFile, MarkdownFile, CreatedFile, "report.json"}, ", "),
			filepath.Join(reportDir, HTMLFile))
	}
	fmt.Fprintln(w, run.Count(nil).Line())
}

func consoleSpecs(w io.Writer, heading string, specs []results.Spec) {
	if len(specs) == 0 {
		return
	}
	fmt.Fprintln(w, heading)
	for _, s := range specs {
		fmt.Fprintf(w, "  %s [%s] %s\n      %s\n", s.ID, s.Level, s.Requirement, oneLine(s.Reason))
		if s.FailureLocation != "" {
			fmt.Fprintf(w, "      at %s\n", s.FailureLocation)
		}
	}
}

func consoleGroups(w io.Writer, heading string, groups []results.Group) {
	if len(groups) == 0 {
		return
	}
	n := 0
	for _, g := range groups {
		n += len(g.IDs)
	}
	fmt.Fprintf(w, heading+"\n", n)
	for _, g := range groups {
		fmt.Fprintf(w, "  %d: %s\n", len(g.IDs), g.Reason)
		if !strings.HasPrefix(g.Reason, results.NotSelected) {
			fmt.Fprintln(w, wrapIDs(g.IDs, "      "))
		}
	}
}

// wrapIDs lists IDs in lines of at most about 100 characters.
func wrapIDs(ids []string, indent string) string {
	var lines []string
	line := indent
	for i, id := range ids {
		if len(line) > len(indent) && len(line)+len(id) > 100 {
			lines = append(lines, strings.TrimRight(line, " "))
			line = indent
		}
		line += id
		if i < len(ids)-1 {
			line += ", "
		}
	}
	return strings.Join(append(lines, line), "\n")
}

// Plural writes n with the singular or the plural noun: "1 session", "2 sessions".
func Plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// createdCounts counts the created objects of every kind an operation creates, in the order of
// the operations: "4 sessions, 2 prompts, 2 evaluations".
func createdCounts(created []results.CreatedObject) string {
	var parts []string
	for _, op := range api.Operations() {
		if op.Creates == "" {
			continue
		}
		n := 0
		for _, c := range created {
			if c.Kind == op.Creates {
				n++
			}
		}
		parts = append(parts, Plural(n, op.Creates, op.Creates+"s"))
	}
	return strings.Join(parts, ", ")
}
