package httpclient

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTranscriptGolden(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1:8080", Token: "tok-secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	reqHeader := http.Header{
		"Authorization":     {"Bearer tok-secret-1"},
		"Content-Type":      {"application/json"},
		"Client-Request-Id": {"0f8fad5b-d9cb-469f-a165-70867728950e"},
		"User-Agent":        {"copilotconf"},
	}
	const url = "http://127.0.0.1:8080/security/securityCopilot/workspaces/default/sessions"
	tests := []struct {
		name    string
		ex      *Exchange
		maxBody int
		want    string
	}{
		{"created", &Exchange{
			Label: "create session", Method: "POST", URL: url,
			RequestHeader: reqHeader, RequestBody: []byte(`{"displayName":"conf"}`),
			Status:         201,
			ResponseHeader: http.Header{"Content-Type": {"application/json"}, "Request-Id": {"r-1"}, "Set-Cookie": {"a=b"}},
			ResponseBody:   []byte(`{"id":"s1","tags":["a"]}`),
			Attempts:       []Attempt{{Status: 201}},
			Duration:       12 * time.Millisecond,
		}, 0, `--> POST ` + url + `   (create session)
Authorization: Bearer [REDACTED]
Client-Request-Id: 0f8fad5b-d9cb-469f-a165-70867728950e
Content-Type: application/json
User-Agent: copilotconf

{"displayName":"conf"}
<-- 201 Created (12ms, 1 attempt)
Content-Type: application/json
Request-Id: r-1
Set-Cookie: [REDACTED]

{
  "id": "s1",
  "tags": [
    "a"
  ]
}
`},
		{"retried then throttled, body cut", &Exchange{
			Method: "GET", URL: url + "?$top=1",
			Status:       429,
			ResponseBody: []byte(`{"error":{"code":"TooManyRequests"}}`),
			Attempts: []Attempt{
				{Status: 429, RetryAfter: "2.128", Waited: 2128 * time.Millisecond},
				{Status: 0, Err: "read tcp: connection reset", Waited: 500 * time.Millisecond},
				{Status: 429, RetryAfter: "90"},
			},
			Throttled: true,
			Duration:  2700 * time.Millisecond,
		}, 20, `--> GET ` + url + `?$top=1
--- attempt 1: 429, Retry-After 2.128, waited 2.128s
--- attempt 2: error: read tcp: connection reset, waited 500ms
--- attempt 3: 429, Retry-After 90
<-- 429 Too Many Requests (2.7s, 3 attempts, retry budget exhausted)

{
  "error": {
    "... (30 more bytes)
`},
		{"no response", &Exchange{
			Method: "GET", URL: "http://127.0.0.1:1/x?t=tok-secret-1",
			Err:      errors.New(`Get "http://127.0.0.1:1/x?t=tok-secret-1": dial tcp 127.0.0.1:1: connect: connection refused`),
			Attempts: []Attempt{{Err: "refused"}},
			Duration: 300 * time.Microsecond,
		}, 0, `--> GET http://127.0.0.1:1/x?t=[REDACTED]
<-- no response: Get "http://127.0.0.1:1/x?t=[REDACTED]": dial tcp 127.0.0.1:1: connect: connection refused (300µs, 1 attempt)
`},
		{"binary and error", &Exchange{
			Method: "GET", URL: url, Status: 200,
			ResponseHeader: http.Header{"Content-Type": {"application/octet-stream"}},
			ResponseBody:   []byte{0x1f, 0x8b, 0x00, 0xff},
			Truncated:      true,
			Err:            &bodyTooLargeError{limit: 4},
			Attempts:       []Attempt{{Status: 200, Err: "response body exceeds 4 bytes"}},
			Duration:       time.Second,
		}, 0, `--> GET ` + url + `
<-- 200 OK (1s, 1 attempt)
Content-Type: application/octet-stream

<4 bytes of binary data>
--- error: response body exceeds 4 bytes
`},
		{"redirected, unknown status, text cut on rune boundary", &Exchange{
			Method: "DELETE", URL: url, Status: 599, finalURL: "http://127.0.0.1:8080/moved",
			ResponseBody: []byte("héllo wörld"),
			Attempts:     []Attempt{{Status: 599}},
		}, 2, `--> DELETE ` + url + `
--- redirected to http://127.0.0.1:8080/moved
<-- 599 (0s, 1 attempt)

h... (12 more bytes)
`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.Transcript(tt.ex, tt.maxBody); got != tt.want {
				t.Errorf("Transcript:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
	if got := c.Transcript(nil, 0); got != "<no exchange>\n" {
		t.Errorf("Transcript(nil) = %q", got)
	}
}

func TestTranscriptEndToEnd(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("request-id", "abc")
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"1","displayName":"x"}`))
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL + "/beta", Token: "tok-secret-1"})
	ex := c.Do(context.Background(), Request{Method: "POST", Path: "/sessions", Body: []byte(`{"displayName":"x"}`), Label: "create session"})
	tr := c.Transcript(ex, 0)
	lines := []string{
		"--> POST " + srv.URL + "/beta/sessions   (create session)\n",
		"Authorization: Bearer [REDACTED]\nClient-Request-Id: ",
		"\nContent-Type: application/json\nUser-Agent: copilotconf\n\n{\"displayName\":\"x\"}\n<-- 201 Created (",
		", 1 attempt)\n",
		"Request-Id: abc\n\n{\n  \"id\": \"1\",\n  \"displayName\": \"x\"\n}\n",
	}
	for _, l := range lines {
		if !strings.Contains(tr, l) {
			t.Errorf("transcript lacks %q:\n%s", l, tr)
		}
	}
	if regexp.MustCompile(`tok-secret-1`).MatchString(tr) {
		t.Errorf("token leaked:\n%s", tr)
	}
}

func TestIsText(t *testing.T) {
	tests := []struct {
		in        string
		truncated bool
		want      bool
	}{
		{"plain\ttext\r\n", false, true},
		{"héllo", false, true},
		{"h\xc3", false, false},
		{"h\xc3", true, true}, // rune cut by the body cap
		{"\x00\x01", false, false},
		{"\xff\xfe", true, false},
	}
	for _, tt := range tests {
		if got := isText([]byte(tt.in), tt.truncated); got != tt.want {
			t.Errorf("isText(%q, %v) = %v, want %v", tt.in, tt.truncated, got, tt.want)
		}
	}
}
