package results_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/copilotconf/copilotconf/results"
)

// runOf builds a run from "ID:level:outcome" triples; a trailing "!" marks a spec the
// selection left out.
func runOf(strict bool, specs ...string) *results.Run {
	r := &results.Run{Mode: results.Mode{Strict: strict}}
	for _, s := range specs {
		parts := strings.Split(s, ":")
		selected := !strings.HasSuffix(parts[2], "!")
		spec := results.Spec{ID: parts[0], Level: parts[1], Operation: "op-" + parts[0][:1], Outcome: results.Outcome(strings.TrimSuffix(parts[2], "!")), Selected: selected}
		if !selected {
			spec.Reason = results.NotSelected + "--label-filter core"
		}
		r.Specs = append(r.Specs, spec)
	}
	return r
}

func TestClaim(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		want  results.Claim
	}{
		{"everything passed", []string{"A-01:core:passed", "B-01:odata:passed", "C-01:advisory:passed"}, results.ClaimFull},
		{"an advisory failure", []string{"A-01:core:passed", "B-01:odata:passed", "C-01:advisory:failed"}, results.ClaimCoreOData},
		{"an odata spec blocked", []string{"A-01:core:passed", "B-01:odata:blocked", "C-01:advisory:passed"}, results.ClaimCore},
		{"a core spec skipped", []string{"A-01:core:skipped", "B-01:odata:passed", "C-01:advisory:passed"}, results.ClaimNone},
		{"a core spec throttled", []string{"A-01:core:throttled", "B-01:odata:passed"}, results.ClaimNone},
		{"a core spec not run", []string{"A-01:core:not-run", "B-01:odata:passed"}, results.ClaimNone},
		{"odata not selected", []string{"A-01:core:passed", "B-01:odata:skipped!", "C-01:advisory:passed"}, results.ClaimCore},
		{"the levels above fail, the claim stops below", []string{"A-01:core:passed", "B-01:odata:failed", "C-01:advisory:passed"}, results.ClaimCore},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := runOf(false, tc.specs...)
			if got := r.Claim(); got != tc.want {
				t.Errorf("claim %q, want %q", got, tc.want)
			}
			rep := r.Report()
			if rep.Claim != tc.want {
				t.Errorf("the report claims %q", rep.Claim)
			}
			for _, l := range rep.Levels {
				if *l.Claimed != tc.want.Includes(l.Name) {
					t.Errorf("level %s claimed %v under claim %q", l.Name, *l.Claimed, tc.want)
				}
			}
			if tc.want != results.ClaimFull && len(r.Unclaimed()) == 0 {
				t.Errorf("a claim below full must say what kept the rest out")
			}
		})
	}
}

func TestUnclaimedNamesTheReasons(t *testing.T) {
	r := runOf(false, "A-01:core:passed", "A-02:core:skipped")
	r.Specs[1].Reason = "read-only mode: this check has to create or change objects"
	got := strings.Join(r.Unclaimed(), "\n")
	if !strings.Contains(got, "core: 1 of 2 specs passed; 1 skipped (read-only mode") {
		t.Errorf("unclaimed: %q", got)
	}
}

func TestWarningsFailTheRunOnlyWhenStrict(t *testing.T) {
	for _, strict := range []bool{false, true} {
		r := runOf(strict, "A-01:core:passed", "C-01:advisory:failed")
		if r.Succeeded() == strict {
			t.Errorf("strict %v: Succeeded() = %v", strict, r.Succeeded())
		}
		if c := r.Count(nil); c.Warnings != map[bool]int{false: 1, true: 0}[strict] {
			t.Errorf("strict %v: %d warnings", strict, c.Warnings)
		}
	}
}

func TestEveryUnverifiedOutcomeFailsTheRun(t *testing.T) {
	for _, o := range []string{"failed", "blocked", "throttled", "not-run"} {
		if runOf(false, "A-01:core:passed", "A-02:core:"+o).Succeeded() {
			t.Errorf("a %s core spec must fail the run", o)
		}
	}
	if !runOf(false, "A-01:core:passed", "A-02:core:skipped").Succeeded() {
		t.Errorf("a skipped spec does not fail the run")
	}
	if runOf(false, "A-01:core:skipped!").Succeeded() {
		t.Errorf("a run that selected nothing does not succeed")
	}
	r := runOf(false, "A-01:core:passed")
	r.Stopped = "the run was interrupted"
	if r.Succeeded() {
		t.Errorf("a stopped run does not succeed")
	}
}

func TestCountsAddUpToTheSelection(t *testing.T) {
	r := runOf(false, "A-01:core:passed", "A-02:core:failed", "A-03:core:blocked", "A-04:core:throttled", "A-05:core:not-run", "A-06:core:skipped", "A-07:core:skipped!")
	c := r.Count(nil)
	if sum := c.Passed + c.Failed + c.Blocked + c.Throttled + c.NotRun + c.Skipped; sum != c.Selected || c.Selected != 6 || c.NotSelected != 1 || c.Total != 7 {
		t.Errorf("counts %+v", c)
	}
	if got, want := c.Line(), "1 passed, 1 failed, 1 blocked, 1 throttled, 1 not run, 1 skipped (1 not selected)"; got != want {
		t.Errorf("line %q, want %q", got, want)
	}
}

func TestBlockedSpecsGroupUnderTheirCause(t *testing.T) {
	r := runOf(false, "A-01:core:blocked", "A-02:core:blocked", "A-03:core:blocked", "A-04:core:failed")
	for i, cause := range []string{"create session answered 404", "create session answered 404", "create prompt answered 500"} {
		r.Specs[i].Cause = &results.Cause{Summary: cause, Object: "x"}
	}
	groups := r.Groups(results.Blocked)
	if len(groups) != 2 || groups[0].Reason != "create session answered 404" || !slices.Equal(groups[0].IDs, []string{"A-01", "A-02"}) {
		t.Errorf("groups %+v", groups)
	}
	rep := r.Report()
	if len(rep.Blocked) != 2 || rep.Blocked[0].Cause.Exchange != nil {
		t.Errorf("the report names the causes without exchanges: %+v", rep.Blocked)
	}
}

func TestCatalogDigest(t *testing.T) {
	a := runOf(false, "A-01:core:passed", "B-01:odata:failed")
	b := runOf(false, "A-01:core:failed", "B-01:odata:passed")
	if a.CatalogDigest() != b.CatalogDigest() {
		t.Errorf("outcomes must not change the catalogue digest")
	}
	c := runOf(false, "A-01:core:passed", "B-01:advisory:failed")
	if a.CatalogDigest() == c.CatalogDigest() {
		t.Errorf("a spec's level is part of the catalogue")
	}
}

func TestReportOutcomesRoundTrip(t *testing.T) {
	r := runOf(false, "A-01:core:passed", "A-02:core:blocked", "B-01:odata:skipped!", "C-01:advisory:not-run")
	got := r.Report().Outcomes()
	want := map[string]results.Outcome{"A-01": results.Passed, "A-02": results.Blocked, "B-01": results.NotSelectedOutcome, "C-01": results.NotRun}
	for id, o := range want {
		if got[id] != o {
			t.Errorf("%s: %q, want %q", id, got[id], o)
		}
	}
}
