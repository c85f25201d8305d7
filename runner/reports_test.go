package runner_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/schemas"
	"sigs.k8s.io/yaml"
)

// conformanceReport is the part of conformance-report.json the tests read.
type conformanceReport struct {
	Claim          string               `json:"claim"`
	Unclaimed      []string             `json:"unclaimed"`
	Stopped        string               `json:"stopped"`
	Target         struct{ URL string } `json:"target"`
	Implementation struct {
		Name, Version, URL, Contact string
	} `json:"implementation"`
	Catalog struct {
		Digest string `json:"digest"`
		Specs  int    `json:"specs"`
	} `json:"catalog"`
	Levels []struct {
		Name       string         `json:"name"`
		Claimed    bool           `json:"claimed"`
		Statistics map[string]int `json:"statistics"`
		Failed     []string       `json:"failed"`
		Blocked    []string       `json:"blocked"`
		Skipped    []string       `json:"skipped"`
		NotRun     []string       `json:"notRun"`
	} `json:"levels"`
	Blocked []struct {
		Reason string   `json:"reason"`
		IDs    []string `json:"ids"`
	} `json:"blocked"`
}

// readReport reads conformance-report.json, validates it against the published schema and
// checks that the YAML file holds the same content.
func readReport(t *testing.T, dir string) conformanceReport {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "conformance-report.json"))
	if err != nil {
		t.Fatalf("conformance-report.json: %v", err)
	}
	if err := schemas.Default().Validate(schemas.ConformanceReport, b); err != nil {
		t.Errorf("conformance-report.json does not follow schemas/conformance-report.json:\n%v", err)
	}
	y, err := os.ReadFile(filepath.Join(dir, "conformance-report.yaml"))
	if err != nil {
		t.Fatalf("conformance-report.yaml: %v", err)
	}
	fromYAML, err := yaml.YAMLToJSON(y)
	if err != nil {
		t.Fatalf("conformance-report.yaml does not parse: %v", err)
	}
	var a, c any
	_ = json.Unmarshal(b, &a)
	_ = json.Unmarshal(fromYAML, &c)
	if ab, _ := json.Marshal(a); string(ab) != mustMarshal(c) {
		t.Errorf("conformance-report.yaml and .json differ")
	}
	var rep conformanceReport
	if err := json.Unmarshal(b, &rep); err != nil {
		t.Fatalf("conformance-report.json: %v", err)
	}
	return rep
}

func mustMarshal(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (r conformanceReport) level(name string) (claimed bool, stats map[string]int, failed, blocked []string) {
	for _, l := range r.Levels {
		if l.Name == name {
			return l.Claimed, l.Statistics, l.Failed, l.Blocked
		}
	}
	return false, nil, nil, nil
}

func TestCleanRunWritesEveryReportAndClaimsFull(t *testing.T) {
	dir := t.TempDir()
	summary := filepath.Join(t.TempDir(), "step-summary.md")
	r := copilotconf(t, map[string]string{"GITHUB_STEP_SUMMARY": summary}, "run", "--report-dir", dir,
		"--implementation-name", "Reference", "--implementation-version", "1.2.3",
		"--implementation-url", "https://example.invalid/ref", "--implementation-contact", "team@example.invalid")
	if r.code != 0 {
		t.Fatalf("expected exit 0, got %s", r)
	}
	for _, name := range []string{"junit.xml", "report.json", "created.json", "conformance-report.yaml", "conformance-report.json", "report.html", "summary.md"} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Size() == 0 {
			t.Errorf("%s: missing or empty (%v)", name, err)
		}
	}
	rep := readReport(t, dir)
	if rep.Claim != "full" || len(rep.Unclaimed) != 0 {
		t.Errorf("a clean run claims full, got %q %v", rep.Claim, rep.Unclaimed)
	}
	if rep.Implementation.Name != "Reference" || rep.Implementation.Version != "1.2.3" || rep.Implementation.Contact != "team@example.invalid" {
		t.Errorf("the implementation flags are not in the report: %+v", rep.Implementation)
	}
	if rep.Catalog.Specs != len(specIDs(t)) || !strings.HasPrefix(rep.Catalog.Digest, "sha256:") {
		t.Errorf("catalog: %+v", rep.Catalog)
	}
	if !strings.Contains(r.stdout, "Claim: full") {
		t.Errorf("the console does not state the claim:\n%s", r.stdout)
	}
	if st, _ := os.Stat(filepath.Join(dir, "report.html")); st != nil && st.Size() > 1<<20 {
		t.Errorf("report.html is %d bytes, over 1 MB", st.Size())
	}
	md := readAll(t, filepath.Join(dir, "summary.md"))
	if !strings.Contains(md, "claim `full`") || !strings.Contains(md, "| core |") {
		t.Errorf("summary.md:\n%s", md)
	}
	if step := readAll(t, summary); step != md {
		t.Errorf("$GITHUB_STEP_SUMMARY must receive summary.md:\n%s", step)
	}
	// Two clean runs are the same catalogue and differ in nothing.
	dir2 := t.TempDir()
	if r2 := copilotconf(t, nil, "run", "--report-dir", dir2); r2.code != 0 {
		t.Fatalf("second clean run: %s", r2)
	}
	if d := copilotconf(t, nil, "diff", dir, filepath.Join(dir2, "conformance-report.yaml")); d.code != 0 || !strings.Contains(d.stdout, "no spec changed its outcome") {
		t.Errorf("diff of two clean runs: expected exit 0 and no change, got %s", d)
	}
}

