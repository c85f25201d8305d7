package runner_test

import (
	"encoding/json"
	"encoding/xml"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/testservers"
	"github.com/copilotconf/copilotconf/mockserver"
)

// junitFile is the part of junit.xml the tests read.
type junitFile struct {
	Suites []struct {
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Cases    []junitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

func readJUnit(t *testing.T, dir string) junitFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil {
		t.Fatalf("junit.xml: %v", err)
	}
	var j junitFile
	if err := xml.Unmarshal(b, &j); err != nil {
		t.Fatalf("junit.xml does not parse: %v", err)
	}
	if len(j.Suites) != 1 {
		t.Fatalf("junit.xml: expected 1 testsuite, got %d", len(j.Suites))
	}
	return j
}

type createdFile struct {
	Objects []struct {
		Kind     string `json:"kind"`
		ID       string `json:"id"`
		Name     string `json:"name"`
		PromptID string `json:"promptId"`
		URL      string `json:"url"`
	} `json:"objects"`
}

func readCreated(t *testing.T, dir string) (sessions, prompts int) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "created.json"))
	if err != nil {
		t.Fatalf("created.json: %v", err)
	}
	var c createdFile
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("created.json does not parse: %v", err)
	}
	for _, o := range c.Objects {
		// Each object is listed with its own URL: its collection and its id.
		if !strings.HasSuffix(o.URL, "/"+o.Kind+"s/"+o.ID) || o.ID == "" {
			t.Errorf("created.json: the %s %q is listed with the URL %q, not its own", o.Kind, o.ID, o.URL)
		}
		switch o.Kind {
		case "session":
			sessions++
		case "prompt":
			prompts++
		}
		if o.Kind == "evaluation" { // an evaluation has no name; it is found by its prompt
			if o.ID == "" || o.PromptID == "" {
				t.Errorf("created.json: evaluation %+v lacks an id or its prompt's", o)
			}
			continue
		}
		if o.ID == "" || !strings.HasPrefix(o.Name, "copilotconf ") {
			t.Errorf("created.json: object %+v lacks an id or the run's name prefix", o)
		}
	}
	return sessions, prompts
}

