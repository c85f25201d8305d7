package runner_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/fixtures"
	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/suites"
)

func TestValidateAcceptsEveryDocumentedExample(t *testing.T) {
	kinds := map[string]string{
		"list-sessions.response.json": "session-collection", "create-session.response.json": "session",
		"get-session.response.json": "session", "update-session.response.json": "session",
		"list-prompts.response.json": "prompt-collection", "create-prompt.response.json": "prompt",
		"get-prompt.response.json": "prompt", "error-bad-request.response.json": "error",
		"error-expand-not-supported.response.json": "error", "error-invalid-range.response.json": "error",
		"error-too-many-requests.response.json": "error",
	}
	dir := t.TempDir()
	for name, kind := range kinds {
		body, err := fixtures.Example(name)
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, body, 0o644); err != nil {
			t.Fatal(err)
		}
		r := copilotconf(t, nil, "validate", "--kind", kind, path)
		if r.code != 0 || !strings.Contains(r.stdout, "valid "+kind) {
			t.Errorf("%s as %s: expected exit 0, got %s", name, kind, r)
		}
	}
}

func TestValidateRejectsEveryInvalidFixtureWithItsPointer(t *testing.T) {
	docs, err := fixtures.InvalidDocuments()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range docs {
		path := filepath.Join(dir, d.File)
		if err := os.WriteFile(path, d.Body, 0o644); err != nil {
			t.Fatal(err)
		}
		r := copilotconf(t, nil, "validate", "--kind", d.Kind, path)
		pointer := d.Pointer
		if pointer == "" {
			pointer = "/"
		}
		if r.code != 1 || !strings.Contains(r.stdout, path+": "+pointer+": ") {
			t.Errorf("%s (%s): expected exit 1 and a line %q, got %s", d.File, d.Defect, path+": "+pointer+": …", r)
		}
	}
}

func TestValidateNotJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(path, []byte("<html>oops</html>"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := copilotconf(t, nil, "validate", "--kind", "session", path); r.code != 1 || !strings.Contains(r.stdout, path+":1:1: not JSON: invalid character '<'") {
		t.Errorf("expected exit 1 and a line for the file, got %s", r)
	}
}

func TestSpecsListsEverySpecOnce(t *testing.T) {
	r := copilotconf(t, nil, "specs", "--json")
	var specs []struct {
		ID          string   `json:"id"`
		Requirement string   `json:"requirement"`
		Doc         string   `json:"doc"`
		Labels      []string `json:"labels"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &specs); err != nil || r.code != 0 {
		t.Fatalf("specs --json: %v, %s", err, r)
	}
	levels := map[string]bool{"core": true, "odata": true, "advisory": true}
	ops := map[string]bool{}
	for _, op := range api.Operations() {
		ops[op.Name] = true
	}
	for _, topic := range suites.Topics {
		ops[topic] = true
	}
	seen := map[string]bool{}
	for _, s := range specs {
		if seen[s.ID] {
			t.Errorf("spec ID %s listed twice", s.ID)
		}
		seen[s.ID] = true
		var nLevel, nOp int
		for _, l := range s.Labels {
			if levels[l] {
				nLevel++
			}
			if ops[l] {
				nOp++
			}
		}
		if nLevel != 1 || nOp != 1 || s.Requirement == "" || !strings.HasPrefix(s.Doc, "https://") {
			t.Errorf("spec %s: expected one level label, one operation label, a requirement and a doc page, got %+v", s.ID, s)
		}
	}
	table := copilotconf(t, nil, "specs")
	if table.code != 0 || !strings.HasPrefix(table.stdout, "ID ") || strings.Count(table.stdout, "\n") != len(specs)+2 {
		t.Errorf("specs table: expected a header, %d rows and a count, got %s", len(specs), table)
	}
}

// startServe starts `copilotconf serve` on a free address with args, waits until it announces
// that address, and returns the address, the command and the rest of its output.
func startServe(t *testing.T, args ...string) (string, *exec.Cmd, *bufio.Scanner) {
	t.Helper()
	addr, cmd, lines, _ := startServeWith(t, nil, args...)
	return addr, cmd, lines
}

// startServeWith is startServe with environment variables, also returning what the server
// writes on standard error.
func startServeWith(t *testing.T, env map[string]string, args ...string) (string, *exec.Cmd, *bufio.Scanner, *lockedBuffer) {
	t.Helper()
	addr := freeAddr(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0], append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Env = append(cleanEnv(), childEnv+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	if !lines.Scan() || !strings.Contains(lines.Text(), "listening on http://"+addr) {
		t.Fatalf("serve did not announce its address: %q", lines.Text())
	}
	return addr, cmd, lines, stderr
}

// lockedBuffer is a bytes.Buffer a command writes to while a test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServeAnswersUntilSignalled(t *testing.T) {
	addr, cmd, lines := startServe(t, "--token", "serve-token")
	url := "http://" + addr + "/security/securityCopilot/workspaces/default/sessions"
	for token, want := range map[string]int{"": 401, "other": 401, "serve-token": 200} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("token %q: expected %d, got %d", token, want, resp.StatusCode)
		}
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	rest := ""
	for lines.Scan() {
		rest += lines.Text() + "\n"
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("serve did not exit cleanly on SIGTERM: %v", err)
	}
	if !strings.Contains(rest, "stopped") {
		t.Errorf("serve did not say it stopped: %q", rest)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func TestFaultFlags(t *testing.T) {
	r := copilotconf(t, nil, "serve", "--list-faults")
	if n := len(mockserver.Faults()); r.code != 0 || !strings.Contains(r.stdout, strconv.Itoa(n)+" faults") || !strings.Contains(r.stdout, "nextlink-endless") {
		t.Errorf("serve --list-faults: expected the %d faults, got %s", n, r)
	}
	for _, args := range [][]string{
		{"run", "--fault", "no-such-fault"},
		{"serve", "--addr", "127.0.0.1:0", "--fault", "no-such-fault"},
		{"run", "--fault", "top-ignored", "--target", "http://127.0.0.1:1"},
		{"mutation", "--fault", "no-such-fault"},
	} {
		if r := copilotconf(t, nil, args...); r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: expected exit 2 with one line, got %s", args, r)
		}
	}
}

func TestValidateRealFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	session := `{"id":"s1","displayName":"a","createdDateTime":"2025-10-22T20:10:54.4940649Z","lastModifiedDateTime":"2025-10-22T20:10:54.4940649Z"}`
	bom := write("bom.json", "\xef\xbb\xbf"+session)
	digits := write("digits.json", strings.Replace(session, "54.4940649Z", "54.1234567890123Z", 1))
	dup := write("dup.json", "{\n  \"id\": \"s1\",\n  \"id\": \"s2\"\n}")
	missing := filepath.Join(dir, "missing.json")

	r := copilotconf(t, nil, "validate", "--kind", "session", bom)
	if r.code != 0 || !strings.Contains(r.stdout, "bom.json: valid session") {
		t.Errorf("a byte order mark at the start of a file is accepted: %s", r)
	}
	r = copilotconf(t, nil, "validate", "--kind", "session", digits, dup, bom)
	if r.code != 1 ||
		!strings.Contains(r.stdout, "digits.json: /createdDateTime: '2025-10-22T20:10:54.1234567890123Z' has more than 12 fractional-second digits") ||
		!strings.Contains(r.stdout, `dup.json:3:3: not JSON: duplicate member name "id"`) ||
		!strings.Contains(r.stdout, "bom.json: valid session") {
		t.Errorf("expected exit 1, the 13 digits at their pointer, the duplicate with line and column, and the valid file: %s", r)
	}
	r = copilotconf(t, nil, "validate", "--kind", "session", missing, digits, bom)
	if r.code != 2 || !strings.Contains(r.stdout, "missing.json: cannot read") || !strings.Contains(r.stdout, "digits.json: /createdDateTime") ||
		!strings.Contains(r.stdout, "bom.json: valid session") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("a missing file must not stop the others; expected exit 2 and every file reported: %s", r)
	}
}

// TestServeEvaluationFlow follows the documented flow with a plain HTTP client against
// `copilotconf serve`: session, prompt, evaluation {}, then polls until the evaluation is final;
// the markers the help documents choose how it ends.
func TestServeEvaluationFlow(t *testing.T) {
	help := copilotconf(t, nil, "serve", "--help")
	for _, marker := range []string{"[fail]", "[cancel]", "--evaluation-start", "--evaluation-run"} {
		if !strings.Contains(help.stdout+help.stderr, marker) {
			t.Errorf("serve --help does not document %s", marker)
		}
	}
	addr, cmd, _ := startServe(t, "--token", "t", "--evaluation-start", "50ms", "--evaluation-run", "100ms")
	defer func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() }()
	root := "http://" + addr + "/security/securityCopilot/workspaces/default"
	call := func(method, url, body string) map[string]any {
		t.Helper()
		resp, b, _ := send(t, method, url, "t", body)
		var obj map[string]any
		if err := json.Unmarshal(b, &obj); err != nil || resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %s %v", method, url, resp.StatusCode, b, err)
		}
		return obj
	}
	for _, c := range []struct{ content, final, resultType string }{
		{"who am I", "completed", "success"},
		{"please [fail]", "completed", "error"},
		{"please [cancel]", "cancelled", ""},
	} {
		t.Run(c.content, func(t *testing.T) {
			s := call(http.MethodPost, root+"/sessions", `{"displayName":"flow"}`)["id"].(string)
			p := call(http.MethodPost, root+"/sessions/"+s+"/prompts", `{"type":"prompt","content":"`+c.content+`"}`)["id"].(string)
			created := call(http.MethodPost, root+"/sessions/"+s+"/prompts/"+p+"/evaluations", `{}`)
			if created["state"] != "created" || created["result"] != nil {
				t.Fatalf("create evaluation: expected state created and result null, got %v", created)
			}
			url := root + "/sessions/" + s + "/prompts/" + p + "/evaluations/" + created["id"].(string)
			var seen []string
			var last map[string]any
			for i := 0; i < 100; i++ {
				last = call(http.MethodGet, url, "")
				state := last["state"].(string)
				if len(seen) == 0 || seen[len(seen)-1] != state {
					seen = append(seen, state)
				}
				if state == "completed" || state == "cancelled" {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if want := []string{"created", "running", c.final}; !slices.Equal(seen, want) && !slices.Equal(seen, want[1:]) {
				t.Errorf("states seen while polling: %v, want %v", seen, want)
			}
			result, _ := last["result"].(map[string]any)
			switch {
			case c.resultType == "" && last["isCancelled"] != true:
				t.Errorf("a cancelled evaluation: expected isCancelled true, got %v", last)
			case c.resultType != "" && (result["type"] != c.resultType || result["content"] == nil || result["content"] == ""):
				t.Errorf("expected result.type %q with content, got %v", c.resultType, last["result"])
			case last["completedDateTime"] == "0001-01-01T00:00:00Z" || last["runStartDateTime"] == "0001-01-01T00:00:00Z":
				t.Errorf("a final evaluation keeps a zero date: %v", last)
			}
		})
	}
}

// send sends a request to url with a bearer token ("": none) and a JSON body ("": none), and
// returns the answer, its body and how long it took.
func send(t *testing.T, method, url, token, body string) (*http.Response, []byte, time.Duration) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(resp.Body)
	return resp, b.Bytes(), time.Since(start)
}

// get sends GET path to the server at addr with token ("": none) and returns the status.
func get(t *testing.T, addr, path, token string) int {
	t.Helper()
	resp, _, _ := send(t, http.MethodGet, "http://"+addr+path, token, "")
	return resp.StatusCode
}

// waitFor polls until the server's log holds n lines.
func waitFor(t *testing.T, log *lockedBuffer, n int) []string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		lines := strings.Split(strings.TrimSpace(log.String()), "\n")
		if log.String() != "" && len(lines) >= n || time.Now().After(deadline) {
			return lines
		}
		time.Sleep(10 * time.Millisecond)
	}
}

const sessionsPath = "/security/securityCopilot/workspaces/default/sessions"

// Every request is logged on standard error: time, method, path with query, status, duration
// and request-id; as JSON with --log-format json; not at all with --quiet.
func TestServeLogsRequests(t *testing.T) {
	addr, _, _, log := startServeWith(t, nil, "--token", "log-token")
	get(t, addr, sessionsPath+"?$top=1", "log-token")
	get(t, addr, sessionsPath, "")
	lines := waitFor(t, log, 2)
	text := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z GET (\S+) (\d{3}) \S+ [0-9a-f-]{36}$`)
	want := [][2]string{{sessionsPath + "?$top=1", "200"}, {sessionsPath, "401"}}
	if len(lines) != 2 {
		t.Fatalf("expected 2 log lines, got %q", lines)
	}
	for i, line := range lines {
		m := text.FindStringSubmatch(line)
		if m == nil || m[1] != want[i][0] || m[2] != want[i][1] {
			t.Errorf("log line %d: expected the time, GET %s, %s, the duration and the request-id, got %q", i+1, want[i][0], want[i][1], line)
		}
	}

	addr, _, _, log = startServeWith(t, nil, "--log-format", "json")
	get(t, addr, sessionsPath, "any")
	var rec struct {
		Time       time.Time `json:"time"`
		Method     string    `json:"method"`
		Path       string    `json:"path"`
		Status     int       `json:"status"`
		DurationMs *float64  `json:"durationMs"`
		RequestID  string    `json:"requestId"`
	}
	line := waitFor(t, log, 1)[0]
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Method != "GET" || rec.Path != sessionsPath || rec.Status != 200 ||
		rec.DurationMs == nil || rec.RequestID == "" || rec.Time.IsZero() {
		t.Errorf("--log-format json: expected one object with time, method, path, status, durationMs and requestId, got %q (%v)", line, err)
	}

	addr, _, _, log = startServeWith(t, nil, "--quiet")
	get(t, addr, sessionsPath, "any")
	time.Sleep(100 * time.Millisecond)
	if log.String() != "" {
		t.Errorf("--quiet: expected no log, got %q", log.String())
	}
	if r := copilotconf(t, nil, "serve", "--log-format", "xml"); r.code != 2 || !strings.Contains(r.stderr, "invalid --log-format") {
		t.Errorf("--log-format xml: expected a usage error, got %s", r)
	}
}

// serve takes its token from --token or COPILOTCONF_SERVE_TOKEN, never from the
// COPILOTCONF_TOKEN that run sends, and says at start-up which applies.
func TestServeTokenSources(t *testing.T) {
	for _, c := range []struct {
		name     string
		env      map[string]string
		args     []string
		accepted string // a token accepted
		refused  string // a token refused ("" none)
		says     string
	}{
		{"run's token is not serve's", map[string]string{"COPILOTCONF_TOKEN": "real-graph-token"}, nil, "dummy", "", "any non-empty bearer token"},
		{"the variable", map[string]string{"COPILOTCONF_SERVE_TOKEN": "mock-token", "COPILOTCONF_TOKEN": "real-graph-token"}, nil, "mock-token", "real-graph-token", "only the bearer token of COPILOTCONF_SERVE_TOKEN"},
		{"the flag first", map[string]string{"COPILOTCONF_SERVE_TOKEN": "mock-token"}, []string{"--token", "flag-token"}, "flag-token", "mock-token", "only the bearer token of --token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			addr, _, lines, _ := startServeWith(t, c.env, append(c.args, "--quiet")...)
			if !strings.Contains(lines.Text(), "accepts "+c.says) {
				t.Errorf("expected the start-up line to say it accepts %s, got %q", c.says, lines.Text())
			}
			if got := get(t, addr, sessionsPath, c.accepted); got != 200 {
				t.Errorf("token %q: expected 200, got %d", c.accepted, got)
			}
			if c.refused != "" {
				if got := get(t, addr, sessionsPath, c.refused); got != 401 {
					t.Errorf("token %q: expected 401, got %d", c.refused, got)
				}
			}
		})
	}
}

