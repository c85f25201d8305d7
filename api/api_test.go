package api

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// Every declaration is complete, and names, prefixes, methods and paths are unique.
func TestDeclarationsAreComplete(t *testing.T) {
	names, prefixes, routes := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, op := range Operations() {
		if op.Name == "" || op.Title == "" || op.SpecPrefix == "" || op.Response == "" || !strings.HasPrefix(op.Doc, "https://learn.microsoft.com/") ||
			!strings.HasPrefix(op.Path, "/security/securityCopilot/") {
			t.Errorf("incomplete declaration: %+v", op)
		}
		switch op.Method {
		case http.MethodGet:
			if op.Writes || op.Body != nil || op.Creates != "" {
				t.Errorf("%s: a GET neither writes nor takes a body", op.Name)
			}
		case http.MethodPost, http.MethodPatch:
			if !op.Writes || op.Body == nil {
				t.Errorf("%s: a %s writes and takes a body", op.Name, op.Method)
			}
		default:
			t.Errorf("%s: undocumented method %s", op.Name, op.Method)
		}
		if op.Creates == "" && op.NameMember != "" {
			t.Errorf("%s: an operation that creates nothing has no member naming what it creates", op.Name)
		}
		route := op.Method + " " + op.Path
		if names[op.Name] || prefixes[op.SpecPrefix] || routes[route] {
			t.Errorf("%s: name, spec prefix or route declared twice", op.Name)
		}
		names[op.Name], prefixes[op.SpecPrefix], routes[route] = true, true, true
	}
}

func TestExpandAndMatchAgree(t *testing.T) {
	ids := map[string]string{WorkspaceID: "default", SessionID: "a b/c", PromptID: "p-1", EvaluationID: "e 1"}
	for _, op := range Operations() {
		path := op.Expand(ids)
		got, params, ok := Match(op.Method, path)
		if !ok || got.Name != op.Name {
			t.Errorf("%s: %s %s matched %q", op.Name, op.Method, path, got.Name)
			continue
		}
		for _, p := range op.Params() {
			if params[p] != ids[p] {
				t.Errorf("%s: parameter %s = %q, want %q", op.Name, p, params[p], ids[p])
			}
		}
	}
}

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		method, path string
		want         string
		params       map[string]string
	}{
		{"GET", "/security/securityCopilot/workspaces/default/sessions", "list-sessions", map[string]string{WorkspaceID: "default"}},
		{"POST", "/Security/SecurityCopilot/Workspaces/w1/Sessions/", "create-session", map[string]string{WorkspaceID: "w1"}},
		{"POST", "/security/securityCopilot/workspaces/w1/sessions/s%2F1/prompts", "create-prompt", map[string]string{WorkspaceID: "w1", SessionID: "s/1"}},
		{"DELETE", "/security/securityCopilot/workspaces/w1/sessions/s1", "", nil},
		{"GET", "/security/securityCopilot/workspaces/w1/other", "", nil},
	} {
		op, params, ok := Match(c.method, c.path)
		if op.Name != c.want || ok != (c.want != "") || (ok && !reflect.DeepEqual(params, c.params)) {
			t.Errorf("Match(%s %s) = %q %v %v, want %q %v", c.method, c.path, op.Name, params, ok, c.want, c.params)
		}
	}
}