func TestFaultRunGroupsBlockedSpecsUnderTheirRootCause(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--report-dir", dir, "--fault", "create-session-status-200")
	if r.code != 1 {
		t.Fatalf("expected exit 1, got %s", r)
	}
	rep := readReport(t, dir)
	if rep.Claim != "none" {
		t.Errorf("claim: expected none, got %q", rep.Claim)
	}
	if len(rep.Blocked) != 1 || !strings.Contains(rep.Blocked[0].Reason, "create session answered 200 OK") || len(rep.Blocked[0].IDs) < 30 {
		t.Fatalf("expected one root cause, create session answered 200 OK, blocking most specs; got %+v", rep.Blocked)
	}
	want := strconv.Itoa(len(rep.Blocked[0].IDs)) + " blocked by: create session answered 200 OK"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("the console must group the blocked specs (%q):\n%s", want, r.stdout)
	}
	// Only specs that look at a create-session response themselves fail; the rest are blocked.
	for _, level := range []string{"core", "odata", "advisory"} {
		_, _, failed, _ := rep.level(level)
		for _, id := range failed {
			if !strings.HasPrefix(id, "SESS-CREATE-") {
				t.Errorf("%s failed, but only the create-session specs check that response; it should be blocked", id)
			}
		}
	}
	j := readJUnit(t, dir)
	blocked := 0
	for _, c := range j.Suites[0].Cases {
		if c.Error != nil && c.Error.Type == "blocked" {
			blocked++
			if !strings.HasPrefix(c.Error.Message, "blocked by: create session answered 200 OK") {
				t.Errorf("%s: blocked message %q", c.Name, c.Error.Message)
			}
		}
	}
	if blocked != len(rep.Blocked[0].IDs) {
		t.Errorf("junit.xml: %d blocked errors, the report has %d blocked specs", blocked, len(rep.Blocked[0].IDs))
	}
	if lines := strings.Count(r.stdout, "\n"); lines > 80 {
		t.Errorf("the console triage takes %d lines; the full dumps belong in the reports and -v", lines)
	}
	// The faulted run against a clean one: the regressions are named, exit 1.
	clean := t.TempDir()
	if c := copilotconf(t, nil, "run", "--report-dir", clean, "--focus", "SESS-CREATE|SESS-GET"); c.code != 0 {
		t.Fatalf("clean run: %s", c)
	}
	d := copilotconf(t, nil, "diff", clean, dir)
	if d.code != 1 || !regexp.MustCompile(`SESS-CREATE-01\s+regression\s+passed\s+failed`).MatchString(d.stdout) ||
		!regexp.MustCompile(`SESS-GET-01\s+regression\s+passed\s+blocked`).MatchString(d.stdout) || strings.Contains(d.stdout, "PROMPT-") {
		t.Errorf("diff clean faulted: expected exit 1 naming the regressions, got %s", d)
	}
}

