package mockserver

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func benchRequest(method, target, body string) *http.Request {
	var req *http.Request
	if body == "" {
		req = httptest.NewRequest(method, "http://127.0.0.1"+target, nil)
	} else {
		req = httptest.NewRequest(method, "http://127.0.0.1"+target, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer t")
	return req
}

// BenchmarkCreateSession measures one POST .../sessions through the handler.
func BenchmarkCreateSession(b *testing.B) {
	ms, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		ms.ServeHTTP(rec, benchRequest(http.MethodPost, sessionsPth, docCreateSession))
		if rec.Code != http.StatusCreated {
			b.Fatalf("status %d", rec.Code)
		}
	}
}

// BenchmarkListSessions measures one page (the default 20) of a workspace
// holding 1,000 sessions, plain and with $filter + $count.
func BenchmarkListSessions(b *testing.B) {
	ms, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 1000; i++ {
		rec := httptest.NewRecorder()
		ms.ServeHTTP(rec, benchRequest(http.MethodPost, sessionsPth, fmt.Sprintf(`{"displayName":"s%04d"}`, i)))
	}
	for name, q := range map[string]string{
		"page":         "",
		"filter+count": "?$count=true&$filter=" + url.QueryEscape("startswith(displayName,'s09') or displayName eq null"),
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				ms.ServeHTTP(rec, benchRequest(http.MethodGet, sessionsPth+q, ""))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

// BenchmarkEvaluations measures reading an evaluation (the poll of a client) and listing the
// 100 evaluations of a prompt, through the handler.
func BenchmarkEvaluations(b *testing.B) {
	ms, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	post := func(target, body string) string {
		rec := httptest.NewRecorder()
		ms.ServeHTTP(rec, benchRequest(http.MethodPost, target, body))
		if rec.Code != http.StatusCreated {
			b.Fatalf("POST %s: status %d", target, rec.Code)
		}
		id, _ := decodeObjectID(rec.Body.String())
		return id
	}
	s := post(sessionsPth, docCreateSession)
	prompts := sessionsPth + "/" + s + "/prompts"
	p := post(prompts, `{"type":"prompt","content":"who am I"}`)
	evaluations := prompts + "/" + p + "/evaluations"
	var e string
	for i := 0; i < 100; i++ {
		e = post(evaluations, `{}`)
	}
	for name, target := range map[string]string{"get": evaluations + "/" + e, "list": evaluations + "?$top=100"} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				ms.ServeHTTP(rec, benchRequest(http.MethodGet, target, ""))
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d", rec.Code)
				}
			}
		})
	}
}

func decodeObjectID(body string) (string, bool) {
	obj, ok := decodeObject([]byte(body))
	id, _ := obj["id"].(string)
	return id, ok && id != ""
}