// getResponse sends GET path to the server at addr with a token and returns the answer.
func getResponse(t *testing.T, addr, path string) (*http.Response, []byte, time.Duration) {
	t.Helper()
	return send(t, http.MethodGet, "http://"+addr+path, "any", "")
}

// expectGraphRefusal checks a 429 or 503 answer: Retry-After in whole seconds and Graph's
// error shape.
func expectGraphRefusal(t *testing.T, what string, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	var e struct {
		Error struct {
			Code, Message string
		} `json:"error"`
	}
	retry, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != status || err != nil || retry < 1 || json.Unmarshal(body, &e) != nil || e.Error.Code != code || e.Error.Message == "" || resp.Header.Get("request-id") == "" {
		t.Errorf("%s: expected %d with Retry-After, a request-id and error.code %q, got %d, Retry-After %q, %s", what, status, code, resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
}

// The network conditions of serve: latency, throttling with 429 and failures with 503, both
// with Retry-After in Graph's error shape.
func TestServeNetworkConditions(t *testing.T) {
	addr, _, lines, _ := startServeWith(t, nil, "--latency", "100ms", "--jitter", "20ms", "--quiet")
	if _, _, took := getResponse(t, addr, sessionsPath); took < 100*time.Millisecond {
		t.Errorf("--latency 100ms: the answer came after %s", took)
	}
	lines.Scan()
	if !strings.Contains(lines.Text(), "network conditions: latency 100ms, jitter 20ms") {
		t.Errorf("expected the conditions at start-up, got %q", lines.Text())
	}

	addr, _, _, _ = startServeWith(t, nil, "--throttle", "1/s", "--quiet")
	if resp, _, _ := getResponse(t, addr, sessionsPath); resp.StatusCode != 200 {
		t.Fatalf("--throttle 1/s: the first request got %d", resp.StatusCode)
	}
	resp, body, _ := getResponse(t, addr, sessionsPath)
	expectGraphRefusal(t, "--throttle 1/s, a second request at once", resp, body, 429, "TooManyRequests")

	addr, _, _, _ = startServeWith(t, nil, "--fail-rate", "1", "--quiet")
	resp, body, _ = getResponse(t, addr, sessionsPath)
	expectGraphRefusal(t, "--fail-rate 1", resp, body, 503, "serviceNotAvailable")

	for _, args := range [][]string{{"--throttle", "fast"}, {"--throttle", "5/h"}, {"--fail-rate", "2"}, {"--jitter", "-1s"}} {
		if r := copilotconf(t, nil, append([]string{"serve"}, args...)...); r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("serve %v: expected a one-line usage error, got %s", args, r)
		}
	}
}

// A full run against a server that throttles passes, slower: its retries honour Retry-After.
func TestRunAgainstAThrottlingServer(t *testing.T) {
	addr, _, _, _ := startServeWith(t, nil, "--throttle", "5/s", "--token", "bucket-token", "--quiet")
	r := copilotconf(t, nil, "run", "--target", "http://"+addr, "--token", "bucket-token", "--report-dir", t.TempDir())
	m := throttleLine.FindStringSubmatch(r.stdout)
	if r.code != 0 || m == nil || m[1] == "0" || m[2] != "0" {
		t.Fatalf("expected the run to pass with its 429s retried and counted, got %s", r)
	}
	t.Logf("a full run against --throttle 5/s: %s retried, %s", m[1], r.wall)
}

// serve --cors answers a browser's preflight request; without it there is no CORS header.
func TestServeCORSPreflight(t *testing.T) {
	preflight := func(addr string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, "http://"+addr+sessionsPath, nil)
		req.Header.Set("Origin", "http://127.0.0.1:9999")
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	addr, _, lines, _ := startServeWith(t, nil, "--cors", "*", "--quiet")
	resp := preflight(addr)
	h := resp.Header
	if resp.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(h.Get("Access-Control-Allow-Methods"), "POST") ||
		!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("--cors '*': expected 204 allowing the origin, POST and Authorization, got %d %v", resp.StatusCode, h)
	}
	lines.Scan()
	if !strings.Contains(lines.Text(), "browser clients allowed from: *") {
		t.Errorf("expected the allowed origins at start-up, got %q", lines.Text())
	}
	addr, _, _, _ = startServeWith(t, nil, "--quiet")
	if resp := preflight(addr); resp.StatusCode < 400 || resp.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("without --cors: expected an error (the preflight carries no token) and no CORS header, got %d %v", resp.StatusCode, resp.Header)
	}
	if r := copilotconf(t, nil, "serve", "--cors", "example.com"); r.code != 2 || !strings.Contains(r.stderr, "invalid --cors origin") {
		t.Errorf("--cors example.com: expected a usage error, got %s", r)
	}
}

