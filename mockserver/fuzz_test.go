package mockserver

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzNoServerError drives the handler with arbitrary methods, paths,
// query strings, headers and bodies. It must never panic and never answer
// 500; every answer must be a JSON object with the common headers. The
// seed corpus runs in a normal `go test`.
//
// In path, query and body "{sid}" and "{pid}" stand for an existing
// session and prompt, "{sid2}" for a second session.
func FuzzNoServerError(f *testing.F) {
	type seed struct{ method, path, query, ctype, accept, auth, body string }
	const s = sessionsPth
	seeds := []seed{
		{"GET", s, "", "", "", "Bearer t", ""},
		{"POST", s, "", "application/json", "", "Bearer t", docCreateSession},
		{"PATCH", s + "/{sid}", "", "application/json", "", "Bearer t", docUpdateSession},
		{"POST", s + "/{sid}/prompts", "", "application/json", "", "Bearer t", docCreatePrompt},
		{"GET", s + "/{sid}/prompts/{pid}", "$select=content", "", "application/json;odata.metadata=full", "Bearer t", ""},
		{"GET", s + "/{sid2}/prompts/{pid}", "", "", "", "Bearer t", ""},
		{"GET", s, "$top=2&$count=true&$filter=startswith(displayName,'a')&$select=displayName&$expand=prompts", "", "", "Bearer t", ""},
		{"GET", s, "$filter=createdDateTime gt 2025-10-22T20:12:13.759634Z and (displayName eq null or not displayName ne 'x')", "", "", "Bearer t", ""},
		{"GET", s, "$filter=((((", "", "", "Bearer t", ""},
		{"GET", s, "$filter=createdDateTime eq 9999-12-31T23:59:59.999999999999+23:59", "", "", "Bearer t", ""},
		{"GET", s, "$filter=createdDateTime eq 0000-01-01T00:00:00-23:59", "", "", "Bearer t", ""},
		{"GET", s, "$skiptoken=djF8eHx5fDF8ZGVmYXVsdA", "", "", "Bearer t", ""},
		{"GET", s + "/{sid}/prompts", "top=1&skiptoken=%zz", "", "", "Bearer t", ""},
		{"GET", s + "/{sid}/prompts", "$filter=type eq 'prompt' or content eq 'it''s'", "", "", "Bearer t", ""},
		{"GET", s, "$orderby=x&$top=0", "", "", "Bearer t", ""},
		{"DELETE", s + "/{sid}", "", "", "", "Bearer t", ""},
		{"PUT", s + "/{sid}/prompts/{pid}", "", "application/json", "", "Bearer t", "{}"},
		{"HEAD", s, "", "", "", "Bearer t", ""},
		{"GET", "/security/securityCopilot/workspaces('default')/sessions('{sid}')/prompts('{pid}')", "", "", "", "Bearer t", ""},
		{"GET", "/security/securityCopilot/workspaces('de''fault')/sessions", "", "", "", "Bearer t", ""},
		{"GET", "/security/securityCopilot/workspaces/%00/sessions/%ff", "", "", "", "Bearer t", ""},
		{"GET", "/", "", "", "", "", ""},
		{"GET", s, "", "", "", "Basic abc", ""},
		{"GET", s, "", "", "", "Bearer wrong", ""},
		{"POST", s, "", "text/plain", "", "Bearer t", `{"displayName":"x"}`},
		{"POST", s, "", "application/json; charset=utf-16", "", "Bearer t", `{"displayName":"x"}`},
		{"POST", s, "", "application/json", "", "Bearer t", `{"displayName":"` + strings.Repeat("x", 5000) + `"}`},
		{"POST", s, "", "application/json", "", "Bearer t", `[` + strings.Repeat(`[`, 200) + strings.Repeat(`]`, 200) + `]`},
		{"POST", s, "", "application/json", "", "Bearer t", `{"displayName":"\ud800","id":1}`},
		{"PATCH", s + "/{sid}", "", "application/json", "", "Bearer t", `{"displayName":null}`},
		{"PATCH", s + "/{sid}", "", "application/json", "", "Bearer t", `{"displayName":"a"}garbage`},
		{"POST", s + "/{sid}/prompts", "", "application/json", "", "Bearer t", `{"type":"prompt","content":"x","inputs":{"k":[1,2.5e300,-0]},"skillInputDescriptors":[{"name":"n","type":{"name":"String"},"isRequired":false}]}`},
		{"POST", s + "/{sid}/prompts", "", "application/json", "", "Bearer t", `{"type":"skill","content":null}`},
		{"GET", s + "/{sid}", "$expand=prompts&$select=*", "", "application/json;odata.metadata=none;IEEE754Compatible=true", "Bearer t", ""},
	}
	for _, sd := range seeds {
		f.Add(sd.method, sd.path, sd.query, sd.ctype, sd.accept, sd.auth, []byte(sd.body))
	}
	f.Fuzz(func(t *testing.T, method, path, query, ctype, accept, auth string, body []byte) {
		ms, err := New(Options{Token: "t", Workspaces: []string{"default", "other"}, MaxBodyBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		sid := fuzzCreate(t, ms, sessionsPth, `{"displayName":"a"}`)
		sid2 := fuzzCreate(t, ms, sessionsPth, `{"displayName":"b"}`)
		pid := fuzzCreate(t, ms, sessionsPth+"/"+sid+"/prompts", `{"type":"prompt","content":"p"}`)
		sub := strings.NewReplacer("{sid}", sid, "{sid2}", sid2, "{pid}", pid)
		path, query = sub.Replace(path), sub.Replace(query)
		body = []byte(sub.Replace(string(body)))

		target := "http://127.0.0.1" + path
		if query != "" {
			target += "?" + query
		}
		req, err := http.NewRequest(method, target, bytes.NewReader(body))
		if err != nil {
			return // not a request a client could send
		}
		for k, v := range map[string]string{"Content-Type": ctype, "Accept": accept, "Authorization": auth} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		rec := httptest.NewRecorder()
		ms.ServeHTTP(rec, req)
		switch rec.Code {
		case 200, 201, 400, 401, 404, 405, 413, 415:
		default:
			t.Fatalf("%s %s: status %d: %s", method, target, rec.Code, rec.Body.Bytes())
		}
		if method != http.MethodHead {
			var v map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
				t.Fatalf("%s %s: body is not a JSON object: %v: %q", method, target, err, rec.Body.Bytes())
			}
			if rec.Code >= 400 {
				e, _ := v["error"].(map[string]any)
				if code, _ := e["code"].(string); code == "" {
					t.Fatalf("%s %s: error without code: %s", method, target, rec.Body.Bytes())
				}
				if msg, _ := e["message"].(string); msg == "" {
					t.Fatalf("%s %s: error without message: %s", method, target, rec.Body.Bytes())
				}
			}
		}
		h := rec.Header()
		if h.Get("request-id") == "" || h.Get("client-request-id") == "" || h.Get("OData-Version") != "4.0" ||
			!strings.HasPrefix(h.Get("Content-Type"), "application/json;") {
			t.Fatalf("%s %s: common headers missing: %v", method, target, h)
		}
	})
}

func fuzzCreate(t *testing.T, ms *Server, path, body string) string {
	req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1"+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	ms.ServeHTTP(rec, req)
	var v struct{ ID string }
	if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &v) != nil {
		t.Fatalf("setup POST %s: %d %s", path, rec.Code, rec.Body.Bytes())
	}
	return v.ID
}