func TestReadOnlyRunClaimsOnlyWhatItRan(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--read-only", "--report-dir", dir)
	if r.code != 0 {
		t.Fatalf("expected exit 0, got %s", r)
	}
	rep := readReport(t, dir)
	if rep.Claim != "none" {
		t.Errorf("a read-only run skips core specs; expected claim none, got %q", rep.Claim)
	}
	if len(rep.Unclaimed) == 0 || !strings.Contains(strings.Join(rep.Unclaimed, "\n"), "read-only mode") {
		t.Errorf("the report must say why nothing is claimed: %v", rep.Unclaimed)
	}
}

func TestFilteredRunClaimsNothingItLeftOut(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--label-filter", "core", "--report-dir", dir)
	if r.code != 0 {
		t.Fatalf("expected exit 0, got %s", r)
	}
	rep := readReport(t, dir)
	if rep.Claim != "core" {
		t.Errorf("expected claim core after a core-only run, got %q", rep.Claim)
	}
	if claimed, stats, _, _ := rep.level("odata"); claimed || stats["notSelected"] == 0 {
		t.Errorf("odata was not selected: it cannot be claimed (claimed %v, %v)", claimed, stats)
	}
	if n := len(readJUnit(t, dir).Suites[0].Cases); n != rep.levelTotal("core") {
		t.Errorf("junit.xml: expected one testcase per selected spec (%d), got %d", rep.levelTotal("core"), n)
	}
}

func (r conformanceReport) levelTotal(name string) int {
	_, stats, _, _ := r.level(name)
	return stats["total"]
}

// expectEverySpecReported checks a stopped run: exit 1, every selected spec once in junit.xml
// with the unrun ones skipped (never failed), counts that add up, and no goroutine dump.
func expectEverySpecReported(t *testing.T, dir string, r result, ids []string) {
	t.Helper()
	if r.code != 1 {
		t.Errorf("a stopped run exits 1, got %d", r.code)
	}
	if strings.Contains(r.stdout+r.stderr, "goroutine ") {
		t.Errorf("the console shows a goroutine dump:\n%s", r.stdout)
	}
	j := readJUnit(t, dir)
	if len(j.Suites[0].Cases) != len(ids) {
		t.Errorf("junit.xml: expected all %d selected specs, got %d", len(ids), len(j.Suites[0].Cases))
	}
	notRun := 0
	for _, c := range j.Suites[0].Cases {
		if c.Skipped != nil && strings.HasPrefix(c.Skipped.Message, "not run: ") {
			notRun++
		}
	}
	if notRun == 0 || j.Suites[0].Failures != 0 {
		t.Errorf("junit.xml: expected unrun specs as skipped \"not run\" and no failure, got %d not run, %d failures", notRun, j.Suites[0].Failures)
	}
	m := summaryLine.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no summary line:\n%s", r.stdout)
	}
	sum := 0
	for _, n := range m[1:7] {
		v, _ := strconv.Atoi(n)
		sum += v
	}
	if sum != len(ids) || m[5] == "0" {
		t.Errorf("the counts must add up to the %d selected specs with the unrun ones as not run: %q", len(ids), m[0])
	}
	rep := readReport(t, dir)
	if rep.Claim != "none" || rep.Stopped == "" {
		t.Errorf("a stopped run claims nothing and says why: claim %q, stopped %q", rep.Claim, rep.Stopped)
	}
}

