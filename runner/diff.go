package runner

import (
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/copilotconf/copilotconf/reports"
	"github.com/copilotconf/copilotconf/results"
)

const diffSynopsis = "copilotconf diff OLD NEW"

const diffHelp = `
OLD and NEW are report directories (as --report-dir leaves them) or conformance reports
(conformance-report.json or .yaml). Prints every spec whose outcome changed: regressions
(passed in OLD, not in NEW), fixes, other changes, and specs in only one catalogue.
Compare a team's mock with the real service (drift), or today's run with yesterday's.
Exit codes: 0 no regression; 1 a spec that passed in OLD did not pass in NEW; 2 usage error
or a file that is not a conformance report.
`

// change is one spec whose outcome differs between two reports.
type change struct {
	id, kind string
	old, new results.Outcome
}

func diffCommand(args []string, stdio IO) int {
	fs := newFlagSet("diff")
	rest, err := parseInterleaved(fs, args, stdio, diffSynopsis, diffHelp)
	if err != nil {
		return report(err, stdio)
	}
	if len(rest) != 2 {
		return report(usageErrorf("diff takes two report directories or conformance reports (OLD NEW), got %d arguments", len(rest)), stdio)
	}
	old, err := reports.ReadConformanceReport(rest[0])
	if err != nil {
		return report(usageErrorf("%v", err), stdio)
	}
	cur, err := reports.ReadConformanceReport(rest[1])
	if err != nil {
		return report(usageErrorf("%v", err), stdio)
	}
	changes := diffReports(old, cur)
	printDiff(stdio.Stdout, old, cur, changes)
	if slices.ContainsFunc(changes, func(c change) bool { return c.kind == "regression" }) {
		return ExitFailed
	}
	return ExitOK
}

// diffReports lists the specs whose outcome changed, in the order of NEW's catalogue, then
// the specs only OLD has.
func diffReports(old, cur results.ConformanceReport) []change {
	before, after := old.Outcomes(), cur.Outcomes()
	var out []change
	for _, id := range catalogueOrder(cur) {
		o, inOld := before[id]
		n := after[id]
		switch {
		case !inOld:
			out = append(out, change{id, "only in NEW", "", n})
		case o == n:
		case o == results.NotSelectedOutcome || n == results.NotSelectedOutcome:
			out = append(out, change{id, "not compared", o, n})
		case o == results.Passed:
			out = append(out, change{id, "regression", o, n})
		case n == results.Passed:
			out = append(out, change{id, "fixed", o, n})
		default:
			out = append(out, change{id, "changed", o, n})
		}
	}
	for _, id := range catalogueOrder(old) {
		if _, inNew := after[id]; !inNew {
			out = append(out, change{id, "only in OLD", before[id], ""})
		}
	}
	return out
}

// catalogueOrder lists a report's spec IDs operation by operation, in catalogue order.
func catalogueOrder(rep results.ConformanceReport) []string {
	var ids []string
	for _, g := range rep.Operations {
		var op []string
		for _, list := range [][]string{g.Passed, g.Failed, g.Blocked, g.Throttled, g.NotRun, g.Skipped, g.NotSelected} {
			op = append(op, list...)
		}
		slices.Sort(op)
		ids = append(ids, op...)
	}
	return ids
}

func printDiff(w io.Writer, old, cur results.ConformanceReport, changes []change) {
	describe := func(name string, r results.ConformanceReport) {
		fmt.Fprintf(w, "%s: %s (workspace %s), copilotconf %s, %s, claim %s\n", name, r.Target.URL, r.Target.Workspace, r.CopilotconfVersion, r.Date, r.Claim)
	}
	describe("OLD", old)
	describe("NEW", cur)
	if old.Catalog.Digest != cur.Catalog.Digest {
		fmt.Fprintf(w, "the spec catalogues differ (%s vs %s): specs only one of them has are listed apart\n", shortID(old.Catalog.Digest), shortID(cur.Catalog.Digest))
	}
	if len(changes) == 0 {
		fmt.Fprintln(w, "no spec changed its outcome")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SPEC\tCHANGE\tOLD\tNEW")
	counts := map[string]int{}
	for _, c := range changes {
		counts[c.kind]++
		if c.kind != "not compared" {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.id, c.kind, orDash(c.old), orDash(c.new))
		}
	}
	_ = tw.Flush()
	fmt.Fprintf(w, "%d regressions, %d fixed, %d changed, %d only in OLD, %d only in NEW\n",
		counts["regression"], counts["fixed"], counts["changed"], counts["only in OLD"], counts["only in NEW"])
	if n := counts["not compared"]; n > 0 {
		fmt.Fprintf(w, "%s selected in only one of the runs and not compared\n", reports.Plural(n, "spec was", "specs were"))
	}
}

func orDash(o results.Outcome) string {
	if o == "" {
		return "-"
	}
	return string(o)
}

func shortID(d string) string {
	if len(d) > 19 {
		return d[:19]
	}
	return d
}
