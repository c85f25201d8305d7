package mockserver

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// routeKind names the four resource shapes the API exposes.
type routeKind int

const (
	routeSessions    routeKind = iota + 1 // .../sessions
	routeSession                          // .../sessions/{id}
	routePrompts                          // .../sessions/{id}/prompts
	routePrompt                           // .../sessions/{id}/prompts/{promptId}
	routeWorkspaces                       // /security/securityCopilot/workspaces
	routePlugins                          // .../workspaces/{id}/plugins
	routeEvaluations                      // .../prompts/{promptId}/evaluations
	routeEvaluation                       // .../prompts/{promptId}/evaluations/{evaluationId}
)

// allowedMethods is the Allow header per resource shape.
var allowedMethods = map[routeKind][]string{
	routeSessions:    {http.MethodGet, http.MethodPost},
	routeSession:     {http.MethodGet, http.MethodPatch},
	routePrompts:     {http.MethodGet, http.MethodPost},
	routePrompt:      {http.MethodGet},
	routeWorkspaces:  {http.MethodGet},
	routePlugins:     {http.MethodGet},
	routeEvaluations: {http.MethodGet, http.MethodPost},
	routeEvaluation:  {http.MethodGet},
}

// route is a matched request path. Keys are as the client sent them
// (decoded); the store resolves them.
type route struct {
	kind       routeKind
	workspace  string
	session    string
	prompt     string
	evaluation string
}

// fixed literal segments, compared case-insensitively like Graph.
var routePrefix = []string{"security", "securityCopilot", "workspaces"}

// parsePath matches a request path. Keys may be given as path segments
// (sessions/{id}) or in OData key syntax (sessions('{id}')); both forms may
// be mixed. ok is false for any other path.
func parsePath(escapedPath string) (route, bool) {
	p := strings.TrimPrefix(escapedPath, "/")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return route{}, false
	}
	var segs []string
	for _, raw := range strings.Split(p, "/") {
		seg, err := url.PathUnescape(raw)
		if err != nil || seg == "" {
			return route{}, false
		}
		name, key, hasKey, ok := splitKeySegment(seg)
		if !ok {
			return route{}, false
		}
		segs = append(segs, name)
		if hasKey {
			// Only collection segments take a key.
			if !isOneOf(name, "workspaces", "sessions", "prompts", "evaluations") {
				return route{}, false
			}
			segs = append(segs, key)
		}
	}
	// security/securityCopilot/workspaces[/{ws}/plugins]
	// security/securityCopilot/workspaces/{ws}/sessions[/{sid}[/prompts[/{pid}[/evaluations[/{eid}]]]]]
	if len(segs) < 3 || len(segs) == 4 || len(segs) > 10 {
		return route{}, false
	}
	for i, lit := range routePrefix {
		if !strings.EqualFold(segs[i], lit) {
			return route{}, false
		}
	}
	if len(segs) == 3 {
		return route{kind: routeWorkspaces}, true
	}
	if len(segs) == 5 && strings.EqualFold(segs[4], "plugins") {
		return route{kind: routePlugins, workspace: segs[3]}, true
	}
	if !strings.EqualFold(segs[4], "sessions") {
		return route{}, false
	}
	rt := route{workspace: segs[3], kind: routeSessions}
	if len(segs) >= 6 {
		rt.session, rt.kind = segs[5], routeSession
	}
	if len(segs) >= 7 {
		if !strings.EqualFold(segs[6], "prompts") {
			return route{}, false
		}
		rt.kind = routePrompts
	}
	if len(segs) >= 8 {
		rt.prompt, rt.kind = segs[7], routePrompt
	}
	if len(segs) >= 9 {
		if !strings.EqualFold(segs[8], "evaluations") {
			return route{}, false
		}
		rt.kind = routeEvaluations
	}
	if len(segs) == 10 {
		rt.evaluation, rt.kind = segs[9], routeEvaluation
	}
	return rt, true
}

func isOneOf(name string, options ...string) bool {
	return slices.ContainsFunc(options, func(o string) bool { return strings.EqualFold(name, o) })
}

// splitKeySegment splits "name('key')" into name and key. A segment without
// parentheses is returned as is. In a quoted key a doubled quote stands for
// one quote; an unquoted key is taken literally.
func splitKeySegment(seg string) (name, key string, hasKey, ok bool) {
	open := strings.IndexByte(seg, '(')
	if open < 0 {
		if strings.ContainsAny(seg, "()") {
			return "", "", false, false
		}
		return seg, "", false, true
	}
	if open == 0 || !strings.HasSuffix(seg, ")") {
		return "", "", false, false
	}
	name, inner := seg[:open], seg[open+1:len(seg)-1]
	if strings.ContainsAny(name, "()'") {
		return "", "", false, false
	}
	if len(inner) >= 2 && inner[0] == '\'' && inner[len(inner)-1] == '\'' {
		body := inner[1 : len(inner)-1]
		// Every quote inside must be doubled.
		if strings.Count(strings.ReplaceAll(body, "''", ""), "'") != 0 {
			return "", "", false, false
		}
		key = strings.ReplaceAll(body, "''", "'")
	} else {
		if strings.ContainsAny(inner, "'()") {
			return "", "", false, false
		}
		key = inner
	}
	if key == "" {
		return "", "", false, false
	}
	return name, key, true, true
}

// route dispatches a request to its operation.
func (s *Server) route(rc *reqCtx) (*response, error) {
	rt, ok := parsePath(rc.r.URL.EscapedPath())
	if !ok {
		return nil, notFound("Resource not found for the segment path '%s'.", rc.r.URL.Path)
	}
	allow := allowedMethods[rt.kind]
	if !slices.Contains(allow, rc.r.Method) {
		return nil, methodNotAllowed(rc.r.Method, allow)
	}
	switch rt.kind {
	case routeSessions:
		if rc.r.Method == http.MethodPost {
			return s.createSession(rc, rt)
		}
		return s.listSessions(rc, rt)
	case routeSession:
		if rc.r.Method == http.MethodPatch {
			return s.updateSession(rc, rt)
		}
		return s.getSession(rc, rt)
	case routePrompts:
		if rc.r.Method == http.MethodPost {
			return s.createPrompt(rc, rt)
		}
		return s.listPrompts(rc, rt)
	case routeWorkspaces:
		return s.listWorkspaces(rc)
	case routePlugins:
		return s.listPlugins(rc, rt)
	case routeEvaluations:
		if rc.r.Method == http.MethodPost {
			return s.createEvaluation(rc, rt)
		}
		return s.listEvaluations(rc, rt)
	case routeEvaluation:
		return s.getEvaluation(rc, rt)
	default:
		return s.getPrompt(rc, rt)
	}
}
