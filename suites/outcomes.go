package suites

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/results"
)

// suiteDescription is the description Ginkgo matches --focus and --skip against, with the
// spec's text after it.
const suiteDescription = "copilotconf"

// outcomes gives every spec of the catalogue exactly one outcome, read from Ginkgo's report
// and the details entries the specs attached to it.
func outcomes(report types.Report, catalogue []Spec, cfg types.SuiteConfig, stopped string) []results.Spec {
	byID := map[string]types.SpecReport{}
	for _, sr := range report.SpecReports {
		if sr.LeafNodeType == types.NodeTypeIt {
			byID[specIDFromText(sr.LeafNodeText)] = sr
		}
	}
	selected := selection(cfg)
	out := make([]results.Spec, 0, len(catalogue))
	for _, s := range catalogue {
		sr, found := byID[s.ID]
		rs := results.Spec{
			ID: s.ID, Level: string(s.Level), Operation: string(s.Operation), Labels: s.Labels(),
			Requirement: s.Requirement, Doc: s.Doc,
			Location: sourceLocation(sr.LeafNodeLocation), Selected: found && selected(sr),
			Duration: sr.RunTime.Seconds(),
		}
		judge(&rs, sr, cfg, stopped)
		out = append(out, rs)
	}
	return out
}

// judge sets the outcome, reason, problems and exchanges of one spec.
func judge(rs *results.Spec, sr types.SpecReport, cfg types.SuiteConfig, stopped string) {
	switch {
	case !rs.Selected:
		rs.Outcome, rs.Reason = results.Skipped, results.NotSelected+describeSelection(cfg)
	case sr.State == types.SpecStatePassed:
		rs.Outcome = results.Passed
	case sr.State == types.SpecStateSkipped && hasEntry(sr, UnhealthyEntry):
		rs.Outcome, rs.Reason = results.NotRun, strings.TrimPrefix(results.FirstLine(sr.Failure.Message), "not run: ")
	case sr.State == types.SpecStateSkipped && sr.Failure.Message != "":
		rs.Outcome, rs.Reason = results.Skipped, results.FirstLine(sr.Failure.Message)
	case sr.State == types.SpecStateSkipped || sr.State == types.SpecStatePending:
		rs.Outcome, rs.Reason = results.NotRun, "never started: "+orDefault(stopped, "the run stopped")
	case sr.State.Is(types.SpecStateInterrupted | types.SpecStateAborted | types.SpecStateTimedout):
		rs.Outcome, rs.Reason = results.NotRun, "cut off: "+orDefault(stopped, "the run stopped")
	default:
		d := detailsOf(sr)
		rs.Problems, rs.Exchanges, rs.Cause = d.Problems, d.Exchanges, d.Cause
		rs.FailureLocation = sourceLocation(d.Where)
		if len(rs.Problems) == 0 {
			rs.Problems = []string{results.FirstLine(sr.Failure.Message)}
		}
		rs.Message = sr.Failure.Message
		switch {
		case hasEntry(sr, ThrottledEntry):
			rs.Outcome, rs.Reason = results.Throttled, rs.Problems[len(rs.Problems)-1]
		case rs.Cause != nil:
			rs.Outcome, rs.Reason = results.Blocked, rs.Cause.Summary
		default:
			rs.Outcome, rs.Reason = results.Failed, summaryOf(rs.Problems[0])
		}
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// detailsOf reads the details entry of a spec (in-process or decoded from JSON alike).
func detailsOf(sr types.SpecReport) details {
	var d details
	for _, e := range sr.ReportEntries {
		if e.Name != detailsEntry {
			continue
		}
		if raw, ok := e.Value.GetRawValue().(details); ok {
			return raw
		}
		b, err := json.Marshal(e.Value.GetRawValue())
		if err == nil {
			_ = json.Unmarshal(b, &d)
		}
	}
	return d
}

func hasEntry(sr types.SpecReport, name string) bool {
	for _, e := range sr.ReportEntries {
		if e.Name == name {
			return true
		}
	}
	return false
}

// selection returns Ginkgo's own rule for which specs a configuration runs: the label filter,
// then --focus and --skip matched against the suite description and the spec's full text.
func selection(cfg types.SuiteConfig) func(types.SpecReport) bool {
	labelFilter := func([]string) bool { return true }
	if cfg.LabelFilter != "" {
		if f, err := types.ParseLabelFilter(cfg.LabelFilter); err == nil {
			labelFilter = f
		}
	}
	var focus, skip *regexp.Regexp
	if len(cfg.FocusStrings) > 0 {
		focus, _ = regexp.Compile(strings.Join(cfg.FocusStrings, "|"))
	}
	if len(cfg.SkipStrings) > 0 {
		skip, _ = regexp.Compile(strings.Join(cfg.SkipStrings, "|"))
	}
	return func(sr types.SpecReport) bool {
		text := suiteDescription + " " + sr.FullText()
		return labelFilter(sr.Labels()) &&
			(focus == nil || focus.MatchString(text)) &&
			(skip == nil || !skip.MatchString(text))
	}
}

// describeSelection names the filters of a run, for the reason of a spec it left out.
func describeSelection(cfg types.SuiteConfig) string {
	var parts []string
	if cfg.LabelFilter != "" {
		parts = append(parts, fmt.Sprintf("--label-filter %q", cfg.LabelFilter))
	}
	if len(cfg.FocusStrings) > 0 {
		parts = append(parts, fmt.Sprintf("--focus %q", strings.Join(cfg.FocusStrings, "|")))
	}
	if len(cfg.SkipStrings) > 0 {
		parts = append(parts, fmt.Sprintf("--skip %q", strings.Join(cfg.SkipStrings, "|")))
	}
	if len(parts) == 0 {
		return "the selection"
	}
	return strings.Join(parts, " and ")
}

// sourceLocation renders a code location relative to the module: "suites/get_session.go:21".
func sourceLocation(cl types.CodeLocation) string {
	if cl.FileName == "" {
		return ""
	}
	file := filepath.ToSlash(cl.FileName)
	if i := strings.LastIndex(file, "/suites/"); i >= 0 {
		file = file[i+1:]
	}
	return fmt.Sprintf("%s:%d", file, cl.LineNumber)
}

// stopReason says why Ginkgo ended the run early, or "" when it ran to the end.
func stopReason(report types.Report) string {
	for _, r := range report.SpecialSuiteFailureReasons {
		switch {
		case strings.Contains(r, "Timeout"):
			return fmt.Sprintf("the run's time limit (--timeout %s) expired", report.SuiteConfig.Timeout)
		case strings.Contains(r, "Interrupt"):
			return "the run was interrupted"
		}
	}
	for _, sr := range report.SpecReports {
		if sr.State.Is(types.SpecStateInterrupted | types.SpecStateAborted) {
			return "the run was interrupted"
		}
	}
	return ""
}

// WithoutDetails returns a copy of a Ginkgo report for report.json: a failure located at the
// suite line of the check that failed (Ginkgo records where the collected failure was raised,
// at the end of the spec), and without the details entries the specs attach for the result
// model (the other reports carry them).
func WithoutDetails(r types.Report) types.Report {
	specs := make(types.SpecReports, len(r.SpecReports))
	for i, sr := range r.SpecReports {
		var kept []types.ReportEntry
		for _, e := range sr.ReportEntries {
			if e.Name != detailsEntry {
				kept = append(kept, e)
			}
		}
		if where := detailsOf(sr).Where; where.FileName != "" && sr.State.Is(types.SpecStateFailureStates) {
			sr.Failure.Location = where
		}
		sr.ReportEntries = kept
		specs[i] = sr
	}
	r.SpecReports = specs
	return r
}

// summaryOf is a problem on one line, cut to a length a CI page shows whole: a schema problem
// keeps its first violations.
func summaryOf(problem string) string {
	const max = 240
	s := strings.Join(strings.Fields(problem), " ")
	if len(s) > max {
		cut := max
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
