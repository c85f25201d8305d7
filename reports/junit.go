package reports

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"

	"github.com/copilotconf/copilotconf/results"
)

// The JUnit document, as CI tools (GitHub, GitLab, Azure Pipelines, Jenkins) read it.
type junitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	junitCounts
	Suites []junitSuite `xml:"testsuite"`
}

// junitCounts are the attributes testsuites and testsuite share.
type junitCounts struct {
	Name     string  `xml:"name,attr"`
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Time     float64 `xml:"time,attr"`
}

type junitSuite struct {
	junitCounts
	Timestamp  string          `xml:"timestamp,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string `xml:"name,attr"`
	Classname string `xml:"classname,attr"`
	// File and Line point CI annotations at the suite line: the failing check, or the spec.
	File       string          `xml:"file,attr,omitempty"`
	Line       int             `xml:"line,attr,omitempty"`
	Time       float64         `xml:"time,attr"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Failure    *junitProblem   `xml:"failure"`
	Error      *junitProblem   `xml:"error"`
	Skipped    *junitSkipped   `xml:"skipped"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Body    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// JUnit renders the run as JUnit XML, one testcase per selected spec. failures counts exactly the specs that fail the run
// by their own checks; blocked and throttled specs are errors (nothing was verified); skipped
// and unrun specs are skipped with their reason; an advisory failure that does not fail the
// run is a warning: a property and the detail in system-out.
func JUnit(run *results.Run) ([]byte, error) {
	suite := junitSuite{
		junitCounts: junitCounts{Name: "copilotconf", Time: run.Finished.Sub(run.Started).Seconds()},
		Timestamp:   run.Started.UTC().Format("2006-01-02T15:04:05"),
		Properties: []junitProperty{
			{"copilotconf.version", run.Tool.Version},
			{"copilotconf.runId", run.RunID},
			{"copilotconf.target", run.Target.URL},
			{"copilotconf.workspace", run.Target.Workspace},
			{"copilotconf.auth", run.Target.Auth},
			{"copilotconf.readOnly", fmt.Sprint(run.Mode.ReadOnly)},
			{"copilotconf.strict", fmt.Sprint(run.Mode.Strict)},
			{"copilotconf.tlsVerification", fmt.Sprint(run.Target.TLSVerification)},
			{"copilotconf.proxy", run.Target.Proxy},
			{"copilotconf.catalogDigest", run.CatalogDigest()},
			{"copilotconf.claim", string(run.Claim())},
			{"copilotconf.warnings", fmt.Sprint(run.Count(nil).Warnings)},
		},
	}
	if run.Stopped != "" {
		suite.Properties = append(suite.Properties, junitProperty{"copilotconf.stopped", run.Stopped})
	}
	if run.Preflight != "" {
		suite.Cases = append(suite.Cases, junitCase{Name: "[PREFLIGHT] the target answers a list of one session before any spec runs",
			Classname: "copilotconf.preflight", Error: &junitProblem{Message: oneLine(run.Preflight), Type: "preflight", Body: run.Preflight}})
	}
	for _, s := range run.Specs {
		if s.Selected {
			suite.Cases = append(suite.Cases, junitCaseOf(run, s))
		}
	}
	for _, c := range suite.Cases {
		suite.Tests++
		switch {
		case c.Failure != nil:
			suite.Failures++
		case c.Error != nil:
			suite.Errors++
		case c.Skipped != nil:
			suite.Skipped++
		}
	}
	doc := junitSuites{junitCounts: suite.junitCounts, Suites: []junitSuite{suite}}
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append([]byte(xml.Header), append(b, '\n')...), nil
}

func junitCaseOf(run *results.Run, s results.Spec) junitCase {
	c := junitCase{Name: title(s), Classname: "copilotconf." + s.Operation, Time: s.Duration,
		Properties: []junitProperty{{"level", s.Level}, {"doc", s.Doc}}}
	if s.Location != "" {
		c.Properties = append(c.Properties, junitProperty{"location", s.Location})
		c.File, c.Line = splitLocation(s.Location)
	}
	if s.FailureLocation != "" {
		c.Properties = append(c.Properties, junitProperty{"failureLocation", s.FailureLocation})
		c.File, c.Line = splitLocation(s.FailureLocation)
	}
	switch s.Outcome {
	case results.Failed:
		if run.Warning(s) {
			c.Properties = append(c.Properties, junitProperty{"copilotconf.warning", oneLine(s.Reason)})
			c.SystemOut = "WARNING (advisory; fails the run only with --strict)\n\n" + detail(s)
			break
		}
		c.Failure = &junitProblem{Message: oneLine(s.Reason), Type: "failed", Body: detail(s)}
	case results.Blocked:
		c.Error = &junitProblem{Message: "blocked by: " + oneLine(s.Reason), Type: "blocked", Body: detail(s)}
	case results.Throttled:
		c.Error = &junitProblem{Message: oneLine(s.Reason), Type: "throttled", Body: detail(s)}
	case results.NotRun:
		c.Skipped = &junitSkipped{Message: "not run: " + oneLine(s.Reason)}
	case results.Skipped:
		c.Skipped = &junitSkipped{Message: oneLine(s.Reason)}
	}
	return c
}

// detail is the whole text of a failure: the message, then the reproducers.
func detail(s results.Spec) string {
	var b strings.Builder
	msg := s.Message
	if msg == "" {
		msg = title(s) + "\n" + strings.Join(s.Problems, "\n")
	}
	b.WriteString(strings.TrimRight(msg, "\n"))
	b.WriteString("\n")
	if s.Cause != nil {
		fmt.Fprintf(&b, "\nblocked by: %s\n  object: %s\n  step: %s", s.Cause.Summary, s.Cause.Object, s.Cause.Step)
		if s.Cause.Spec != "" {
			fmt.Fprintf(&b, " (during %s)", s.Cause.Spec)
		}
		b.WriteString("\n")
	}
	if cmds := reproducers(s); len(cmds) > 0 {
		fmt.Fprintf(&b, "\n%s\n", curlNote)
		for _, cmd := range cmds {
			fmt.Fprintf(&b, "%s\n", cmd)
		}
	}
	return b.String()
}

// splitLocation splits "file:line".
func splitLocation(loc string) (string, int) {
	i := strings.LastIndexByte(loc, ':')
	if i < 0 {
		return loc, 0
	}
	n, _ := strconv.Atoi(loc[i+1:])
	return loc[:i], n
}
