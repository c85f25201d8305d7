package suites

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/copilotconf/copilotconf/internal/httpclient"
)

// operationRequest builds a well-formed request for one of the seven operations, aimed at ids
// no target holds, so that it never creates or changes anything on a target that checks
// credentials first.
type operationRequest func() httpRequest

var operationRequests = map[Operation]operationRequest{
	ListSessions: func() httpRequest { return getRequest("list sessions", sessionsPath(), nil) },
	CreateSession: func() httpRequest {
		return jsonRequest("create session", http.MethodPost, sessionsPath(), mustJSON(map[string]any{"displayName": runName("unauthenticated")}))
	},
	GetSession: func() httpRequest { return getRequest("get session", sessionPath(unknownID()), nil) },
	UpdateSession: func() httpRequest {
		return jsonRequest("update session", http.MethodPatch, sessionPath(unknownID()), mustJSON(map[string]any{"displayName": runName("unauthenticated")}))
	},
	ListPrompts: func() httpRequest { return getRequest("list prompts", promptsPath(unknownID()), nil) },
	CreatePrompt: func() httpRequest {
		return jsonRequest("create prompt", http.MethodPost, promptsPath(unknownID()), mustJSON(map[string]any{"type": "prompt", "content": runName("unauthenticated")}))
	},
	GetPrompt: func() httpRequest { return getRequest("get prompt", promptPath(unknownID(), unknownID()), nil) },
}

func authSpec(id string, op Operation, needs Needs) TableEntry {
	GinkgoHelper()
	return entry(Spec{ID: id, Level: Core, Operation: Protocol, Doc: DocAuth, Needs: needs,
		Requirement: "answers " + string(op) + " without a token, and with a wrong token, with 401 and an OData error"}, op)
}

var _ = describe("Protocol", func() {
	DescribeTable("Authentication", runEntry(func(t *T, op Operation) {
		missing := operationRequests[op]()
		missing.Auth = httpclient.AuthNone
		missing.Label += " without a token"
		expectODataError(t, t.Do(missing), http.StatusUnauthorized)

		wrong := operationRequests[op]()
		wrong.Auth = httpclient.AuthToken
		wrong.Token = "copilotconf-wrong-token-" + unknownID()
		wrong.Label += " with a wrong token"
		expectODataError(t, t.Do(wrong), http.StatusUnauthorized)
	}),
		authSpec("PROTO-AUTH-01", ListSessions, NeedsNothing),
		authSpec("PROTO-AUTH-02", CreateSession, NeedsWrites),
		authSpec("PROTO-AUTH-03", GetSession, NeedsNothing),
		authSpec("PROTO-AUTH-04", UpdateSession, NeedsWrites),
		authSpec("PROTO-AUTH-05", ListPrompts, NeedsNothing),
		authSpec("PROTO-AUTH-06", CreatePrompt, NeedsWrites),
		authSpec("PROTO-AUTH-07", GetPrompt, NeedsNothing),
	)

	conformance(Spec{ID: "PROTO-ERROR-01", Slow: true, Level: Core, Operation: Protocol, Doc: DocErrors,
		Requirement: "gives every error a body with non-empty string error.code and error.message"}, func(t *T) {
		unauthenticated := operationRequests[ListSessions]()
		unauthenticated.Auth = httpclient.AuthNone
		unauthenticated.Label += " without a token"
		for _, c := range []struct {
			req    httpRequest
			status int
		}{
			{operationRequests[GetSession](), http.StatusNotFound},
			{operationRequests[ListPrompts](), http.StatusNotFound},
			{operationRequests[GetPrompt](), http.StatusNotFound},
			{unauthenticated, http.StatusUnauthorized},
		} {
			expectODataError(t, t.Do(c.req), c.status)
		}
	})

	conformance(Spec{ID: "PROTO-HEADERS-01", Level: Advisory, Operation: Protocol, Doc: DocErrors,
		Requirement: "sends a request-id header on successful and failed responses"}, func(t *T) {
		for _, ex := range []*httpclient.Exchange{
			t.Do(operationRequests[ListSessions]()),
			t.Do(operationRequests[GetSession]()),
		} {
			if ex.Status != 0 && strings.TrimSpace(ex.ResponseHeader.Get("request-id")) == "" {
				t.Errorf("%s (%s): expected a request-id header, there is none", ex.Label, describeStatus(ex))
			}
		}
	})

	conformance(Spec{ID: "PROTO-HEADERS-02", Level: Advisory, Operation: Protocol, Doc: DocErrors,
		Requirement: "echoes the client-request-id header the client sent"}, func(t *T) {
		for _, req := range []httpRequest{operationRequests[ListSessions](), operationRequests[GetSession]()} {
			sent := unknownID()
			req.Header = http.Header{"client-request-id": {sent}}
			ex := t.Do(req)
			if got := ex.ResponseHeader.Get("client-request-id"); ex.Status != 0 && got != sent {
				t.Errorf("%s (%s): expected client-request-id %q echoed, got %q", ex.Label, describeStatus(ex), sent, got)
			}
		}
	})

	conformance(Spec{ID: "PROTO-METHOD-01", Level: Advisory, Operation: Protocol, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers DELETE on a session, which is not documented, with 405"}, func(t *T) {
		s := disposableSession(t)
		ex := t.Do(httpclient.Request{Method: http.MethodDelete, Path: sessionPath(s.ID), Label: "delete session"})
		expectODataError(t, ex, http.StatusMethodNotAllowed)
	})

	conformance(Spec{ID: "PROTO-METHOD-02", Level: Advisory, Operation: Protocol, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers PATCH on a prompt, which is not documented, with 405"}, func(t *T) {
		p := mustPrompts(t)
		body := mustJSON(map[string]any{"content": p.Content[1]})
		expectRejected(t, "update prompt", http.MethodPatch, promptPath(p.Session.ID, p.Second.ID), body, http.StatusMethodNotAllowed)
	})

	conformance(Spec{ID: "PROTO-LIMIT-01", Slow: true, Level: Advisory, Operation: Protocol, Doc: DocODataProtocol, Needs: NeedsWrites,
		Requirement: "refuses a request body of 5 MiB with 413 (or 400) and an OData error"}, func(t *T) {
		huge := strings.Repeat("x", 5<<20)
		body := mustJSON(map[string]any{"displayName": runName("oversized " + huge)})
		ex := t.Do(jsonRequest("create session with a 5 MiB body", http.MethodPost, sessionsPath(), body))
		expectODataError(t, ex, http.StatusRequestEntityTooLarge, http.StatusBadRequest)
	})

	conformance(Spec{ID: "PROTO-MEDIA-01", Level: OData, Operation: Protocol, Doc: DocODataProtocol, Needs: NeedsWrites,
		Requirement: "answers a POST whose Content-Type is not JSON with 415"}, func(t *T) {
		req := jsonRequest("create session sent as text/plain", http.MethodPost, sessionsPath(), mustJSON(map[string]any{"displayName": runName("text/plain")}))
		req.Header.Set("Content-Type", "text/plain")
		expectODataError(t, t.Do(req), http.StatusUnsupportedMediaType)
	})
})
