package runner_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/copilotconf/copilotconf/mockserver"
)

// Helpers of the hostile-target tests (hostile_test.go): loopback
// servers that answer the preflight normally and are hostile afterwards, a request log, the
// junit.xml parts the tests read, and a scanner for every encoding of a secret.

// startLoopback serves h on 127.0.0.1 (never another address) until the test ends.
func startLoopback(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ts := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts
}

// reqRecord is one request a test server received.
type reqRecord struct {
	n              int // 1-based arrival order
	method, uri    string
	acceptEncoding string
	header         http.Header
	body           []byte // only where a server keeps it
	answer         string // what the server did, where it says
}

// requestLog records requests; safe for concurrent use.
type requestLog struct {
	mu      sync.Mutex
	records []*reqRecord
}

func (l *requestLog) add(r *http.Request, body []byte) *reqRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec := &reqRecord{
		n: len(l.records) + 1, method: r.Method, uri: r.URL.RequestURI(),
		acceptEncoding: r.Header.Get("Accept-Encoding"), header: r.Header.Clone(), body: body,
	}
	l.records = append(l.records, rec)
	return rec
}

func (l *requestLog) setAnswer(rec *reqRecord, answer string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rec.answer = answer
}

// snapshot copies the records.
func (l *requestLog) snapshot() []reqRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]reqRecord, len(l.records))
	for i, r := range l.records {
		out[i] = *r
	}
	return out
}

// preflightPath is what the preflight lists (workspace "default"), with $top=1.
const preflightPath = "/security/securityCopilot/workspaces/default/sessions"

func isPreflightShape(r *http.Request) bool {
	return r.Method == http.MethodGet && r.URL.Path == preflightPath && r.URL.Query().Get("$top") == "1"
}

// hostileEnv is what a hostile handler may use.
type hostileEnv struct {
	mock http.Handler    // the reference server, accepting only the run's token
	stop <-chan struct{} // closed when the test ends: blocked handlers return
	log  *requestLog
}

// hostileHandler answers every request but the preflight.
type hostileHandler func(e *hostileEnv, w http.ResponseWriter, r *http.Request, rec *reqRecord)

// startHostile serves the reference server (accepting token) for the preflight, the first
// request of a run, and hostile for every later request.
func startHostile(t *testing.T, token string, hostile hostileHandler) (string, *hostileEnv) {
	t.Helper()
	mock, err := mockserver.New(mockserver.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	e := &hostileEnv{mock: mock, stop: stop, log: &requestLog{}}
	ts := startLoopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := e.log.add(r, nil)
		if rec.n == 1 && isPreflightShape(r) {
			e.log.setAnswer(rec, "preflight")
			mock.ServeHTTP(w, r)
			return
		}
		hostile(e, w, r, rec)
	}))
	// Cleanups run last-in first-out: handlers are released before ts.Close waits for them.
	t.Cleanup(func() {
		close(stop)
		ts.CloseClientConnections()
	})
	return ts.URL, e
}

// done reports whether the client went away or the test ended.
func (e *hostileEnv) done(r *http.Request) bool {
	select {
	case <-r.Context().Done():
		return true
	case <-e.stop:
		return true
	default:
		return false
	}
}

type junitCase struct {
	Name    string `xml:"name,attr"`
	File    string `xml:"file,attr"`
	Line    int    `xml:"line,attr"`
	Status  string `xml:"status,attr"`
	Failure *struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"failure"`
	Error *struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	} `xml:"error"`
	Skipped *struct {
		Message string `xml:"message,attr"`
	} `xml:"skipped"`
	SystemOut string `xml:"system-out"`
}

// junitCaseOf finds the testcase of a spec ID.
func junitCaseOf(cases []junitCase, id string) (junitCase, bool) {
	for _, c := range cases {
		if strings.Contains(c.Name, "["+id+"]") {
			return c, true
		}
	}
	return junitCase{}, false
}

// failureText is the failure message and body of a testcase ("" when it did not fail).
func (c junitCase) failureText() string {
	if c.Failure == nil {
		return ""
	}
	return c.Failure.Message + "\n" + c.Failure.Text
}

// problemsOf is the "N problem(s):" part of a failure message, before the first exchange.
func problemsOf(msg string) string {
	_, after, ok := strings.Cut(msg, "problem(s):")
	if !ok {
		return ""
	}
	before, _, _ := strings.Cut(after, "\nexchange 1 of")
	return before
}

// newCanary returns a distinctive secret: "canary-" and 32 random hex digits.
func newCanary(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "canary-" + hex.EncodeToString(b)
}

// secretForm is one encoding in which a secret could leak.
type secretForm struct{ name, value string }

// secretEncodings lists the forms searched for: raw, URL-escaped, base64 in the four
// alphabets and JSON-escaped. Forms with the same value are merged ("raw = url.QueryEscape").
func secretEncodings(secret string) []secretForm {
	b := []byte(secret)
	all := []secretForm{
		{"raw", secret},
		{"url.QueryEscape", url.QueryEscape(secret)},
		{"url.PathEscape", url.PathEscape(secret)},
		{"base64.StdEncoding", base64.StdEncoding.EncodeToString(b)},
		{"base64.URLEncoding", base64.URLEncoding.EncodeToString(b)},
		{"base64.RawStdEncoding", base64.RawStdEncoding.EncodeToString(b)},
		{"base64.RawURLEncoding", base64.RawURLEncoding.EncodeToString(b)},
	}
	if j, err := json.Marshal(secret); err == nil {
		all = append(all, secretForm{"JSON-escaped", string(j[1 : len(j)-1])})
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(secret) == nil {
		j := bytes.TrimSpace(buf.Bytes())
		all = append(all, secretForm{"JSON-escaped without HTML escaping", string(j[1 : len(j)-1])})
	}
	var out []secretForm
	for _, f := range all {
		i := slices.IndexFunc(out, func(o secretForm) bool { return o.value == f.value })
		if i >= 0 {
			out[i].name += " = " + f.name
			continue
		}
		out = append(out, f)
	}
	return out
}

// secretFormsIn names every form of secret found in text.
func secretFormsIn(forms []secretForm, text string) []string {
	var found []string
	for _, f := range forms {
		if f.value != "" && strings.Contains(text, f.value) {
			found = append(found, f.name)
		}
	}
	return found
}

// assertNoSecretAnywhere fails the test for every form of secret in the console output or in
// any file under the report directory, naming the place and the form (never the value).
func assertNoSecretAnywhere(t *testing.T, secret, dir string, r result) (files int) {
	t.Helper()
	forms := secretEncodings(secret)
	for _, f := range secretFormsIn(forms, r.stdout) {
		t.Errorf("LEAK: standard output contains the secret (%s)", f)
	}
	for _, f := range secretFormsIn(forms, r.stderr) {
		t.Errorf("LEAK: standard error contains the secret (%s)", f)
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		rel, _ := filepath.Rel(dir, path)
		for _, f := range secretFormsIn(forms, string(b)) {
			t.Errorf("LEAK: report file %s contains the secret (%s)", rel, f)
		}
		return nil
	})
	if err != nil {
		t.Errorf("scanning the report directory: %v", err)
	}
	return files
}
