package suites

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/internal/uuid"
)

// The @odata.type values of the two resources.
const (
	sessionType = api.TypeSession
	promptType  = api.TypePrompt
)

// fullMetadata is the Accept header that asks for odata.metadata=full.
const fullMetadata = "application/json;odata.metadata=full"

// ids names the path parameters of a request in the run's workspace.
func ids(pairs ...string) map[string]string {
	out := map[string]string{api.WorkspaceID: env().cfg.Workspace}
	for i := 0; i+1 < len(pairs); i += 2 {
		out[pairs[i]] = pairs[i+1]
	}
	return out
}

func sessionsPath() string { return api.ListSessions.Expand(ids()) }

func sessionPath(id string) string { return api.GetSession.Expand(ids(api.SessionID, id)) }

func promptsPath(sessionID string) string {
	return api.ListPrompts.Expand(ids(api.SessionID, sessionID))
}

func promptPath(sessionID, promptID string) string {
	return api.GetPrompt.Expand(ids(api.SessionID, sessionID, api.PromptID, promptID))
}

// query builds OData query options from name/value pairs.
func query(pairs ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		q.Add(pairs[i], pairs[i+1])
	}
	return q
}

func getRequest(label, path string, q url.Values) httpclient.Request {
	return httpclient.Request{Method: http.MethodGet, Path: path, Query: q, Label: label}
}

func jsonRequest(label, method, path string, body []byte) httpclient.Request {
	return httpclient.Request{
		Method: method, Path: path, Body: body, Label: label,
		Header: http.Header{"Content-Type": {"application/json"}},
	}
}

// mustJSON encodes a request body built by the suite itself, without HTML escaping.
func mustJSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("encoding a request body: %v", err))
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// runName names an object created by this run so that people can find it in their tenant.
func runName(purpose string) string {
	return fmt.Sprintf("copilotconf %s %s", env().cfg.RunID, purpose)
}

// unknownID is an id no target holds: a fresh random UUID.
func unknownID() string { return uuid.New() }

// window is the span of time in which the target handled a request.
type window struct{ From, To time.Time }

func windowOf(ex *httpclient.Exchange) window {
	return window{From: ex.Started, To: ex.Started.Add(ex.Duration)}
}

// httpRequest is the request type of the shared client.
type httpRequest = httpclient.Request
