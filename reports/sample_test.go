package reports_test

import (
	"time"

	"github.com/copilotconf/copilotconf/results"
)

// sampleRun is a small run with one spec of every kind of ending, and a target whose answers
// try to inject markup and to load a remote resource.
func sampleRun() *results.Run {
	hostile := `{"displayName":"</script><img src=https://example.invalid/x.png onerror=alert(1)>"}`
	exchange := results.Exchange{
		Label: "create session", Method: "POST", URL: "http://127.0.0.1:1/security/securityCopilot/workspaces/default/sessions", Status: 200,
		Transcript: "--> POST http://127.0.0.1:1/...\nAuthorization: Bearer [REDACTED]\n\n" + hostile + "\n<-- 200 OK\n\n" + hostile,
		Curl:       `curl -sS -i -X POST 'http://127.0.0.1:1/security/securityCopilot/workspaces/default/sessions' -H "Authorization: Bearer $COPILOTCONF_TOKEN" --data-binary '{"displayName":"x"}'`,
	}
	cause := &results.Cause{Summary: "create session answered 200 OK (expected 201 Created with an id)", Object: "a shared session",
		Step: "create session", Spec: "SESS-CREATE-01", Exchange: &exchange}
	started := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	doc := "https://learn.microsoft.com/en-us/graph/api/security-securitycopilot-workspace-post-sessions?view=graph-rest-beta"
	return &results.Run{
		Tool: results.Tool{Name: "copilotconf", Version: "v0.0.0-test"}, RunID: "abcd1234",
		Started: started, Finished: started.Add(3 * time.Second),
		Target: results.Target{URL: "http://127.0.0.1:1", Workspace: "default", Auth: "static token", TLSVerification: true},
		Mode:   results.Mode{},
		Specs: []results.Spec{
			{ID: "SESS-LIST-01", Level: "core", Operation: "list-sessions", Requirement: "returns 200", Doc: doc, Selected: true, Outcome: results.Passed, Location: "suites/list_sessions.go:21"},
			{ID: "SESS-CREATE-01", Level: "core", Operation: "create-session", Requirement: "returns 201 Created", Doc: doc, Selected: true,
				Outcome: results.Failed, Reason: "create session: expected status 201 Created, got 200 OK", Location: "suites/create_session.go:42",
				Problems: []string{"create session: expected status 201 Created, got 200 OK"}, Exchanges: []results.Exchange{exchange},
				Message: "[SESS-CREATE-01] returns 201 Created\n..."},
			{ID: "SESS-CREATE-10", Level: "advisory", Operation: "create-session", Requirement: "sends a Location header", Doc: doc, Selected: true,
				Outcome: results.Failed, Reason: "no Location header", Problems: []string{"no Location header"}, Exchanges: []results.Exchange{exchange}},
			{ID: "SESS-GET-01", Level: "core", Operation: "get-session", Requirement: "returns 200", Doc: doc, Selected: true,
				Outcome: results.Blocked, Reason: cause.Summary, Cause: cause, Problems: []string{"precondition failed"}},
			{ID: "SESS-GET-04", Level: "odata", Operation: "get-session", Requirement: "carries @odata.type", Doc: doc, Selected: true,
				Outcome: results.Blocked, Reason: cause.Summary, Cause: cause, Problems: []string{"precondition failed"}},
			{ID: "PROTO-AUTH-01", Level: "core", Operation: "protocol", Requirement: "answers 401", Doc: doc, Selected: true,
				Outcome: results.Skipped, Reason: "read-only mode: this check has to create or change objects"},
		},
		Created: []results.CreatedObject{{Kind: "session", ID: "1", Name: "copilotconf abcd1234 plain session", URL: "http://127.0.0.1:1/x"}},
	}
}
