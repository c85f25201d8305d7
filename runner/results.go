package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/suites"
)

// specResult is one selected spec's outcome, read from Ginkgo's report.
type specResult struct {
	id, level, text, state string
	failed                 bool
}

// outcome is the run seen through the report: the model every view (summary, exit code) reads.
type outcome struct {
	strict                                bool
	selected, passed, failed, skipped     int
	blocking, advisory                    []specResult
	createdSessions, createdPrompts       int
	suiteSucceeded, interrupted, timedOut bool
	specialFailures                       []string
}

// selectedSpecs keeps the It specs the selection ran; specs a filter left out are dropped, so
// that reports list only what was selected.
func selectedSpecs(r types.Report) types.SpecReports {
	var out types.SpecReports
	for _, s := range r.SpecReports {
		if s.LeafNodeType != types.NodeTypeIt {
			if s.State.Is(types.SpecStateFailureStates) {
				out = append(out, s) // a failing suite-level node must show
			}
			continue
		}
		if s.State == types.SpecStateSkipped && s.Failure.Message == "" && s.RunTime == 0 {
			continue
		}
		out = append(out, s)
	}
	return out
}

func summarize(res suites.Result, strict bool) outcome {
	o := outcome{strict: strict, suiteSucceeded: res.Report.SuiteSucceeded, specialFailures: res.Report.SpecialSuiteFailureReasons}
	for _, s := range selectedSpecs(res.Report) {
		r := specResult{text: s.LeafNodeText, state: s.State.String(), level: levelOf(s.Labels())}
		r.id = specID(s.LeafNodeText)
		o.selected++
		switch {
		case s.State.Is(types.SpecStateFailureStates):
			r.failed = true
			o.failed++
			if s.State.Is(types.SpecStateInterrupted | types.SpecStateAborted) {
				o.interrupted = true
			}
			if s.State == types.SpecStateTimedout {
				o.timedOut = true
			}
			if r.level == string(suites.Advisory) && !strict && s.LeafNodeType == types.NodeTypeIt {
				o.advisory = append(o.advisory, r)
			} else {
				o.blocking = append(o.blocking, r)
			}
		case s.State == types.SpecStateSkipped || s.State == types.SpecStatePending:
			o.skipped++
		default:
			o.passed++
		}
	}
	for _, c := range res.Created {
		switch c.Kind {
		case "session":
			o.createdSessions++
		case "prompt":
			o.createdPrompts++
		}
	}
	return o
}

func (o outcome) exitCode() int {
	if len(o.blocking) > 0 || o.interrupted || o.timedOut {
		return ExitFailed
	}
	return ExitOK
}

func levelOf(labels []string) string {
	for _, l := range labels {
		switch suites.Level(l) {
		case suites.Core, suites.OData, suites.Advisory:
			return l
		}
	}
	return ""
}

func specID(text string) string {
	if strings.HasPrefix(text, "[") {
		if end := strings.Index(text, "]"); end > 0 {
			return text[1:end]
		}
	}
	return text
}

func printSummary(w io.Writer, o outcome, reportDir string) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "copilotconf summary")
	if len(o.blocking) > 0 {
		fmt.Fprintf(w, "Failed (%d):\n", len(o.blocking))
		for _, r := range o.blocking {
			fmt.Fprintf(w, "  %s [%s] %s\n", r.id, r.level, strings.TrimSpace(strings.TrimPrefix(r.text, "["+r.id+"]")))
		}
	}
	if len(o.advisory) > 0 {
		fmt.Fprintf(w, "Advisory failures (%d; they fail the run only with --strict):\n", len(o.advisory))
		for _, r := range o.advisory {
			fmt.Fprintf(w, "  %s [%s] %s\n", r.id, r.level, strings.TrimSpace(strings.TrimPrefix(r.text, "["+r.id+"]")))
		}
	}
	for _, reason := range o.specialFailures {
		fmt.Fprintf(w, "Run stopped: %s\n", reason)
	}
	fmt.Fprintf(w, "Created on the target: %d sessions, %d prompts (the API has no DELETE; listed in %s)\n",
		o.createdSessions, o.createdPrompts, filepath.Join(reportDir, "created.json"))
	fmt.Fprintf(w, "Reports: %s, %s\n", filepath.Join(reportDir, "junit.xml"), filepath.Join(reportDir, "report.json"))
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", o.passed, o.failed, o.skipped)
}

// writeReports writes junit.xml, report.json and created.json; every byte passes redact.
func writeReports(dir string, res suites.Result, redact func(string) string) error {
	report := res.Report
	report.SpecReports = selectedSpecs(report)
	tmp, err := os.MkdirTemp("", "copilotconf-report-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	junit := filepath.Join(tmp, "junit.xml")
	if err := reporters.GenerateJUnitReportWithConfig(report, junit, reporters.JunitReportConfig{
		OmitTimelinesForSpecState: types.SpecStatePassed | types.SpecStateSkipped,
		OmitLeafNodeType:          true,
	}); err != nil {
		return fmt.Errorf("junit.xml: %w", err)
	}
	jsonReport := filepath.Join(tmp, "report.json")
	if err := reporters.GenerateJSONReport(report, jsonReport); err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	created, err := json.MarshalIndent(struct {
		Note    string                 `json:"note"`
		Objects []suites.CreatedObject `json:"objects"`
	}{"Objects this run created on the target. The API has no DELETE: remove them by other means if needed.", nonNil(res.Created)}, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{"created.json": append(created, '\n')}
	for _, name := range []string{"junit.xml", "report.json"} {
		b, err := os.ReadFile(filepath.Join(tmp, name))
		if err != nil {
			return err
		}
		files[name] = b
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(redact(string(files[n]))), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(c []suites.CreatedObject) []suites.CreatedObject {
	if c == nil {
		return []suites.CreatedObject{}
	}
	return c
}