// slowTarget is the reference server taking delay over every request but the preflight; it
// counts the requests after the preflight.
func slowTarget(t *testing.T, token string, delay time.Duration, seen *atomic.Int64) string {
	srv, err := mockserver.New(mockserver.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$top") != "1" {
			seen.Add(1)
			select {
			case <-time.After(delay):
			case <-r.Context().Done():
				return
			}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	return slow.URL
}

// An interrupted run, serial or over workers, stops and still reports every spec.
func TestInterruptedRunReportsEverySpec(t *testing.T) {
	for _, procs := range []string{"1", "4"} {
		t.Run("procs "+procs, func(t *testing.T) { expectInterruptReported(t, procs) })
	}
}

func expectInterruptReported(t *testing.T, procs string) {
	var seen atomic.Int64
	target := slowTarget(t, "slow-token", 2*time.Second, &seen)
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "run", "--target", target, "--token", "slow-token", "--report-dir", dir, "--procs", procs)
	cmd.Env = append(cleanEnv(), childEnv+"=1")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for seen.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("the run did not stop after SIGINT:\n%s", stdout.String())
	}
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	}
	r := result{code: code, stdout: stdout.String(), stderr: stderr.String()}
	if !strings.Contains(r.stdout, "Run stopped: the run was interrupted") {
		t.Errorf("the summary must say the run was interrupted:\n%s", r.stdout)
	}
	expectEverySpecReported(t, dir, r, specIDs(t))
}

func TestPreflightFailureStillLeavesReports(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--target", closedPort(t), "--report-dir", dir)
	if r.code != 3 {
		t.Fatalf("expected exit 3, got %s", r)
	}
	j := readJUnit(t, dir)
	c, ok := junitCaseOf(j.Suites[0].Cases, "PREFLIGHT")
	if !ok || c.Error == nil || !strings.Contains(c.Error.Message, "target unreachable") {
		t.Errorf("junit.xml must hold one error testcase naming the reason, got %+v", c)
	}
	if rep := readReport(t, dir); rep.Claim != "none" || !strings.Contains(rep.Stopped, "preflight failed") {
		t.Errorf("conformance report: claim %q, stopped %q", rep.Claim, rep.Stopped)
	}
}

func TestUsageErrorsLeaveReportsAlone(t *testing.T) {
	var seen atomic.Int64
	target := slowTarget(t, "tok", 0, &seen)
	dir := t.TempDir()
	sentinel := filepath.Join(dir, "junit.xml")
	if err := os.WriteFile(sentinel, []byte("yesterday's report"), 0o644); err != nil {
		t.Fatal(err)
	}
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"empty selection", []string{"--focus", "NO-SUCH-SPEC", "--report-dir", dir}, "no spec matches the selection"},
		{"unknown label", []string{"--label-filter", "advsory", "--report-dir", dir}, `names the label "advsory", which no spec has`},
		{"unknown label in an expression", []string{"--label-filter", "core && !mutatting", "--report-dir", dir}, `"mutatting"`},
		{"unwritable report directory", []string{"--report-dir", filepath.Join(notADir, "reports")}, "report directory"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := copilotconf(t, nil, append([]string{"run", "--target", target, "--token", "tok"}, c.args...)...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("expected exit 2 and one line containing %q, got %s", c.want, r)
			}
		})
	}
	if n := seen.Load(); n != 0 {
		t.Errorf("usage errors must stop before any request; the target saw %d", n)
	}
	if got := readAll(t, sentinel); got != "yesterday's report" {
		t.Errorf("a usage error overwrote junit.xml: %q", got)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("a usage error left files in the report directory: %v", entries)
	}
}

func TestDiffUsage(t *testing.T) {
	for _, args := range [][]string{{"diff"}, {"diff", "one"}, {"diff", t.TempDir(), t.TempDir()}} {
		r := copilotconf(t, nil, args...)
		if r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: expected exit 2 and one line, got %s", args, r)
		}
	}
	if r := copilotconf(t, nil, "--help"); !slices.ContainsFunc(strings.Split(r.stdout, "\n"), func(l string) bool { return strings.Contains(l, "copilotconf diff OLD NEW") }) {
		t.Errorf("--help does not list diff:\n%s", r.stdout)
	}
}
