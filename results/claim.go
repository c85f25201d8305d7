package results

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Claim is the conformance a run establishes: the highest level such that every spec of it
// and of every level below it ran and passed.
type Claim string

// The claims, from the most to the least.
const (
	ClaimFull      Claim = "full"
	ClaimCoreOData Claim = "core+odata"
	ClaimCore      Claim = "core"
	ClaimNone      Claim = "none"
)

// claimOf names the claim reached when the first n levels (core, odata, advisory) hold.
var claimOf = []Claim{ClaimNone, ClaimCore, ClaimCoreOData, ClaimFull}

// Claim computes the claim from the outcomes: a level counts only when every spec of that
// level ran and passed, and so did every spec of the levels below it. A filtered, read-only
// or stopped run therefore claims at most what it fully ran.
func (r *Run) Claim() Claim {
	n := 0
	for _, level := range Levels {
		if !r.LevelHolds(level) {
			break
		}
		n++
	}
	return claimOf[n]
}

// Includes reports whether the claim covers level.
func (c Claim) Includes(level string) bool {
	return slices.Index(claimOf, c) > slices.Index(Levels, level)
}

// LevelHolds reports whether every spec of level ran and passed (a level with no spec holds).
func (r *Run) LevelHolds(level string) bool {
	for _, s := range r.Specs {
		if s.Level == level && s.Outcome != Passed {
			return false
		}
	}
	return true
}

// Unclaimed explains, for each level that does not hold, what kept it from the claim.
func (r *Run) Unclaimed() []string {
	out := []string{}
	for _, level := range Levels {
		if r.LevelHolds(level) {
			continue
		}
		c := r.Count(func(s Spec) bool { return s.Level == level })
		var parts []string
		for _, o := range Outcomes[1:] {
			if n := c.Of(o); n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, outcomeWords(o)))
			}
		}
		if c.NotSelected > 0 {
			parts = append(parts, fmt.Sprintf("%d not selected", c.NotSelected))
		}
		reasons := r.reasonsAt(level)
		line := fmt.Sprintf("%s: %d of %d specs passed; %s", level, c.Passed, c.Total, strings.Join(parts, ", "))
		if len(reasons) > 0 {
			line += " (" + strings.Join(reasons, "; ") + ")"
		}
		out = append(out, line)
	}
	return out
}

// reasonsAt lists the distinct reasons of the skipped and unrun specs of a level.
func (r *Run) reasonsAt(level string) []string {
	var out []string
	for _, s := range r.Specs {
		if s.Level == level && (s.Outcome == Skipped || s.Outcome == NotRun) && s.Reason != "" && !slices.Contains(out, s.Reason) {
			out = append(out, s.Reason)
		}
	}
	return out
}

func outcomeWords(o Outcome) string {
	if o == NotRun {
		return "not run"
	}
	return string(o)
}

// ReportSchemaVersion is the version of the conformance report's layout
// (schemas/conformance-report.json).
const ReportSchemaVersion = "1.0"

// ConformanceReport is the document a vendor publishes: what was checked, against what, how,
// and the claim computed from the outcomes. It is modelled on the Gateway API conformance report.
type ConformanceReport struct {
	SchemaVersion      string         `json:"schemaVersion"`
	Kind               string         `json:"kind"`
	Date               string         `json:"date"`
	CopilotconfVersion string         `json:"copilotconfVersion"`
	Catalog            CatalogInfo    `json:"catalog"`
	Implementation     Implementation `json:"implementation"`
	Target             ReportTarget   `json:"target"`
	Mode               Mode           `json:"mode"`
	Claim              Claim          `json:"claim"`
	// Unclaimed says, for each level outside the claim, what kept it out.
	Unclaimed  []string     `json:"unclaimed"`
	Stopped    string       `json:"stopped,omitempty"`
	Levels     []GroupStats `json:"levels"`
	Operations []GroupStats `json:"operations"`
	// Blocked lists the root causes of the blocked specs.
	Blocked []Group `json:"blocked"`
}

