package mockserver

import (
	"fmt"
	"net/http"
	"strings"
)

// Error codes written in error.code. Status-derived codes are the
// camel-cased status text, as Graph's guideline asks; authentication uses
// Graph's specific code.
const (
	codeBadRequest            = "badRequest"
	codeUnauthorized          = "InvalidAuthenticationToken"
	codeNotFound              = "notFound"
	codeMethodNotAllowed      = "methodNotAllowed"
	codeRequestEntityTooLarge = "requestEntityTooLarge"
	codeUnsupportedMediaType  = "unsupportedMediaType"
	codeInternalServerError   = "internalServerError"
)

// apiError is a request failure that renders as an OData error body.
type apiError struct {
	status  int
	code    string
	message string
	header  http.Header // extra headers (Allow, WWW-Authenticate)
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.message) }

func newAPIError(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, message: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *apiError {
	return newAPIError(http.StatusBadRequest, codeBadRequest, format, args...)
}

func notFound(format string, args ...any) *apiError {
	return newAPIError(http.StatusNotFound, codeNotFound, format, args...)
}

func unauthorized(message string) *apiError {
	e := newAPIError(http.StatusUnauthorized, codeUnauthorized, "%s", message)
	e.header = http.Header{"Www-Authenticate": {"Bearer"}}
	return e
}

func methodNotAllowed(method string, allow []string) *apiError {
	e := newAPIError(http.StatusMethodNotAllowed, codeMethodNotAllowed,
		"The HTTP method '%s' is not allowed on this resource.", method)
	e.header = http.Header{"Allow": {strings.Join(allow, ", ")}}
	return e
}

// errorBody builds the Graph error shape:
//
//	{"error":{"code":...,"message":...,"innerError":{"date":...,"request-id":...,"client-request-id":...}}}
func errorBody(rc *reqCtx, code, message string) *jsonObject {
	inner := newObject().
		Set("date", rc.now.UTC().Format(errorDateLayout)).
		Set("request-id", rc.requestID).
		Set("client-request-id", rc.clientRequestID)
	e := newObject().
		Set("code", code).
		Set("message", message).
		Set("innerError", inner)
	return newObject().Set("error", e)
}

// errorResponse turns any error into a response. An error that is not an
// *apiError is a bug in this package and becomes a 500.
func errorResponse(rc *reqCtx, err error) *response {
	e, ok := err.(*apiError)
	if !ok {
		e = newAPIError(http.StatusInternalServerError, codeInternalServerError,
			"internal error: %v", err)
	}
	resp := &response{status: e.status, body: errorBody(rc, e.code, e.message), header: http.Header{}}
	for k, vs := range e.header {
		resp.header[k] = append([]string(nil), vs...)
	}
	return resp
}
