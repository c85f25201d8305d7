package runner

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/internal/httpclient"
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
	blocking, advisory, throttled         []specResult
	stats                                 httpclient.Stats
	createdSessions, createdPrompts       int
	suiteSucceeded, interrupted, timedOut bool
	notRun                                int // selected specs the run never reached (timeout, interrupt)
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
		case s.State.Is(types.SpecStateFailureStates) && isThrottled(s):
			r.failed = true
			o.failed++
			o.throttled = append(o.throttled, r)
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
	if willRun := res.Report.PreRunStats.SpecsThatWillRun; willRun > o.selected {
		o.notRun = willRun - o.selected
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

// isThrottled reports whether a spec ended because the target kept throttling it.
func isThrottled(s types.SpecReport) bool {
	for _, e := range s.ReportEntries {
		if e.Name == suites.ThrottledEntry {
			return true
		}
	}
	return false
}

func (o outcome) exitCode() int {
	if len(o.blocking) > 0 || len(o.throttled) > 0 || o.interrupted || o.timedOut {
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

func printSummary(w io.Writer, o outcome, info runInfo, reportDir string) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "copilotconf summary")
	list := func(title string, rs []specResult) {
		if len(rs) == 0 {
			return
		}
		fmt.Fprintf(w, title+"\n", len(rs))
		for _, r := range rs {
			fmt.Fprintf(w, "  %s [%s] %s\n", r.id, r.level, strings.TrimSpace(strings.TrimPrefix(r.text, "["+r.id+"]")))
		}
	}
	list("Failed (%d):", o.blocking)
	list("Advisory failures (%d; they fail the run only with --strict):", o.advisory)
	list("Throttled (%d; the target kept answering 429/503, so these have no conformance verdict):", o.throttled)
	for _, reason := range o.specialFailures {
		fmt.Fprintf(w, "Run stopped: %s\n", reason)
	}
	if o.notRun > 0 {
		fmt.Fprintf(w, "%d selected specs did not run because the run stopped\n", o.notRun)
	}
	fmt.Fprintf(w, "Throttling: %d responses were 429/503 and retried; %d specs gave up (throttled)\n", o.stats.Throttled, len(o.throttled))
	if info.readOnly {
		fmt.Fprintln(w, "Read-only mode: nothing was written")
	}
	if info.insecure {
		fmt.Fprintln(w, "TLS certificate verification was OFF (--insecure-skip-tls-verify)")
	}
	if info.proxy != "" {
		fmt.Fprintf(w, "Requests went through the proxy %s\n", info.proxy)
	}
	fmt.Fprintf(w, "Created on the target: %d sessions, %d prompts (the API has no DELETE; listed in %s)\n",
		o.createdSessions, o.createdPrompts, filepath.Join(reportDir, "created.json"))
	fmt.Fprintf(w, "Reports: %s, %s\n", filepath.Join(reportDir, "junit.xml"), filepath.Join(reportDir, "report.json"))
	fmt.Fprintf(w, "%d passed, %d failed, %d skipped\n", o.passed, o.failed, o.skipped)
}

// writeReports writes junit.xml, report.json and created.json; every byte passes redact.
func writeReports(dir string, res suites.Result, info runInfo, redact func(string) string) error {
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
	if err := annotateJUnit(junit, report, info); err != nil {
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

// annotateJUnit records how the run was made as suite properties, and turns the failures of
// throttled specs into errors of type "throttled", so that CI tells them from conformance failures.
func annotateJUnit(path string, report types.Report, info runInfo) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var suitesXML reporters.JUnitTestSuites
	if err := xml.Unmarshal(b, &suitesXML); err != nil {
		return err
	}
	throttled := map[string]bool{}
	for _, s := range report.SpecReports {
		if isThrottled(s) {
			throttled[specID(s.LeafNodeText)] = true
		}
	}
	for i := range suitesXML.TestSuites {
		ts := &suitesXML.TestSuites[i]
		ts.Properties.Properties = append(ts.Properties.Properties,
			reporters.JUnitProperty{Name: "copilotconf.runId", Value: info.runID},
			reporters.JUnitProperty{Name: "copilotconf.target", Value: info.target},
			reporters.JUnitProperty{Name: "copilotconf.workspace", Value: info.workspace},
			reporters.JUnitProperty{Name: "copilotconf.auth", Value: info.auth},
			reporters.JUnitProperty{Name: "copilotconf.readOnly", Value: fmt.Sprint(info.readOnly)},
			reporters.JUnitProperty{Name: "copilotconf.tlsVerification", Value: fmt.Sprint(!info.insecure)},
			reporters.JUnitProperty{Name: "copilotconf.proxy", Value: info.proxy},
		)
		for j := range ts.TestCases {
			tc := &ts.TestCases[j]
			if tc.Failure == nil || !throttled[idInName(tc.Name)] {
				continue
			}
			tc.Error = &reporters.JUnitError{Message: tc.Failure.Message, Type: "throttled", Description: tc.Failure.Description}
			tc.Failure = nil
			ts.Failures--
			ts.Errors++
			suitesXML.Failures--
			suitesXML.Errors++
		}
	}
	out, err := xml.MarshalIndent(suitesXML, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append([]byte(xml.Header), append(out, '\n')...), 0o644)
}

// idInName finds the spec ID in a JUnit testcase name ("List sessions [SESS-LIST-01] ...").
func idInName(name string) string {
	if i := strings.Index(name, "["); i >= 0 {
		return specID(name[i:])
	}
	return ""
}
