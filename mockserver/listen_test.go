package mockserver

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

// localClient never uses a proxy: tests talk to 127.0.0.1 only.
var localClient = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}

func TestListen(t *testing.T) {
	inst, err := Listen("127.0.0.1:0", Options{Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:\d+$`).MatchString(inst.URL()) {
		t.Errorf("URL %q", inst.URL())
	}
	req, _ := http.NewRequest(http.MethodPost, inst.URL()+sessionsPth, strings.NewReader(`{"displayName":"x"}`))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	resp, err := localClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"@odata.context":"`+inst.URL()+`/$metadata#`) {
		t.Errorf("%d %s", resp.StatusCode, b)
	}

	// The port is taken while the instance runs.
	if _, err := Listen(strings.TrimPrefix(inst.URL(), "http://"), Options{}); err == nil {
		t.Errorf("second Listen on the same address succeeded")
	}

	// Shutdown is graceful: a request whose body is still arriving completes.
	pr, pw := io.Pipe()
	slow, _ := http.NewRequest(http.MethodPost, inst.URL()+sessionsPth, pr)
	slow.Header.Set("Authorization", "Bearer t")
	slow.Header.Set("Content-Type", "application/json")
	type outcome struct {
		status int
		err    error
	}
	got := make(chan outcome, 1)
	go func() {
		resp, err := localClient.Do(slow)
		if err != nil {
			got <- outcome{err: err}
			return
		}
		resp.Body.Close()
		got <- outcome{status: resp.StatusCode}
	}()
	_, _ = pw.Write([]byte(`{"displayName":`))
	time.Sleep(100 * time.Millisecond) // let the server start reading
	shut := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut <- inst.Shutdown(ctx)
	}()
	time.Sleep(100 * time.Millisecond)
	_, _ = pw.Write([]byte(`"late"}`))
	pw.Close()
	if o := <-got; o.err != nil || o.status != http.StatusCreated {
		t.Errorf("in-flight request during Shutdown: %+v", o)
	}
	if err := <-shut; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", strings.TrimPrefix(inst.URL(), "http://"), time.Second); err == nil {
		t.Errorf("still accepting connections after Shutdown")
	}
}

func TestListenErrors(t *testing.T) {
	if _, err := Listen("", Options{}); err == nil {
		t.Errorf("Listen with an empty address succeeded")
	}
	if _, err := Listen("127.0.0.1:0", Options{MaxBodyBytes: -5}); err == nil {
		t.Errorf("Listen with invalid options succeeded")
	}
	if _, err := Listen("127.0.0.1:notaport", Options{}); err == nil {
		t.Errorf("Listen with a bad address succeeded")
	}
}

// TestLatencyIsCutShortByTheClient: with Latency, a request whose client goes away gets no
// answer and does not hold the handler.
func TestLatencyIsCutShortByTheClient(t *testing.T) {
	srv, err := New(Options{Token: "tok", Latency: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	req := httptest.NewRequest(http.MethodGet, "/security/securityCopilot/workspaces/default/sessions", nil).WithContext(ctx)
	req.Header.Set("Authorization", "Bearer tok")
	rr := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		srv.ServeHTTP(rr, req)
		close(done)
	}()
	cancel()
	<-done // returns once the client is gone, not after an hour
	if rr.Body.Len() != 0 {
		t.Errorf("a request whose client went away got an answer: %q", rr.Body.String())
	}
}
