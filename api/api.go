// Package api declares the operations of the Security Copilot API that copilotconf checks and
// serves, once each: method, path, label, spec ID prefix, documentation page, documented query
// options, whether it writes, what it creates, a minimal valid request body and the schema of its
// answer. The suites derive their operation labels, spec order, authentication specs and
// protocol requests from these declarations, the run its ledger of created objects, the
// reference server the operation names its faults act on, and the tests their completeness
// checks (every operation has specs, an authentication spec, faults and a schema).
package api

import (
	"fmt"
	"net/url"
	"strings"
)

// Operation is one documented method of the API.
type Operation struct {
	// Name is the operation's label, e.g. "list-sessions".
	Name string
	// Title is how the documentation names it, e.g. "List sessions".
	Title  string
	Method string
	// Path is the template under the service root; parameters are written {name}.
	Path string
	// SpecPrefix starts the IDs of the operation's specs, e.g. "SESS-LIST".
	SpecPrefix string
	// Doc is the operation's documentation page.
	Doc string
	// Query lists the documented OData query options.
	Query []string
	// Writes says whether the operation changes the target (POST, PATCH).
	Writes bool
	// Creates is the kind of object a 2xx answer creates ("session"); "" when it creates none.
	Creates string
	// NameMember is the member of a created object that names it for people ("displayName");
	// "" when such objects have no name (an evaluation).
	NameMember string
	// Body builds a minimal valid request body whose text members carry text; nil: no body.
	Body func(text string) any
	// Response is the schema kind of a 2xx answer's body, e.g. "session-collection".
	Response string
}

// Path parameters.
const (
	WorkspaceID  = "workspaceId"
	SessionID    = "sessionId"
	PromptID     = "promptId"
	EvaluationID = "evaluationId"
)

const (
	docBase       = "https://learn.microsoft.com/en-us/graph/api/"
	docView       = "?view=graph-rest-beta"
	workspaceRoot = "/security/securityCopilot/workspaces/{" + WorkspaceID + "}"
	sessionsPath  = workspaceRoot + "/sessions"
	sessionPath   = sessionsPath + "/{" + SessionID + "}"
	promptsPath   = sessionPath + "/prompts"
	workspaces    = "/security/securityCopilot/workspaces"
	evaluations   = promptsPath + "/{" + PromptID + "}/evaluations"
)

// The operations, in documentation order.
var (
	ListSessions = Operation{
		Name: "list-sessions", Title: "List sessions", Method: "GET", Path: sessionsPath, SpecPrefix: "SESS-LIST",
		Doc:      docBase + "security-securitycopilot-workspace-list-sessions" + docView,
		Query:    []string{"$count", "$expand", "$filter", "$select", "$top"},
		Response: "session-collection",
	}
	CreateSession = Operation{
		Name: "create-session", Title: "Create session", Method: "POST", Path: sessionsPath, SpecPrefix: "SESS-CREATE",
		Doc:    docBase + "security-securitycopilot-workspace-post-sessions" + docView,
		Writes: true, Creates: "session", NameMember: "displayName",
		Body:     func(text string) any { return map[string]any{"displayName": text} },
		Response: "session",
	}
	GetSession = Operation{
		Name: "get-session", Title: "Get session", Method: "GET", Path: sessionPath, SpecPrefix: "SESS-GET",
		Doc:      docBase + "security-securitycopilot-session-get" + docView,
		Query:    []string{"$expand", "$select"},
		Response: "session",
	}
	UpdateSession = Operation{
		Name: "update-session", Title: "Update session", Method: "PATCH", Path: sessionPath, SpecPrefix: "SESS-UPDATE",
		Doc:      docBase + "security-securitycopilot-session-update" + docView,
		Writes:   true,
		Body:     func(text string) any { return map[string]any{"displayName": text} },
		Response: "session",
	}
	ListPrompts = Operation{
		Name: "list-prompts", Title: "List prompts", Method: "GET", Path: promptsPath, SpecPrefix: "PROMPT-LIST",
		Doc:      docBase + "security-securitycopilot-session-list-prompts" + docView,
		Query:    []string{"$count", "$filter", "$select", "$top"},
		Response: "prompt-collection",
	}
	CreatePrompt = Operation{
		Name: "create-prompt", Title: "Create prompt", Method: "POST", Path: promptsPath, SpecPrefix: "PROMPT-CREATE",
		Doc:    docBase + "security-securitycopilot-session-post-prompts" + docView,
		Writes: true, Creates: "prompt", NameMember: "content",
		Body:     func(text string) any { return map[string]any{"type": "prompt", "content": text} },
		Response: "prompt",
	}
	GetPrompt = Operation{
		Name: "get-prompt", Title: "Get prompt", Method: "GET", Path: promptsPath + "/{" + PromptID + "}", SpecPrefix: "PROMPT-GET",
		Doc:      docBase + "security-securitycopilot-prompt-get" + docView,
		Query:    []string{"$select"},
		Response: "prompt",
	}
	ListWorkspaces = Operation{
		Name: "list-workspaces", Title: "List workspaces", Method: "GET", Path: workspaces, SpecPrefix: "WS-LIST",
		Doc:      docBase + "securitycopilot-list-workspaces" + docView,
		Query:    []string{"$count", "$filter", "$select"},
		Response: "workspace-collection",
	}
	ListPlugins = Operation{
		Name: "list-plugins", Title: "List plugins", Method: "GET", Path: workspaceRoot + "/plugins", SpecPrefix: "PLUGIN-LIST",
		Doc:      docBase + "security-securitycopilot-workspace-list-plugins" + docView,
		Query:    []string{"$count", "$filter", "$select", "$top"},
		Response: "plugin-collection",
	}
	ListEvaluations = Operation{
		Name: "list-evaluations", Title: "List evaluations", Method: "GET", Path: evaluations, SpecPrefix: "EVAL-LIST",
		Doc:      docBase + "security-securitycopilot-prompt-list-evaluations" + docView,
		Query:    []string{"$count", "$filter", "$select", "$top"},
		Response: "evaluation-collection",
	}
	CreateEvaluation = Operation{
		Name: "create-evaluation", Title: "Create evaluation", Method: "POST", Path: evaluations, SpecPrefix: "EVAL-CREATE",
		Doc:    docBase + "security-securitycopilot-prompt-post-evaluations" + docView,
		Writes: true, Creates: "evaluation",
		// "No properties are required": the documented request is an empty object.
		Body:     func(string) any { return map[string]any{} },
		Response: "evaluation",
	}
	GetEvaluation = Operation{
		Name: "get-evaluation", Title: "Get evaluation", Method: "GET", Path: evaluations + "/{" + EvaluationID + "}", SpecPrefix: "EVAL-GET",
		Doc:      docBase + "security-securitycopilot-evaluation-get" + docView,
		Query:    []string{"$select"},
		Response: "evaluation",
	}
)

