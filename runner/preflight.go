package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/copilotconf/copilotconf/internal/httpclient"
)

// preflight lists one session before any spec runs, so that an unreachable target, rejected
// credentials, an unknown workspace, an answer that is not a readable JSON collection or an
// unknown --session-id end the run at once with exit code 3.
func preflight(client *httpclient.Client, workspace, sessionID string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	ex := client.Do(ctx, httpclient.Request{
		Method: http.MethodGet,
		Path:   "/security/securityCopilot/workspaces/" + url.PathEscape(workspace) + "/sessions",
		Query:  url.Values{"$top": {"1"}},
		Label:  "preflight: list sessions",
	})
	switch {
	case errors.Is(ex.Err, httpclient.ErrCredentials):
		return targetErrorf("credentials rejected: %s", client.Redact(fmt.Sprint(ex.Err)))
	case ex.Status == 0:
		return targetErrorf("target unreachable: %s", client.Redact(fmt.Sprint(ex.Err)))
	case ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden:
		return targetErrorf("credentials rejected: %d %s (reading sessions needs the SecurityCopilotWorkspaces.Read.All permission, writing them SecurityCopilotWorkspaces.ReadWrite.All; delegated callers also need the Security Copilot Contributor role)",
			ex.Status, client.Redact(errorSummary(ex.ResponseBody)))
	case ex.Status == http.StatusNotFound:
		return targetErrorf("workspace %q not found, or the target does not serve the sessions API under this root: 404 %s",
			workspace, client.Redact(errorSummary(ex.ResponseBody)))
	case ex.Err != nil:
		return targetErrorf("target unhealthy: list sessions answered %d but its body could not be read: %s", ex.Status, client.Redact(fmt.Sprint(ex.Err)))
	case !isJSONObject(ex.ResponseBody):
		return targetErrorf("list sessions answered %d with a body that is not a JSON object: %s", ex.Status, client.Redact(errorSummary(ex.ResponseBody)))
	}
	if sessionID == "" {
		return nil
	}
	get := client.Do(ctx, httpclient.Request{
		Method: http.MethodGet,
		Path:   "/security/securityCopilot/workspaces/" + url.PathEscape(workspace) + "/sessions/" + url.PathEscape(sessionID),
		Label:  "preflight: get the session named by --session-id",
	})
	switch {
	case get.Status == http.StatusNotFound:
		return targetErrorf("session %q not found (--session-id): 404 %s", sessionID, client.Redact(errorSummary(get.ResponseBody)))
	case get.Status != http.StatusOK || get.Err != nil:
		return targetErrorf("session %q (--session-id) could not be read: %s", sessionID, client.Redact(describeAnswer(get)))
	}
	return nil
}

// isJSONObject reports whether body is one JSON object. The shape of the collection inside it
// is for the specs to judge: a renamed "value" is a conformance failure they explain, not a
// reason to stop the run.
func isJSONObject(body []byte) bool {
	var obj map[string]json.RawMessage
	return json.Unmarshal(body, &obj) == nil && obj != nil
}

// describeAnswer says what an exchange came back with, in one line.
func describeAnswer(ex *httpclient.Exchange) string {
	if ex.Status == 0 {
		return fmt.Sprintf("no response (%v)", ex.Err)
	}
	if ex.Err != nil {
		return fmt.Sprintf("%d, then %v", ex.Status, ex.Err)
	}
	return fmt.Sprintf("%d %s", ex.Status, errorSummary(ex.ResponseBody))
}

// errorSummary renders "<code>: <message>" from an OData error body, or an excerpt of the body.
func errorSummary(body []byte) string {
	var e struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) == nil && (e.Error.Code != "" || e.Error.Message != "") {
		return e.Error.Code + ": " + e.Error.Message
	}
	const n = 200
	if len(body) > n {
		return fmt.Sprintf("%q…", body[:n])
	}
	if len(body) == 0 {
		return "(empty body)"
	}
	return fmt.Sprintf("%q", body)
}
