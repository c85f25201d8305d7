package reports_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copilotconf/copilotconf/reports"
	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/schemas"
)

type junitDoc struct {
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
	Tests    int `xml:"tests,attr"`
	Suite    struct {
		Failures int     `xml:"failures,attr"`
		Package  *string `xml:"package,attr"`
		Props    []struct {
			Name  string `xml:"name,attr"`
			Value string `xml:"value,attr"`
		} `xml:"properties>property"`
		Cases []struct {
			Name    string `xml:"name,attr"`
			Failure *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
				Body    string `xml:",chardata"`
			} `xml:"failure"`
			Error *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"error"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			SystemOut string  `xml:"system-out"`
			SystemErr *string `xml:"system-err"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func junitOf(t *testing.T, run *results.Run) junitDoc {
	t.Helper()
	b, err := reports.JUnit(run)
	if err != nil {
		t.Fatal(err)
	}
	var d junitDoc
	if err := xml.Unmarshal(b, &d); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	return d
}

func TestJUnitCountsWhatFailsTheRun(t *testing.T) {
	run := sampleRun()
	run.Specs = append(run.Specs, results.Spec{ID: "SESS-GET-02", Level: "core", Operation: "get-session", Outcome: results.NotRun, Selected: true, Reason: "never started: the run was interrupted"},
		results.Spec{ID: "SESS-GET-03", Level: "core", Operation: "get-session", Outcome: results.Skipped, Selected: false, Reason: "not selected by --focus x"})
	d := junitOf(t, run)
	if d.Tests != 7 || d.Failures != 1 || d.Errors != 2 || d.Skipped != 2 {
		t.Errorf("tests=%d failures=%d errors=%d skipped=%d; want 7 (selected), 1 (the core failure), 2 (blocked), 2 (skipped, not run)", d.Tests, d.Failures, d.Errors, d.Skipped)
	}
	if d.Suite.Package != nil {
		t.Errorf("the testsuite names the working directory: %q", *d.Suite.Package)
	}
	for _, c := range d.Suite.Cases {
		if c.SystemErr != nil {
			t.Errorf("%s repeats its detail in system-err", c.Name)
		}
		switch {
		case strings.Contains(c.Name, "[SESS-CREATE-01]"):
			if c.Failure == nil || c.Failure.Message != "create session: expected status 201 Created, got 200 OK" || !strings.Contains(c.Failure.Body, "$COPILOTCONF_TOKEN") {
				t.Errorf("failure: %+v", c.Failure)
			}
		case strings.Contains(c.Name, "[SESS-CREATE-10]"):
			if c.Failure != nil || !strings.HasPrefix(c.SystemOut, "WARNING") {
				t.Errorf("an advisory finding without --strict is a warning, not a failure: %+v", c)
			}
		case strings.Contains(c.Name, "[SESS-GET-01]"):
			if c.Error == nil || c.Error.Type != "blocked" || !strings.HasPrefix(c.Error.Message, "blocked by: create session answered 200 OK") {
				t.Errorf("blocked: %+v", c.Error)
			}
		case strings.Contains(c.Name, "[SESS-GET-02]"):
			if c.Skipped == nil || c.Skipped.Message != "not run: never started: the run was interrupted" {
				t.Errorf("not run: %+v", c.Skipped)
			}
		case strings.Contains(c.Name, "[SESS-GET-03]"):
			t.Errorf("a spec the selection left out is listed")
		}
	}
	run.Mode.Strict = true
	if d := junitOf(t, run); d.Failures != 2 {
		t.Errorf("with --strict the advisory finding is a failure: failures=%d", d.Failures)
	}
}

func TestMarkdownSummary(t *testing.T) {
	md := reports.Markdown(sampleRun())
	for _, want := range []string{
		"claim `none`",
		"| core | 1 | 1 | 1 | 0 | 0 | 1 | 0 | no |",
		"**SESS-CREATE-01** returns 201 Created: create session: expected status 201 Created, got 200 OK ([documentation](https://learn.microsoft.com/",
		"**2 blocked by:** create session answered 200 OK",
		"### Warnings (1)",
		`-H "Authorization: Bearer $COPILOTCONF_TOKEN"`,
		"1 passed, 2 failed, 2 blocked, 0 throttled, 0 not run, 1 skipped",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("summary.md lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "<img") {
		t.Errorf("summary.md passes markup from the target through")
	}
}

func TestWriteAndReadBack(t *testing.T) {
	dir := t.TempDir()
	run := sampleRun()
	if err := reports.Write(dir, run, func(s string) string { return s }); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, reports.ConformanceJSON))
	if err != nil {
		t.Fatal(err)
	}
	if err := schemas.Default().Validate(schemas.ConformanceReport, b); err != nil {
		t.Errorf("the conformance report breaks its schema: %v", err)
	}
	for _, path := range []string{dir, filepath.Join(dir, reports.ConformanceYAML)} {
		rep, err := reports.ReadConformanceReport(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if rep.Claim != results.ClaimNone || rep.Outcomes()["SESS-GET-01"] != results.Blocked {
			t.Errorf("%s: read back claim %q and outcomes %v", path, rep.Claim, rep.Outcomes())
		}
	}
	if _, err := reports.ReadConformanceReport(filepath.Join(dir, reports.JUnitFile)); err == nil {
		t.Errorf("junit.xml was read as a conformance report")
	}
}

func TestConformanceReportSchemaRejectsBrokenReports(t *testing.T) {
	b, err := reports.Files(sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	good := string(b[reports.ConformanceJSON])
	for name, bad := range map[string]string{
		"unknown claim":         strings.Replace(good, `"claim": "none"`, `"claim": "everything"`, 1),
		"credentials in target": strings.Replace(good, `"url": "http://127.0.0.1:1"`, `"url": "http://user:pw@127.0.0.1:1"`, 1),
		"missing catalogue":     strings.Replace(good, `"catalog"`, `"katalog"`, 1),
		"negative count":        strings.Replace(good, `"passed": 1,`, `"passed": -1,`, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the replacement did not apply", name)
		}
		if err := schemas.Default().Validate(schemas.ConformanceReport, []byte(bad)); err == nil {
			t.Errorf("%s: the schema accepts it", name)
		}
	}
}
