package runner_test

import (
	"bytes"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
)

// populatedTarget is a reference server holding two sessions, the first with two prompts,
// behind a recorder of the methods it was sent.
type populatedTarget struct {
	url     string
	session string
	mu      sync.Mutex
	methods map[string]int
}

func newPopulatedTarget(t *testing.T) *populatedTarget {
	t.Helper()
	srv, err := mockserver.New(mockserver.Options{Token: "ro-token"})
	if err != nil {
		t.Fatal(err)
	}
	p := &populatedTarget{methods: map[string]int{}}
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		p.methods[r.Method]++
		p.mu.Unlock()
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	p.url = ts.URL
	post := func(path, body string) string {
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/security/securityCopilot/workspaces/default"+path, bytes.NewBufferString(body))
		req.Header.Set("Authorization", "Bearer ro-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("populating the target: %v %v", err, resp)
		}
		defer resp.Body.Close()
		var created struct{ ID string }
		_ = json.NewDecoder(resp.Body).Decode(&created)
		return created.ID
	}
	p.session = post("/sessions", `{"displayName":"existing session with prompts"}`)
	post("/sessions/"+p.session+"/prompts", `{"type":"prompt","content":"first existing prompt"}`)
	post("/sessions/"+p.session+"/prompts", `{"type":"prompt","content":"second existing prompt"}`)
	post("/sessions", `{"displayName":"existing session without prompts"}`)
	p.mu.Lock()
	p.methods = map[string]int{} // count only what the run sends
	p.mu.Unlock()
	return p
}

func (p *populatedTarget) writes() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.methods[http.MethodPost] + p.methods[http.MethodPatch] + p.methods[http.MethodPut] + p.methods[http.MethodDelete]
}

func TestReadOnlyRunChecksExistingObjectsAndWritesNothing(t *testing.T) {
	for _, extra := range [][]string{nil, {"--session-id", ""}} {
		target := newPopulatedTarget(t)
		if extra != nil {
			extra[1] = target.session
		}
		dir := t.TempDir()
		r := copilotconf(t, nil, append([]string{"run", "--read-only", "--target", target.url, "--token", "ro-token", "--report-dir", dir}, extra...)...)
		if r.code != 0 {
			t.Fatalf("%v: expected the read-only run to pass, got %s", extra, r)
		}
		if n := target.writes(); n != 0 {
			t.Errorf("%v: the target received %d write requests in read-only mode", extra, n)
		}
		if s, p := readCreated(t, dir); s+p != 0 {
			t.Errorf("created.json lists %d sessions and %d prompts", s, p)
		}
		total, writing := specNeeds(t)
		want := strconv.Itoa(total-writing) + " passed, 0 failed, 0 blocked, 0 throttled, 0 not run, " + strconv.Itoa(writing) + " skipped"
		// Every spec that only needs objects ran against the existing ones; those that must write were skipped.
		if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "Read-only mode: nothing was written") {
			t.Errorf("%v: expected %q\n%s", extra, want, r.stdout)
		}
		for _, c := range readJUnit(t, dir).Suites[0].Cases {
			if c.Skipped == nil && strings.Contains(c.Name, "SESS-CREATE") {
				t.Errorf("%s ran in read-only mode", c.Name)
			}
		}
	}
}

// specNeeds counts all specs and those that must write.
func specNeeds(t *testing.T) (total, writing int) {
	t.Helper()
	var specs []struct {
		Needs string `json:"needs"`
	}
	if err := json.Unmarshal([]byte(copilotconf(t, nil, "specs", "--json").stdout), &specs); err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if s.Needs == "writes" {
			writing++
		}
	}
	return len(specs), writing
}

func TestReadOnlyAgainstAnEmptyTargetSkipsWhatNeedsObjects(t *testing.T) {
	r := copilotconf(t, nil, "run", "--read-only", "--report-dir", t.TempDir())
	if r.code != 0 || !strings.Contains(r.stdout, "0 failed") {
		t.Errorf("expected a clean read-only run on the empty embedded server, got %s", r)
	}
}

