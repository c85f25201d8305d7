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
// credentials or an unknown workspace end the run at once with exit code 3.
func preflight(client *httpclient.Client, workspace string) error {
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
	}
	return nil
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
