package httpclient

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const (
	canaryToken  = "eyJ0eXAiOiJKV1Qi.c4nAry-T0k3n+/=&?x%y~z"
	canarySecret = "cl1ent-S3cret!$%&'()*+,;=/?:@"
	canaryOther  = "per-request-t0ken/+=canary"
)

// allForms lists the encodings a secret must never appear in.
func allForms(secret string) []string {
	forms := secretForms(secret)
	for _, f := range forms {
		if len(f) < minSecretLen {
			panic("short form " + f)
		}
	}
	return forms
}

// canaryMarkers are distinctive parts of the canaries; finding one means
// some encoding escaped redaction (a check independent of secretForms).
var canaryMarkers = []string{"c4nAry", "T0k3n", "cl1ent", "S3cret", "t0ken", "canary"}

func assertNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, m := range canaryMarkers {
		if strings.Contains(text, m) {
			t.Errorf("%s leaks canary marker %q:\n%s", where, m, text)
		}
	}
	for _, s := range secrets {
		for _, f := range allForms(s) {
			if strings.Contains(text, f) {
				t.Errorf("%s leaks %q (a form of %q):\n%s", where, f, s, text)
			}
		}
	}
}

// echoEverything reflects the request's credentials back in every place a
// response can carry them.
func echoEverything(w http.ResponseWriter, r *http.Request) {
	reqBody, _ := io.ReadAll(r.Body)
	auth := r.Header.Get("Authorization")
	cred := credentialOf(auth)
	w.Header().Add("Set-Cookie", "session="+cred+"; Path=/; HttpOnly")
	w.Header().Set("X-Echo-Auth", auth)
	w.Header().Set("X-Echo-B64", base64.StdEncoding.EncodeToString([]byte(cred)))
	w.Header().Set("Location", "http://127.0.0.1/next?token="+url.QueryEscape(cred))
	w.Header().Set("Content-Type", "application/json")
	doc := map[string]any{
		"authorization":  auth,
		"raw":            cred,
		"query":          url.QueryEscape(cred),
		"path":           url.PathEscape(cred),
		"b64std":         base64.StdEncoding.EncodeToString([]byte(cred)),
		"b64url":         base64.URLEncoding.EncodeToString([]byte(cred)),
		"b64rawstd":      base64.RawStdEncoding.EncodeToString([]byte(cred)),
		"b64rawurl":      base64.RawURLEncoding.EncodeToString([]byte(cred)),
		"basic1":         base64.StdEncoding.EncodeToString([]byte("user:" + cred)),
		"basic2":         base64.StdEncoding.EncodeToString([]byte("ab:" + cred + ":tail")),
		"basic3":         base64.RawURLEncoding.EncodeToString([]byte("x" + cred + "yz")),
		"requestURL":     r.URL.String(),
		"requestBody":    string(reqBody),
		"access_token":   "opaque-access-token-value",
		"cookieHeader":   r.Header.Get("Cookie"),
		"message":        "Bearer " + cred + " rejected",
		"headerInstance": r.Header,
	}
	json.NewEncoder(w).Encode(doc)
}

func TestRedactionCanary(t *testing.T) {
	srv := newServer(t, echoEverything)
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, Token: canaryToken, Secrets: []string{canarySecret}})
	tests := []struct {
		name    string
		req     Request
		secrets []string
	}{
		{"configured token", Request{
			Method: "POST",
			Path:   "/echo?client_secret=" + url.QueryEscape(canarySecret),
			Query:  url.Values{"t": {canaryToken}, "p": {url.PathEscape(canaryToken)}},
			Header: http.Header{"Cookie": {"session=" + canaryToken}, "X-Custom": {canarySecret}},
			Body:   []byte(`{"secret":"` + canarySecret + `","token":"` + canaryToken + `"}`),
			Label:  "create with " + canarySecret,
		}, []string{canaryToken, canarySecret}},
		{"per-request token", Request{
			Method: "GET", Path: "/echo", Auth: AuthToken, Token: canaryOther,
		}, []string{canaryOther, canaryToken}},
		{"explicit header", Request{
			Method: "GET", Path: "/echo", Header: http.Header{"Authorization": {"Bearer " + canaryOther}},
		}, []string{canaryOther, canaryToken}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := c.Do(context.Background(), tt.req)
			if ex.Err != nil || ex.Status != 200 {
				t.Fatalf("status %d, err %v", ex.Status, ex.Err)
			}
			if !strings.Contains(ex.ResponseHeader.Get("X-Echo-Auth"), tt.secrets[0]) {
				t.Fatal("server did not echo the canary; test is vacuous")
			}
			for _, maxBody := range []int{0, 100, 333} {
				tr := c.Transcript(ex, maxBody)
				assertNoSecret(t, fmt.Sprintf("Transcript(maxBody=%d)", maxBody), tr, tt.secrets...)
				for _, want := range []string{"Authorization: Bearer [REDACTED]", "Set-Cookie: [REDACTED]"} {
					if !strings.Contains(tr, want) {
						t.Errorf("transcript lacks %q:\n%s", want, tr)
					}
				}
			}
			assertNoSecret(t, "Transcript", c.Transcript(ex, 0), "opaque-access-token-value")
		})
	}

	// Redact knows the configured values (a per-request token is known to
	// Transcript only, through the Exchange).
	ex := c.Do(context.Background(), tests[0].req)
	dump := fmt.Sprintf("%s %s\n%v\n%s\n%v\n%s\n%v", ex.Method, ex.URL, ex.RequestHeader, ex.RequestBody,
		ex.ResponseHeader, ex.ResponseBody, ex.Attempts)
	for _, s := range []string{canaryToken, canarySecret} {
		if !strings.Contains(dump, s) {
			t.Fatalf("raw dump lacks %q; test is vacuous", s)
		}
	}
	assertNoSecret(t, "Redact", c.Redact(dump), canaryToken, canarySecret)
}