func TestMaxWritesStopsCreating(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--max-writes", "2", "--report-dir", dir)
	if r.code != 1 {
		t.Fatalf("expected specs to fail once the write budget is used up, got %s", r)
	}
	if s, p := readCreated(t, dir); s+p > 2 {
		t.Errorf("--max-writes 2 created %d sessions and %d prompts", s, p)
	}
	if !strings.Contains(readAll(t, filepath.Join(dir, "junit.xml")), "write budget used up") {
		t.Errorf("junit.xml does not say why the writes were refused")
	}
}

func readAll(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestTLSVerification(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Token: "tls-token"})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewTLSServer(srv)
	t.Cleanup(ts.Close)
	ca := writeFile(t, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})))
	base := []string{"run", "--target", ts.URL, "--token", "tls-token", "--focus", fewSpecs}

	r := copilotconf(t, nil, append(base, "--report-dir", t.TempDir())...)
	if r.code != 3 || !strings.Contains(r.stderr, "certificate") {
		t.Errorf("an untrusted certificate must stop the run with exit 3, got %s", r)
	}
	r = copilotconf(t, nil, append(base, "--ca-cert", ca, "--report-dir", t.TempDir())...)
	if r.code != 0 {
		t.Errorf("with --ca-cert the run must pass, got %s", r)
	}
	dir := t.TempDir()
	r = copilotconf(t, nil, append(base, "--insecure-skip-tls-verify", "--report-dir", dir)...)
	if r.code != 0 || !strings.Contains(r.stdout, "TLS certificate verification was OFF") ||
		!strings.Contains(readAll(t, filepath.Join(dir, "junit.xml")), `name="copilotconf.tlsVerification" value="false"`) {
		t.Errorf("--insecure-skip-tls-verify must pass and say so in the summary and junit.xml, got %s", r)
	}
}

// forwardProxy serves h as a forward proxy on loopback and returns its URL and the
// environment that sends a child's requests through it: requests arrive in absolute form, so
// the target's host name is never resolved and nothing leaves this machine.
func forwardProxy(t *testing.T, h http.Handler) (string, map[string]string) {
	t.Helper()
	proxy := httptest.NewServer(h)
	t.Cleanup(proxy.Close)
	return proxy.URL, map[string]string{"HTTP_PROXY": proxy.URL, "http_proxy": proxy.URL, "NO_PROXY": "", "no_proxy": ""}
}

func TestProxyFromEnvironmentIsUsedAndRecorded(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Token: "proxy-token"})
	if err != nil {
		t.Fatal(err)
	}
	var proxied sync.Map
	proxyURL, env := forwardProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		proxied.Store(r.URL.Host, true)
		srv.ServeHTTP(w, r)
	}))
	dir := t.TempDir()
	r := copilotconf(t, env, "run", "--target", "http://sessions.copilotconf.test", "--token", "proxy-token", "--focus", fewSpecs, "--report-dir", dir)
	if _, ok := proxied.Load("sessions.copilotconf.test"); r.code != 0 || !ok {
		t.Fatalf("expected the run to go through the proxy and pass, got %s", r)
	}
	if !strings.Contains(r.stdout, "Requests went through the proxy "+proxyURL) ||
		!strings.Contains(readAll(t, filepath.Join(dir, "junit.xml")), `name="copilotconf.proxy" value="`+proxyURL+`"`) {
		t.Errorf("the summary and junit.xml must record the proxy:\n%s", r.stdout)
	}
}

func TestRunTimeoutStopsAndReportsWhatRan(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Token: "slow-token"})
	if err != nil {
		t.Fatal(err)
	}
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("$top") != "1" { // everything but the preflight takes a while
			select {
			case <-time.After(1500 * time.Millisecond):
			case <-r.Context().Done():
				return
			}
		}
		srv.ServeHTTP(w, r)
	}))
	t.Cleanup(slow.Close)
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--target", slow.URL, "--token", "slow-token", "--timeout", "3s", "--report-dir", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "Run stopped: the run's time limit (--timeout 3s) expired") {
		t.Fatalf("expected the run to stop at --timeout with exit 1 and say so, got %s", r)
	}
	expectEverySpecReported(t, dir, r, specIDs(t))
}