// CatalogInfo identifies the spec catalogue a report was made with.
type CatalogInfo struct {
	Digest string `json:"digest"`
	Specs  int    `json:"specs"`
}

// ReportTarget is the service root and workspace, never credentials.
type ReportTarget struct {
	URL       string `json:"url"`
	Workspace string `json:"workspace"`
}

// GroupStats is the outcome of one level or one operation.
type GroupStats struct {
	Name string `json:"name"`
	// Claimed is set on levels: whether the level is part of the claim.
	Claimed    *bool    `json:"claimed,omitempty"`
	Statistics Counts   `json:"statistics"`
	Passed     []string `json:"passed"`
	Failed     []string `json:"failed"`
	Blocked    []string `json:"blocked"`
	Throttled  []string `json:"throttled"`
	NotRun     []string `json:"notRun"`
	Skipped    []string `json:"skipped"`
	// NotSelected lists the specs the selection left out (they count as not passed for a claim).
	NotSelected []string `json:"notSelected"`
}

// Report builds the conformance report of the run.
func (r *Run) Report() ConformanceReport {
	claim := r.Claim()
	rep := ConformanceReport{
		SchemaVersion:      ReportSchemaVersion,
		Kind:               "CopilotconfConformanceReport",
		Date:               r.Finished.UTC().Format(time.RFC3339),
		CopilotconfVersion: r.Tool.Version,
		Catalog:            CatalogInfo{Digest: r.CatalogDigest(), Specs: len(r.Specs)},
		Implementation:     r.Implementation,
		Target:             ReportTarget{URL: r.Target.URL, Workspace: r.Target.Workspace},
		Mode:               r.Mode,
		Claim:              claim,
		Unclaimed:          r.Unclaimed(),
		Stopped:            r.Stopped,
		Blocked:            []Group{},
	}
	for _, g := range r.Groups(Blocked) {
		if g.Cause != nil {
			c := *g.Cause
			c.Exchange = nil // the report names causes; the exchanges are in the other reports
			g.Cause = &c
		}
		rep.Blocked = append(rep.Blocked, g)
	}
	for _, level := range Levels {
		g := r.stats(level, func(s Spec) bool { return s.Level == level })
		holds := claim.Includes(level)
		g.Claimed = &holds
		rep.Levels = append(rep.Levels, g)
	}
	for _, op := range r.Operations() {
		rep.Operations = append(rep.Operations, r.stats(op, func(s Spec) bool { return s.Operation == op }))
	}
	return rep
}

func (r *Run) stats(name string, keep func(Spec) bool) GroupStats {
	g := GroupStats{Name: name, Statistics: r.Count(keep),
		Passed: []string{}, Failed: []string{}, Blocked: []string{}, Throttled: []string{}, NotRun: []string{}, Skipped: []string{}, NotSelected: []string{}}
	for _, s := range r.Specs {
		if !keep(s) {
			continue
		}
		list := map[Outcome]*[]string{Passed: &g.Passed, Failed: &g.Failed, Blocked: &g.Blocked, Throttled: &g.Throttled, NotRun: &g.NotRun, Skipped: &g.Skipped}[s.Outcome]
		if !s.Selected {
			list = &g.NotSelected
		}
		if list != nil {
			*list = append(*list, s.ID)
		}
	}
	return g
}

// NotSelectedOutcome stands, in Outcomes, for a spec the run's selection left out.
const NotSelectedOutcome Outcome = "not-selected"

// Outcomes returns every spec's outcome as the report lists it, by spec ID; a spec the
// selection left out is NotSelectedOutcome.
func (rep ConformanceReport) Outcomes() map[string]Outcome {
	out := map[string]Outcome{}
	for _, g := range rep.Levels {
		for o, ids := range map[Outcome][]string{Passed: g.Passed, Failed: g.Failed, Blocked: g.Blocked, Throttled: g.Throttled, NotRun: g.NotRun, Skipped: g.Skipped, NotSelectedOutcome: g.NotSelected} {
			for _, id := range ids {
				out[id] = o
			}
		}
	}
	return out
}