func TestRedactionInErrors(t *testing.T) {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c, _ := newTestClient(t, Config{BaseURL: "http://" + addr, Token: canaryToken, Secrets: []string{canarySecret}, MaxRetryWait: 2 * time.Second})
	ex := c.Do(context.Background(), Request{Path: "/x", Query: url.Values{"k": {canarySecret}, "t": {canaryToken}}})
	if ex.Err == nil || len(ex.Attempts) < 2 {
		t.Fatalf("want a retried transport error, got %d attempts, err %v", len(ex.Attempts), ex.Err)
	}
	tr := c.Transcript(ex, 0)
	if !strings.Contains(tr, "<-- no response: ") || !strings.Contains(tr, "--- attempt 1: error: ") {
		t.Errorf("transcript lacks the error lines:\n%s", tr)
	}
	assertNoSecret(t, "Transcript", tr, canaryToken, canarySecret)
	assertNoSecret(t, "Redact(Err)", c.Redact(ex.Err.Error()), canaryToken, canarySecret)
}

func TestRedactionTruncatedBodyTail(t *testing.T) {
	const token = "abcdefghijklmnopqrstuvwxyz0123456789"
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "0123456789 token="+token)
	})
	// the cap cuts the token after "abcdefghij"
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, Token: token, MaxBody: int64(len("0123456789 token=abcdefghij"))})
	ex := c.Do(context.Background(), Request{Path: "/x", Auth: AuthNone})
	if !ex.Truncated {
		t.Fatal("want a truncated body")
	}
	tr := c.Transcript(ex, 0)
	if strings.Contains(tr, "abcdefghij") || !strings.Contains(tr, "token=[REDACTED]") {
		t.Errorf("truncated secret leaks:\n%s", tr)
	}
}

func TestRedactPatterns(t *testing.T) {
	c, err := New(Config{BaseURL: "http://127.0.0.1", Token: "tok-1234", Secrets: []string{"abc", "s3cr3t/v+l"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{"Authorization: Bearer abc.def", "Authorization: Bearer [REDACTED]"},
		{"  authorization:Basic dXNlcjpwYXNz\r\nX: 1", "  authorization:Basic [REDACTED]\r\nX: 1"},
		{"Proxy-Authorization: Negotiate YII=", "Proxy-Authorization: Negotiate [REDACTED]"},
		{"Authorization: opaque", "Authorization: [REDACTED]"},
		{"Cookie: a=b; c=d", "Cookie: [REDACTED]"},
		{"Set-Cookie: s=1; Path=/\nnext", "Set-Cookie: [REDACTED]\nnext"},
		{`{"Authorization":["Bearer xyz"],"X":["1"]}`, `{"Authorization":["Bearer [REDACTED]"],"X":["1"]}`},
		{`{"authorization": "Bearer a\"b"}`, `{"authorization": "Bearer [REDACTED]"}`},
		{`{"Set-Cookie":["a=b"]}`, `{"Set-Cookie":["[REDACTED]"]}`},
		{`{"access_token":"eyJabc","token_type":"Bearer","refresh_token":"r"}`,
			`{"access_token":"[REDACTED]","token_type":"Bearer","refresh_token":"[REDACTED]"}`},
		{"grant_type=client_credentials&client_secret=xyz%2B&scope=x", "grant_type=client_credentials&client_secret=[REDACTED]&scope=x"},
		{"GET https://h/cb?code=1&access_token=zz#x", "GET https://h/cb?code=1&access_token=[REDACTED]#x"},
		{"proxy https://user:pa55@host/x", "proxy https://user:[REDACTED]@host/x"},
		{"sent Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.abc.def rejected", "sent Bearer [REDACTED] rejected"},
		{"the Bearer token is invalid", "the Bearer token is invalid"},
		{`WWW-Authenticate: Bearer realm="", authorization_uri="https://login"`, `WWW-Authenticate: Bearer realm="", authorization_uri="https://login"`},
		{"token tok-1234 and tok-12345", "token [REDACTED] and [REDACTED]5"},
		{"b64 " + base64.StdEncoding.EncodeToString([]byte("tok-1234")), "b64 [REDACTED]"},
		{"q=" + url.QueryEscape("s3cr3t/v+l") + "&p=" + url.PathEscape("s3cr3t/v+l"), "q=[REDACTED]&p=[REDACTED]"},
		{"short secret abc stays", "short secret abc stays"},
		{"nothing here", "nothing here"},
	}
	for _, tt := range tests {
		got := c.Redact(tt.in)
		if got != tt.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tt.in, got, tt.want)
		}
		if again := c.Redact(got); again != got {
			t.Errorf("Redact not idempotent on %q: %q", got, again)
		}
	}
	var nilClient *Client
	if got := nilClient.Redact("Authorization: Bearer x"); got != "Authorization: Bearer [REDACTED]" {
		t.Errorf("nil client Redact = %q", got)
	}
}

func TestSecretFormsEmbeddedBase64(t *testing.T) {
	r := newRedactor(canarySecret)
	for _, prefix := range []string{"", "u", "us", "use", "user:"} {
		for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
			blob := enc.EncodeToString([]byte(prefix + canarySecret + ":more"))
			out := r.redact("Basic " + blob)
			if !strings.Contains(out, redacted) {
				t.Errorf("prefix %q: %q not redacted", prefix, blob)
			}
		}
	}
}
