package suites

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/matchers"
)

// requestFor builds a well-formed request for an operation, aimed at ids no target holds (the
// workspace aside), so that it never creates or changes anything on a target that checks
// credentials first.
func requestFor(op api.Operation) httpRequest {
	ids := map[string]string{}
	for _, p := range op.Params() {
		ids[p] = unknownID()
	}
	ids[api.WorkspaceID] = env().cfg.Workspace
	req := httpRequest{Method: op.Method, Path: op.Expand(ids), Label: op.Label()}
	if op.Body != nil {
		req = jsonRequest(op.Label(), op.Method, req.Path, mustJSON(op.Body(runName("unauthenticated"))))
	}
	return req
}

// authSpec is the authentication spec of an operation (api.Operation.AuthSpecID).
func authSpec(op api.Operation) TableEntry {
	GinkgoHelper()
	needs := NeedsNothing
	if op.Writes {
		needs = NeedsWrites
	}
	return entry(Spec{ID: op.AuthSpecID(), Level: Core, Operation: Protocol, Doc: DocAuth, Needs: needs,
		Requirement: "answers " + op.Name + " without a token, and with a wrong token, with 401 and an OData error"}, op)
}

// authSpecs declares one authentication spec per operation.
func authSpecs() []TableEntry {
	GinkgoHelper()
	var out []TableEntry
	for _, op := range api.Operations() {
		out = append(out, authSpec(op))
	}
	return out
}

// unknownResourceRequests are the reads of every operation that names a session, prompt or
// other object by id, each with ids no target holds.
func unknownResourceRequests() []httpRequest {
	var out []httpRequest
	for _, op := range api.Operations() {
		if op.Method == http.MethodGet && len(op.Params()) > 1 {
			out = append(out, requestFor(op))
		}
	}
	return out
}

var _ = describe("Protocol", func() {
	DescribeTable("Authentication", runEntry(func(t *T, op api.Operation) {
		missing := requestFor(op)
		missing.Auth = httpclient.AuthNone
		missing.Label += " without a token"
		expectODataError(t, t.Do(missing), http.StatusUnauthorized)

		wrong := requestFor(op)
		wrong.Auth = httpclient.AuthToken
		wrong.Token = "copilotconf-wrong-token-" + unknownID()
		wrong.Label += " with a wrong token"
		expectODataError(t, t.Do(wrong), http.StatusUnauthorized)
	}), authSpecs())

	conformance(Spec{ID: "PROTO-ERROR-01", Slow: true, Level: Core, Operation: Protocol, Doc: DocErrors,
		Requirement: "gives every error a body with non-empty string error.code and error.message"}, func(t *T) {
		for _, req := range unknownResourceRequests() {
			expectODataError(t, t.Do(req), http.StatusNotFound)
		}
		unauthenticated := requestFor(api.ListSessions)
		unauthenticated.Auth = httpclient.AuthNone
		unauthenticated.Label += " without a token"
		expectODataError(t, t.Do(unauthenticated), http.StatusUnauthorized)
	})

	conformance(Spec{ID: "PROTO-HEADERS-01", Level: Advisory, Operation: Protocol, Doc: DocErrors,
		Requirement: "sends a request-id header on successful and failed responses"}, func(t *T) {
		for _, ex := range []*httpclient.Exchange{
			t.Do(requestFor(api.ListSessions)),
			t.Do(requestFor(api.GetSession)),
		} {
			if ex.Status != 0 {
				t.check(ex.Label, ex, matchers.HaveRequestID())
			}
		}
	})

	conformance(Spec{ID: "PROTO-HEADERS-02", Level: Advisory, Operation: Protocol, Doc: DocErrors,
		Requirement: "echoes the client-request-id header the client sent"}, func(t *T) {
		for _, req := range []httpRequest{requestFor(api.ListSessions), requestFor(api.GetSession)} {
			sent := unknownID()
			req.Header = http.Header{"client-request-id": {sent}}
			ex := t.Do(req)
			if ex.Status != 0 {
				t.check(ex.Label, ex, matchers.EchoClientRequestID(sent))
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