// The client-test recipe: serve starts from a data file, a client works on the preloaded
// objects and adds its own, the admin endpoint resets, and the preloaded state is back.
func TestServeDataAndReset(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data.json")
	preloaded := `{"workspaces": [{"id": "default", "sessions": [
	  {"id": "11111111-1111-4111-8111-111111111111", "displayName": "preloaded investigation",
	   "createdDateTime": "2025-10-22T20:10:54.4940649Z", "lastModifiedDateTime": "2025-10-22T20:12:13.759634Z",
	   "prompts": [{"id": "22222222-2222-4222-8222-222222222222", "content": "who am I",
	     "createdDateTime": "2025-10-22T20:11:00Z", "lastModifiedDateTime": "2025-10-22T20:11:00Z",
	     "evaluations": [{"id": "33333333-3333-4333-8333-333333333333", "createdDateTime": "2025-10-22T20:11:01Z", "answer": "you are you"}]}]}]},
	  {"id": "secondary"}]}`
	if err := os.WriteFile(data, []byte(preloaded), 0o644); err != nil {
		t.Fatal(err)
	}
	addr, _, lines, _ := startServeWith(t, nil, "--data", data, "--admin", "--token", "data-token", "--quiet")
	lines.Scan()
	if !strings.Contains(lines.Text(), "data: 1 session, 1 prompt and 1 evaluation from ") {
		t.Errorf("expected the data at start-up, got %q", lines.Text())
	}
	call := func(method, path, body string) (int, string) {
		t.Helper()
		resp, b, _ := send(t, method, "http://"+addr+path, "data-token", body)
		return resp.StatusCode, string(b)
	}
	sessionIDs := func() []string {
		t.Helper()
		status, body := call(http.MethodGet, sessionsPath, "")
		var list struct {
			Value []struct{ ID string } `json:"value"`
		}
		if status != 200 || json.Unmarshal([]byte(body), &list) != nil {
			t.Fatalf("list sessions: %d %s", status, body)
		}
		var ids []string
		for _, v := range list.Value {
			ids = append(ids, v.ID)
		}
		return ids
	}
	preloadedState := func() string {
		t.Helper()
		status, body := call(http.MethodGet, "/_copilotconf/state", "")
		if status != 200 {
			t.Fatalf("GET /_copilotconf/state: %d %s", status, body)
		}
		return body
	}
	initial := preloadedState()
	if got := sessionIDs(); strings.Join(got, ",") != "11111111-1111-4111-8111-111111111111" {
		t.Fatalf("expected the preloaded session, got %v", got)
	}
	status, body := call(http.MethodGet, sessionsPath+"/11111111-1111-4111-8111-111111111111/prompts/22222222-2222-4222-8222-222222222222", "")
	if status != 200 || !strings.Contains(body, `"content":"who am I"`) || !strings.Contains(body, `"createdDateTime":"2025-10-22T20:11:00.0000000Z"`) {
		t.Errorf("the preloaded prompt, with its time: got %d %s", status, body)
	}
	status, body = call(http.MethodGet, sessionsPath+"/11111111-1111-4111-8111-111111111111/prompts/22222222-2222-4222-8222-222222222222/evaluations/33333333-3333-4333-8333-333333333333", "")
	if status != 200 || !strings.Contains(body, `"state":"completed"`) || !strings.Contains(body, `"content":"you are you"`) {
		t.Errorf("the preloaded evaluation, final with its answer: got %d %s", status, body)
	}
	if status, body := call(http.MethodPost, sessionsPath, `{"displayName":"the client's own"}`); status != 201 {
		t.Fatalf("create session: %d %s", status, body)
	}
	if status, body := call(http.MethodPatch, sessionsPath+"/11111111-1111-4111-8111-111111111111", `{"displayName":"renamed"}`); status != 200 {
		t.Fatalf("update session: %d %s", status, body)
	}
	if len(sessionIDs()) != 2 || preloadedState() == initial {
		t.Fatalf("expected the client's changes before the reset")
	}
	if status, body := call(http.MethodPost, "/_copilotconf/reset", ""); status != 204 {
		t.Fatalf("POST /_copilotconf/reset: %d %s", status, body)
	}
	if got := preloadedState(); got != initial {
		t.Errorf("after the reset, expected the preloaded state again:\n%s\nwant:\n%s", got, initial)
	}
	if got := sessionIDs(); strings.Join(got, ",") != "11111111-1111-4111-8111-111111111111" {
		t.Errorf("after the reset, expected the preloaded session only, got %v", got)
	}

	bad := filepath.Join(t.TempDir(), "bad.json")
	_ = os.WriteFile(bad, []byte(`{"workspaces": [{"id": "default", "sessions": [{"id": "x"}]}]}`), 0o644)
	if r := copilotconf(t, nil, "serve", "--data", bad); r.code != 2 || !strings.Contains(r.stderr, `session "x" needs createdDateTime`) {
		t.Errorf("a data file without times: expected a one-line usage error, got %s", r)
	}
	if r := copilotconf(t, nil, "serve", "--data", data, "--workspace", "a"); r.code != 2 || !strings.Contains(r.stderr, "leave out --workspace") {
		t.Errorf("--data with --workspace: expected a usage error, got %s", r)
	}
}