// Operations lists every declared operation in documentation order. Spec order and the
// numbering of the authentication specs follow it: a new operation goes at the end.
func Operations() []Operation {
	return []Operation{ListSessions, CreateSession, GetSession, UpdateSession, ListPrompts, CreatePrompt, GetPrompt,
		ListWorkspaces, ListPlugins, ListEvaluations, CreateEvaluation, GetEvaluation}
}

// AuthSpecID is the ID of the operation's authentication spec: PROTO-AUTH-nn, numbered from 01
// in the order of Operations (so a new operation, appended, takes the next number).
func (o Operation) AuthSpecID() string {
	for i, op := range Operations() {
		if op.Name == o.Name {
			return fmt.Sprintf("PROTO-AUTH-%02d", i+1)
		}
	}
	return ""
}

// Lookup finds an operation by name.
func Lookup(name string) (Operation, bool) {
	for _, op := range Operations() {
		if op.Name == name {
			return op, true
		}
	}
	return Operation{}, false
}

// Label is the operation's title as a request label: "list sessions".
func (o Operation) Label() string { return strings.ToLower(o.Title) }

// Params lists the path parameters of the operation, in order.
func (o Operation) Params() []string {
	var out []string
	for _, seg := range strings.Split(o.Path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

// Expand fills the path template; each value is escaped as one path segment.
func (o Operation) Expand(values map[string]string) string {
	segs := strings.Split(o.Path, "/")
	for i, seg := range segs {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			segs[i] = url.PathEscape(values[seg[1:len(seg)-1]])
		}
	}
	return strings.Join(segs, "/")
}

// Match finds the operation a request was: its method, and a path (under the service root,
// escaped, literal segments compared case-insensitively, a trailing slash ignored) that fits the
// template. It returns the path parameters, unescaped.
func Match(method, path string) (Operation, map[string]string, bool) {
	got := strings.Split(strings.Trim(path, "/"), "/")
	for _, op := range Operations() {
		if op.Method != method {
			continue
		}
		want := strings.Split(strings.Trim(op.Path, "/"), "/")
		if len(want) != len(got) {
			continue
		}
		params := map[string]string{}
		fits := true
		for i, w := range want {
			if strings.HasPrefix(w, "{") && strings.HasSuffix(w, "}") {
				v, err := url.PathUnescape(got[i])
				if err != nil || v == "" {
					fits = false
					break
				}
				params[w[1:len(w)-1]] = v
				continue
			}
			if !strings.EqualFold(w, got[i]) {
				fits = false
				break
			}
		}
		if fits {
			return op, params, true
		}
	}
	return Operation{}, nil, false
}
