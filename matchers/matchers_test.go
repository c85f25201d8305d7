package matchers_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/onsi/gomega/types"

	"github.com/copilotconf/copilotconf/matchers"
	"github.com/copilotconf/copilotconf/schemas"
)

const session = `{"@odata.context":"https://graph.microsoft.com/beta/$metadata#security/securityCopilot/workspaces('default')/sessions/$entity",` +
	`"@odata.type":"#microsoft.graph.security.securityCopilot.session","id":"s1","displayName":"a",` +
	`"createdDateTime":"2025-10-22T20:10:54.4940649Z","lastModifiedDateTime":"2025-10-22T20:10:54.4940649Z"}`

// resp is a matchers.Response.
type resp struct {
	status int
	body   string
}

func (r resp) HTTPStatus() int  { return r.status }
func (r resp) HTTPBody() []byte { return []byte(r.body) }

// hdr is an *http.Response with a status and headers given as name, value pairs.
func hdr(status int, nameValues ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(nameValues); i += 2 {
		h.Set(nameValues[i], nameValues[i+1])
	}
	return &http.Response{StatusCode: status, Header: h}
}

func TestMatchers(t *testing.T) {
	tests := []struct {
		name    string
		matcher types.GomegaMatcher
		actual  any
		message string // "" = the match succeeds
	}{
		{"status", matchers.HaveStatus(201), resp{201, ""}, ""},
		{"status of an http.Response", matchers.HaveStatus(200, 204), &http.Response{StatusCode: 204}, ""},
		{"wrong status", matchers.HaveStatus(201), resp{200, ""}, "expected status 201 Created, got 200 OK"},
		{"one of two", matchers.HaveStatus(413, 400), 500, "expected status 413 Request Entity Too Large or 400 Bad Request, got 500 Internal Server Error"},
		{"valid session", matchers.BeValid(schemas.Session), session, ""},
		{"invalid session", matchers.BeValid(schemas.Session), strings.Replace(session, `"s1"`, `5`, 1), "is not a valid session document:\n/id: expected string, but got number"},
		{"not JSON", matchers.BeValid(schemas.Session), "<html>", "expected a valid session document, the body is not JSON: line 1, column 1: invalid character '<'"},
		{"OData error", matchers.BeODataError(404), resp{404, `{"error":{"code":"notFound","message":"no"}}`}, ""},
		{"OData error with its code", matchers.BeODataError(404, "notFound"), resp{404, `{"error":{"code":"notFound","message":"no"}}`}, ""},
		{"other code", matchers.BeODataError(404, "itemNotFound"), resp{404, `{"error":{"code":"notFound","message":"no"}}`}, `expected error.code "itemNotFound", got "notFound"`},
		{"error status", matchers.BeODataError(404), resp{200, `{}`}, "expected status 404 Not Found, got 200 OK"},
		{"no error body", matchers.BeODataError(404), resp{404, `{"message":"no"}`}, "(root): missing properties: 'error'"},
		{"UTC", matchers.BeUTCDateTimeOffset(), "2025-10-22T20:10:54.4940649Z", ""},
		{"offset", matchers.BeUTCDateTimeOffset(), "2025-10-22T20:10:54+02:00", `"2025-10-22T20:10:54+02:00" is not in UTC`},
		{"13 digits", matchers.BeUTCDateTimeOffset(), "2025-10-22T20:10:54.1234567890123Z", "has 13 fractional-second digits; Edm.DateTimeOffset allows at most 12"},
		{"no offset", matchers.BeUTCDateTimeOffset(), "2025-10-22T20:10:54", "is not an RFC 3339 timestamp with an offset"},
		{"context", matchers.HaveODataContext("security/securityCopilot/workspaces('default')/sessions/$entity"), session, ""},
		{"other context", matchers.HaveODataContext("security/securityCopilot/workspaces('default')/sessions"), session,
			`expected @odata.context to end in "$metadata#security/securityCopilot/workspaces('default')/sessions", got "https://graph.microsoft.com/beta/$metadata#security/securityCopilot/workspaces('default')/sessions/$entity"`},
		{"no context", matchers.HaveODataContext("x"), `{}`, `expected @odata.context naming "x", got no @odata.context`},
		{"type", matchers.HaveODataType("#microsoft.graph.security.securityCopilot.session"), session, ""},
		{"other type", matchers.HaveODataType("#microsoft.graph.security.securityCopilot.prompt"), session,
			`expected @odata.type "#microsoft.graph.security.securityCopilot.prompt", got @odata.type "#microsoft.graph.security.securityCopilot.session"`},
		{"collection", matchers.BeCollectionOf(schemas.SessionCollection), `{"value":[` + session + `]}`, ""},
		{"no value", matchers.BeCollectionOf(schemas.SessionCollection), `{"items":[]}`, `expected a session-collection: an object with a "value" array, got no value`},
		{"count", matchers.HaveODataCount(2), `{"@odata.count":2,"value":[{},{}]}`, ""},
		{"other count", matchers.HaveODataCount(2), `{"@odata.count":3,"value":[{},{}]}`, "expected @odata.count 2 (the number of items listed across all pages), got 3"},
		{"count as text", matchers.HaveODataCount(2), `{"@odata.count":"2"}`, `got "2"`},
		{"no count", matchers.HaveODataCount(0), `{"value":[]}`, "the body has no @odata.count"},
		{"Graph timestamp", matchers.BeGraphTimestamp(), "2025-10-22T20:10:54.4940649Z", ""},
		{"nine digits", matchers.BeGraphTimestamp(), "2025-10-22T20:10:54.494064900Z", `got "2025-10-22T20:10:54.494064900Z"`},
		{"+00:00", matchers.BeGraphTimestamp(), "2025-10-22T20:10:54+00:00", "expected the form 2025-10-22T20:12:13.759634Z"},
		{"JSON media type", matchers.HaveJSONMediaType(), hdr(200, "Content-Type", "application/json; odata.metadata=minimal"), ""},
		{"text", matchers.HaveJSONMediaType(), hdr(201, "Content-Type", "text/plain"), `expected Content-Type application/json, got "text/plain" (the answer was 201 Created)`},
		{"request-id", matchers.HaveRequestID(), hdr(404, "request-id", "r1"), ""},
		{"no request-id", matchers.HaveRequestID(), hdr(404), "expected a request-id header, there is none (the answer was 404 Not Found)"},
		{"client-request-id", matchers.EchoClientRequestID("c1"), hdr(200, "client-request-id", "c1"), ""},
		{"other client-request-id", matchers.EchoClientRequestID("c1"), hdr(200, "client-request-id", "c2"), `expected client-request-id "c1" echoed, got "c2"`},
		{"Location", matchers.HaveLocationOf("s1"), hdr(201, "Location", "https://x/sessions('s1')"), ""},
		{"no Location", matchers.HaveLocationOf("s1"), hdr(201), "expected a Location header, there is none"},
		{"other Location", matchers.HaveLocationOf("s1"), hdr(201, "Location", "https://x/sessions('s2')"), `expected the Location header to name the new object "s1"`},
		{"context first", matchers.HaveODataContextFirst(), session, ""},
		{"no context at all", matchers.HaveODataContextFirst(), `{"id":"s1"}`, ""},
		{"context last", matchers.HaveODataContextFirst(), `{"id":"s1","value":[{"@odata.context":"x"}],"@odata.context":"x"}`, `expected @odata.context as the first member, the body begins with "id"`},
		{"context first of a response", matchers.HaveODataContextFirst(), resp{200, `{"value":[],"@odata.context":"x"}`}, `the body begins with "value"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := tc.matcher.Match(tc.actual)
			if err != nil {
				t.Fatalf("Match: %v", err)
			}
			if ok != (tc.message == "") {
				t.Fatalf("Match = %v, want %v (message %q)", ok, tc.message == "", tc.matcher.FailureMessage(tc.actual))
			}
			if tc.message != "" && !strings.Contains(tc.matcher.FailureMessage(tc.actual), tc.message) {
				t.Errorf("failure message\n%s\nwant it to contain\n%s", tc.matcher.FailureMessage(tc.actual), tc.message)
			}
		})
	}
}

func TestHTTPResponseBodyIsPutBack(t *testing.T) {
	r := &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(session))}
	if ok, _ := matchers.BeValid(schemas.Session).Match(r); !ok {
		t.Fatal("the response body is a valid session")
	}
	if b, _ := io.ReadAll(r.Body); string(b) != session {
		t.Errorf("the body was not put back: %q", b)
	}
}

func TestStatusOfSomethingElse(t *testing.T) {
	if _, err := matchers.HaveStatus(200).Match("200"); err == nil {
		t.Error("a string is no response; the matcher must say so")
	}
}