// specCount asks the command how many specs there are.
func specIDs(t *testing.T) []string {
	t.Helper()
	r := copilotconf(t, nil, "specs", "--json")
	if r.code != 0 {
		t.Fatalf("specs --json: %s", r)
	}
	var specs []struct {
		ID     string   `json:"id"`
		Labels []string `json:"labels"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &specs); err != nil {
		t.Fatalf("specs --json output does not parse: %v", err)
	}
	ids := make([]string, len(specs))
	for i, s := range specs {
		ids[i] = s.ID
	}
	return ids
}

// summaryLine is the closing line of the console summary.
var summaryLine = regexp.MustCompile(`(?m)^(\d+) passed, (\d+) failed, (\d+) blocked, (\d+) throttled, (\d+) not run, (\d+) skipped(?: \((\d+) not selected\))?$`)

func TestRunAgainstEmbeddedServerPasses(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--report-dir", dir)
	if r.code != 0 {
		t.Fatalf("expected exit 0 against the embedded server, got %s", r)
	}
	ids := specIDs(t)
	m := summaryLine.FindStringSubmatch(r.stdout)
	if m == nil || m[0] != strconv.Itoa(len(ids))+" passed, 0 failed, 0 blocked, 0 throttled, 0 not run, 0 skipped" {
		t.Fatalf("expected the summary %q, got %q", strconv.Itoa(len(ids))+" passed, 0 failed, 0 blocked, 0 throttled, 0 not run, 0 skipped", m)
	}
	j := readJUnit(t, dir)
	if got := len(j.Suites[0].Cases); got != len(ids) {
		t.Errorf("junit.xml: expected one testcase per spec (%d), got %d", len(ids), got)
	}
	for _, id := range ids {
		found := false
		for _, c := range j.Suites[0].Cases {
			if strings.Contains(c.Name, "["+id+"]") {
				found = true
			}
		}
		if !found {
			t.Errorf("junit.xml: no testcase for %s", id)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "report.json")); err != nil {
		t.Errorf("report.json: %v", err)
	}
	sessions, prompts := readCreated(t, dir)
	if sessions == 0 || sessions > 5 || prompts == 0 || prompts > 10 {
		t.Errorf("a full run may create 1-5 sessions and 1-10 prompts, created %d and %d", sessions, prompts)
	}
	if !strings.Contains(r.stdout, "Created on the target: "+strconv.Itoa(sessions)+" sessions, "+strconv.Itoa(prompts)+" prompts") {
		t.Errorf("the summary does not report the created objects:\n%s", r.stdout)
	}
}

func TestReadOnlySelectionWritesNothing(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--report-dir", dir, "--label-filter", "!mutating")
	if r.code != 0 {
		t.Fatalf("expected exit 0, got %s", r)
	}
	if s, p := readCreated(t, dir); s+p != 0 {
		t.Errorf("--label-filter '!mutating' created %d sessions and %d prompts", s, p)
	}
	for _, c := range readJUnit(t, dir).Suites[0].Cases {
		if strings.Contains(c.Name, "mutating") {
			t.Errorf("junit.xml lists the unselected spec %q", c.Name)
		}
	}
}

func TestFocusSelectsOneSpec(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--report-dir", dir, "--focus", `\[SESS-GET-02\]`)
	if r.code != 0 {
		t.Fatalf("expected exit 0, got %s", r)
	}
	if cases := readJUnit(t, dir).Suites[0].Cases; len(cases) != 1 || !strings.Contains(cases[0].Name, "SESS-GET-02") {
		t.Errorf("expected exactly the focused spec in junit.xml, got %+v", cases)
	}
	if !strings.Contains(r.stdout, "1 passed, 0 failed, 0 blocked, 0 throttled, 0 not run, 0 skipped ("+strconv.Itoa(len(specIDs(t))-1)+" not selected)") {
		t.Errorf("summary:\n%s", r.stdout)
	}
}

// lenientTarget is the reference server accepting any token, so that the wrong-token checks
// fail, behind a wrapper that can break more rules.
func lenientTarget(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv, err := mockserver.New(mockserver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(h)
	}
	return serveOnLoopback(t, h)
}

// serveOnLoopback serves h on 127.0.0.1 until the test ends and returns its URL.
func serveOnLoopback(t *testing.T, h http.Handler) string {
	t.Helper()
	return testservers.Loopback(t, h)
}

func TestFailuresExplainThemselves(t *testing.T) {
	dir := t.TempDir()
	const token = "canary-token-3f9c2a"
	r := copilotconf(t, map[string]string{"COPILOTCONF_TOKEN": token}, "run",
		"--target", lenientTarget(t, nil), "--report-dir", dir, "--focus", "PROTO-AUTH")
	if r.code != 1 {
		t.Fatalf("expected exit 1 (wrong tokens are accepted), got %s", r)
	}
	j := readJUnit(t, dir)
	if n := len(api.Operations()); j.Suites[0].Failures != n {
		t.Errorf("expected the %d PROTO-AUTH specs to fail, got %d failures", n, j.Suites[0].Failures)
	}
	for _, c := range j.Suites[0].Cases {
		if c.Failure == nil {
			t.Errorf("%s: expected a <failure>", c.Name)
			continue
		}
		if !strings.Contains(c.Failure.Message, "expected status 401 Unauthorized, got") || strings.Contains(c.Failure.Message, "\n") {
			t.Errorf("%s: the message attribute must be the first problem on one line, got %q", c.Name, c.Failure.Message)
		}
		for _, want := range []string{"[PROTO-AUTH-", "documentation: https://", "expected status 401 Unauthorized, got", "--> GET", "<-- ", "Authorization: Bearer [REDACTED]", "curl -sS -i "} {
			if !strings.Contains(c.Failure.Text, want) && !(want == "--> GET" && strings.Contains(c.Failure.Text, "--> P")) {
				t.Errorf("%s: the failure text lacks %q:\n%s", c.Name, want, c.Failure.Text)
			}
		}
	}
	assertNoSecretAnywhere(t, token, dir, r)
}

// withoutLocation drops the Location header: an advisory rule broken.
func withoutLocation(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(headerDropper{w, "Location"}, r)
	})
}

type headerDropper struct {
	http.ResponseWriter
	name string
}

func (h headerDropper) WriteHeader(status int) {
	h.Header().Del(h.name)
	h.ResponseWriter.WriteHeader(status)
}

func TestAdvisoryFailuresFailOnlyWithStrict(t *testing.T) {
	target := lenientTarget(t, withoutLocation)
	args := []string{"run", "--target", target, "--token", "any", "--focus", "SESS-CREATE-10|SESS-CREATE-01"}
	dir := t.TempDir()
	r := copilotconf(t, nil, append(args, "--report-dir", dir)...)
	if r.code != 0 {
		t.Fatalf("an advisory failure alone must not fail the run, got %s", r)
	}
	if !strings.Contains(r.stdout, "Warnings (1") || !strings.Contains(r.stdout, "SESS-CREATE-10") || !strings.Contains(r.stdout, "1 passed, 1 failed, 0 blocked") {
		t.Errorf("the summary does not list the advisory failure as a warning:\n%s", r.stdout)
	}
	j := readJUnit(t, dir)
	if j.Suites[0].Failures != 0 {
		t.Errorf("junit.xml: an advisory finding that does not fail the run must not be a <failure>, got failures=%d", j.Suites[0].Failures)
	}
	if c, _ := junitCaseOf(j.Suites[0].Cases, "SESS-CREATE-10"); c.Failure != nil || !strings.Contains(c.SystemOut, "WARNING") {
		t.Errorf("junit.xml: SESS-CREATE-10 must be a warning in system-out, got %+v", c)
	}
	dir = t.TempDir()
	r = copilotconf(t, nil, append(args, "--strict", "--report-dir", dir)...)
	if r.code != 1 {
		t.Fatalf("with --strict an advisory failure fails the run, got %s", r)
	}
	if j := readJUnit(t, dir); j.Suites[0].Failures != 1 {
		t.Errorf("junit.xml with --strict: expected failures=1, got %d", j.Suites[0].Failures)
	}
}

func TestTargetProblemsExitThree(t *testing.T) {
	closed := closedPort(t)
	guarded, err := mockserver.Listen("127.0.0.1:0", mockserver.Options{Token: "right-token"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = guarded.Shutdown(t.Context()) })
	cases := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"closed port", nil, []string{"--target", closed}, "target unreachable: "},
		{"closed port from the environment", map[string]string{"COPILOTCONF_TARGET": closed}, nil, "target unreachable: "},
		{"wrong token", nil, []string{"--target", guarded.URL(), "--token", "wrong-token"}, "credentials rejected: 401 InvalidAuthenticationToken"},
		{"wrong token from the environment", map[string]string{"COPILOTCONF_TOKEN": "wrong-token"}, []string{"--target", guarded.URL()}, "credentials rejected: 401"},
		{"no token", nil, []string{"--target", guarded.URL()}, "credentials rejected: 401"},
		{"unknown workspace", map[string]string{"COPILOTCONF_WORKSPACE": "nope"}, []string{"--target", guarded.URL(), "--token", "right-token"}, `workspace "nope" not found`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := copilotconf(t, c.env, append([]string{"run", "--report-dir", t.TempDir()}, c.args...)...)
			if r.code != 3 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("expected exit 3 and one line containing %q, got %s", c.want, r)
			}
			if strings.Contains(r.stderr, "right-token") || strings.Contains(r.stderr, "wrong-token") {
				t.Errorf("the message shows a token: %s", r.stderr)
			}
		})
	}
}

func TestFlagsWinOverEnvironment(t *testing.T) {
	guarded, err := mockserver.Listen("127.0.0.1:0", mockserver.Options{Token: "right-token"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = guarded.Shutdown(t.Context()) })
	env := map[string]string{"COPILOTCONF_TARGET": closedPort(t), "COPILOTCONF_TOKEN": "wrong-token", "COPILOTCONF_WORKSPACE": "nope"}
	r := copilotconf(t, env, "run", "--target", guarded.URL(), "--token", "right-token", "--workspace", "default",
		"--focus", `\[SESS-GET-02\]`, "--report-dir", t.TempDir())
	if r.code != 0 {
		t.Fatalf("expected the flags to override the environment and the run to pass, got %s", r)
	}
}

func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func TestUsageErrorsExitTwo(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"run", "--no-such-flag"}, "flag provided but not defined"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"relative target", []string{"run", "--target", "graph.microsoft.com/beta"}, "invalid --target"},
		{"target with a query", []string{"run", "--target", "http://127.0.0.1:1/?a=b"}, "invalid --target"},
		{"bad label filter", []string{"run", "--label-filter", "core &&"}, "invalid --label-filter"},
		{"bad focus", []string{"run", "--focus", "("}, "invalid --focus"},
		{"negative timeout", []string{"run", "--timeout", "-1s"}, "--timeout must be positive"},
		{"bad duration", []string{"run", "--request-timeout", "soon"}, "invalid value"},
		{"argument to run", []string{"run", "http://127.0.0.1:1"}, "run takes no arguments"},
		{"nothing selected", []string{"run", "--focus", "NO-SUCH-SPEC"}, "no spec matches the selection"},
		{"validate without kind", []string{"validate", "x.json"}, "validate needs --kind"},
		{"validate unknown kind", []string{"validate", "--kind", "tenant", "x.json"}, "tenant"},
		{"validate without files", []string{"validate", "--kind", "session"}, "at least one FILE"},
		{"validate missing file", []string{"validate", "--kind", "session", "does-not-exist.json"}, "cannot read does-not-exist.json"},
		{"serve bad address", []string{"serve", "--addr", "nonsense"}, "invalid --addr"},
		{"serve negative latency", []string{"serve", "--latency", "-1s"}, "--latency must not be negative"},
		{"serve negative evaluation delay", []string{"serve", "--evaluation-run", "-1s"}, "--evaluation-run must not be negative"},
		{"run zero evaluation timeout", []string{"run", "--evaluation-timeout", "0s"}, "--evaluation-timeout must be positive"},
		{"specs argument", []string{"specs", "extra"}, "specs takes no arguments"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := copilotconf(t, nil, c.args...)
			if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("expected exit 2 and one line containing %q, got %s", c.want, r)
			}
		})
	}
}

func TestHelpListsExitCodes(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"run", "--help"}} {
		r := copilotconf(t, nil, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Exit codes:") || !strings.Contains(r.stdout, "3  the target is unreachable") {
			t.Errorf("%v: expected exit 0 and the exit codes, got %s", args, r)
		}
	}
	r := copilotconf(t, nil, "run", "--help")
	for _, want := range []string{"--target", "--workspace", "--token", "--report-dir", "--label-filter", "--focus", "--skip", "--strict", "COPILOTCONF_TARGET"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("run --help does not mention %s", want)
		}
	}
}

func TestVersion(t *testing.T) {
	r := copilotconf(t, nil, "version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "copilotconf ") {
		t.Errorf("version: %s", r)
	}
}

// TestPreflightReadsTheWholeAnswer: a target whose first answer cannot be read, is not JSON,
// or never comes, and a --session-id the target lacks, stop the run with exit 3 and one line;
// a silent target costs one request timeout, not a retry more.
func TestPreflightReadsTheWholeAnswer(t *testing.T) {
	var hung atomic.Int64
	silent := startLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		<-r.Context().Done()
	}))
	trickle := startLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{"))
		flush(w)
		<-r.Context().Done()
	}))
	html := startLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = w.Write([]byte("<html><body>Welcome</body></html>"))
	}))
	cases := []struct {
		name, target string
		args         []string
		want         string
	}{
		{"never answers", silent.URL, nil, "target unreachable: "},
		{"body never ends", trickle.URL, nil, "target unhealthy: list sessions answered 200 but its body could not be read"},
		{"an HTML page", html.URL, nil, "list sessions answered 200 with a body that is not a JSON object"},
		{"unknown --session-id", lenientTarget(t, nil), []string{"--read-only", "--session-id", "no-such-session"}, `session "no-such-session" not found (--session-id): 404`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			r := copilotconf(t, nil, append([]string{"run", "--target", c.target, "--token", "tok", "--request-timeout", "1s", "--report-dir", dir}, c.args...)...)
			if r.code != 3 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("expected exit 3 and one line containing %q, got %s", c.want, r)
			}
			if j := readJUnit(t, dir); len(j.Suites[0].Cases) == 0 || !strings.Contains(j.Suites[0].Cases[0].Name, "PREFLIGHT") {
				t.Errorf("junit.xml must name the preflight failure")
			}
		})
	}
	if n := hung.Load(); n != 1 {
		t.Errorf("a target that never answers got %d requests; a timed-out preflight is not repeated", n)
	}
}
