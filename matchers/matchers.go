// Package matchers holds Gomega matchers for the Microsoft Graph Security Copilot API:
// a body valid against an embedded JSON Schema, an OData error, a UTC DateTimeOffset, an
// @odata.context naming an entity set or entity (and written first), an exact @odata.type, a
// collection of a kind, an @odata.count, a response's status, and the headers every answer
// carries (Content-Type, request-id, client-request-id, Location). The copilotconf suites and
// explorations check through them; a team's own Ginkgo suite can import them too:
//
//	Expect(resp).To(matchers.HaveStatus(http.StatusCreated))
//	Expect(body).To(matchers.BeValid(schemas.Session))
//
// A body is []byte, string, json.RawMessage or an already decoded value; a response is an
// *http.Response (its body is read and put back) or anything with HTTPStatus() int and
// HTTPBody() []byte; the header matchers need HTTPHeader() http.Header instead of HTTPBody.
package matchers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/onsi/gomega/types"

	"github.com/copilotconf/copilotconf/schemas"
)

// Response is what the response matchers read besides *http.Response.
type Response interface {
	HTTPStatus() int
	HTTPBody() []byte
}

// matcher is a GomegaMatcher from a check that explains itself.
type matcher struct {
	check   func(actual any) (ok bool, why string, err error)
	what    string // what the matcher expects, for the negated message
	lastWhy string
}

func (m *matcher) Match(actual any) (bool, error) {
	ok, why, err := m.check(actual)
	m.lastWhy = why
	return ok, err
}

func (m *matcher) FailureMessage(any) string { return m.lastWhy }

func (m *matcher) NegatedFailureMessage(any) string { return "expected not " + m.what }

// decodeBody turns a body into a decoded JSON value; an already decoded value is returned as
// it is.
func decodeBody(actual any) (any, error) {
	raw, isRaw, err := rawBody(actual)
	if err != nil || !isRaw {
		return actual, err
	}
	return schemas.Parse(raw)
}

// rawBody returns the bytes of a body given as []byte, string, json.RawMessage or a response;
// isRaw is false for anything else (an already decoded value).
func rawBody(actual any) (raw []byte, isRaw bool, err error) {
	switch v := actual.(type) {
	case []byte:
		return v, true, nil
	case json.RawMessage:
		return v, true, nil
	case string:
		return []byte(v), true, nil
	case Response:
		return v.HTTPBody(), true, nil
	case *http.Response:
		b, err := readResponse(v)
		return b, true, err
	}
	return nil, false, nil
}

// readResponse reads an *http.Response body and puts it back for later readers.
func readResponse(r *http.Response) ([]byte, error) {
	if r == nil || r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, err
}

func statusOf(actual any) (int, error) {
	switch v := actual.(type) {
	case int:
		return v, nil
	case *http.Response:
		if v == nil {
			return 0, errors.New("a nil *http.Response")
		}
		return v.StatusCode, nil
	case Response:
		return v.HTTPStatus(), nil
	}
	return 0, fmt.Errorf("expected a status: an int, an *http.Response or a matchers.Response, got %T", actual)
}

func describeStatus(code int) string {
	if code == 0 {
		return "no response"
	}
	return fmt.Sprintf("%d %s", code, http.StatusText(code))
}

// HaveStatus succeeds when the response's status is one of want.
func HaveStatus(want ...int) types.GomegaMatcher {
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = describeStatus(w)
	}
	expected := "status " + strings.Join(names, " or ")
	return &matcher{what: expected, check: func(actual any) (bool, string, error) {
		got, err := statusOf(actual)
		if err != nil {
			return false, "", err
		}
		for _, w := range want {
			if got == w {
				return true, "", nil
			}
		}
		return false, fmt.Sprintf("expected %s, got %s", expected, describeStatus(got)), nil
	}}
}

// BeValid succeeds when the body is valid against the embedded schema of kind; the failure
// lists every violation with its JSON Pointer.
func BeValid(kind schemas.Kind) types.GomegaMatcher {
	return &matcher{what: "a valid " + string(kind) + " document", check: func(actual any) (bool, string, error) {
		v, err := decodeBody(actual)
		if err != nil {
			return false, fmt.Sprintf("expected a valid %s document, the body is not JSON: %v", kind, err), nil
		}
		err = schemas.Default().ValidateValue(kind, v)
		if err == nil {
			return true, "", nil
		}
		var verr *schemas.ValidationError
		if errors.As(err, &verr) {
			lines := make([]string, len(verr.Violations))
			for i, viol := range verr.Violations {
				lines[i] = viol.String()
			}
			return false, fmt.Sprintf("is not a valid %s document:\n%s", kind, strings.Join(lines, "\n")), nil
		}
		return false, "", err
	}}
}

// BeODataError succeeds when the response has the status and an OData error body (error.code
// and error.message non-empty strings); with code, error.code must be it.
func BeODataError(status int, code ...string) types.GomegaMatcher {
	return &matcher{what: fmt.Sprintf("an OData error with status %s", describeStatus(status)), check: func(actual any) (bool, string, error) {
		got, err := statusOf(actual)
		if err != nil {
			return false, "", err
		}
		if got != status {
			return false, fmt.Sprintf("expected status %s, got %s", describeStatus(status), describeStatus(got)), nil
		}
		ok, why, err := BeValid(schemas.Error).(*matcher).check(actual)
		if !ok || err != nil {
			return ok, why, err
		}
		v, _ := decodeBody(actual)
		gotCode, _ := v.(map[string]any)["error"].(map[string]any)["code"].(string)
		if len(code) > 0 && gotCode != code[0] {
			return false, fmt.Sprintf("expected error.code %q, got %q", code[0], gotCode), nil
		}
		return true, "", nil
	}}
}

// BeUTCDateTimeOffset succeeds on a string that is an OData DateTimeOffset (RFC 3339 with an
// offset, at most 12 fractional digits) in UTC.
func BeUTCDateTimeOffset() types.GomegaMatcher {
	return &matcher{what: "a UTC DateTimeOffset", check: func(actual any) (bool, string, error) {
		s, ok := actual.(string)
		if !ok {
			return false, fmt.Sprintf("expected a DateTimeOffset string, got %T %v", actual, actual), nil
		}
		ts, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return false, fmt.Sprintf("%q is not an RFC 3339 timestamp with an offset", s), nil
		}
		if n := schemas.FractionalDigits(s); n > 12 {
			return false, fmt.Sprintf("%q has %d fractional-second digits; Edm.DateTimeOffset allows at most 12", s, n), nil
		}
		if _, offset := ts.Zone(); offset != 0 {
			return false, fmt.Sprintf("%q is not in UTC", s), nil
		}
		return true, "", nil
	}}
}

// graphTimestamp is the form Graph writes: UTC with a literal Z and 0-7 fractional digits.
var graphTimestamp = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$`)

// BeGraphTimestamp succeeds on a timestamp in the form Microsoft Graph writes: UTC with a
// literal Z and at most 7 fractional digits (2025-10-22T20:12:13.759634Z). It is stricter
// than BeUTCDateTimeOffset, which OData allows.
func BeGraphTimestamp() types.GomegaMatcher {
	return &matcher{what: "a timestamp in Graph's form", check: func(actual any) (bool, string, error) {
		if s, ok := actual.(string); ok && graphTimestamp.MatchString(s) {
			return true, "", nil
		}
		b, _ := json.Marshal(actual)
		return false, fmt.Sprintf("expected the form 2025-10-22T20:12:13.759634Z (UTC, a literal Z, at most 7 fractional digits), got %s", b), nil
	}}
}

// contextSelect drops a $select list from the entity-set segment of a context fragment.
var contextSelect = regexp.MustCompile(`(/sessions|/prompts)\([^)']*\)`)

// HaveODataContext succeeds when the body's @odata.context ends in "$metadata#" + fragment
// (a $select list in it aside), e.g. "security/securityCopilot/workspaces('default')/sessions".
func HaveODataContext(fragment string) types.GomegaMatcher {
	return &matcher{what: "an @odata.context naming " + fragment, check: func(actual any) (bool, string, error) {
		v, err := decodeBody(actual)
		if err != nil {
			return false, fmt.Sprintf("expected @odata.context naming %q, the body is not JSON: %v", fragment, err), nil
		}
		obj, _ := v.(map[string]any)
		ctx, ok := obj["@odata.context"].(string)
		if !ok {
			return false, fmt.Sprintf("expected @odata.context naming %q, got %s", fragment, member(obj, "@odata.context")), nil
		}
		got := ctx
		if i := strings.Index(ctx, "$metadata#"); i >= 0 {
			got = contextSelect.ReplaceAllString(ctx[i+len("$metadata#"):], "$1")
		}
		if got != fragment {
			return false, fmt.Sprintf("expected @odata.context to end in \"$metadata#%s\", got %q", fragment, ctx), nil
		}
		return true, "", nil
	}}
}

// HaveODataType succeeds when the object carries exactly the @odata.type want.
func HaveODataType(want string) types.GomegaMatcher {
	return &matcher{what: "@odata.type " + want, check: func(actual any) (bool, string, error) {
		v, err := decodeBody(actual)
		if err != nil {
			return false, fmt.Sprintf("expected @odata.type %q, the body is not JSON: %v", want, err), nil
		}
		obj, _ := v.(map[string]any)
		if got, ok := obj["@odata.type"]; !ok || got != want {
			return false, fmt.Sprintf("expected @odata.type %q, got %s", want, member(obj, "@odata.type")), nil
		}
		return true, "", nil
	}}
}

// BeCollectionOf succeeds when the body is a collection (an object with a "value" array) valid
// against the schema of the collection kind, e.g. schemas.SessionCollection.
func BeCollectionOf(kind schemas.Kind) types.GomegaMatcher {
	return &matcher{what: "a " + string(kind), check: func(actual any) (bool, string, error) {
		v, err := decodeBody(actual)
		if err != nil {
			return false, fmt.Sprintf("expected a %s, the body is not JSON: %v", kind, err), nil
		}
		obj, _ := v.(map[string]any)
		if _, ok := obj["value"].([]any); !ok {
			return false, fmt.Sprintf("expected a %s: an object with a \"value\" array, got %s", kind, member(obj, "value")), nil
		}
		return BeValid(kind).(*matcher).check(v)
	}}
}

func member(obj map[string]any, name string) string {
	v, ok := obj[name]
	if !ok {
		return "no " + name
	}
	b, _ := json.Marshal(v)
	return fmt.Sprintf("%s %s", name, b)
}

// HaveODataCount succeeds when the body's @odata.count is the number n, the items counted
// across all pages.
func HaveODataCount(n int) types.GomegaMatcher {
	return &matcher{what: fmt.Sprintf("@odata.count %d", n), check: func(actual any) (bool, string, error) {
		v, err := decodeBody(actual)
		if err != nil {
			return false, fmt.Sprintf("expected @odata.count %d, the body is not JSON: %v", n, err), nil
		}
		obj, _ := v.(map[string]any)
		raw, ok := obj["@odata.count"]
		if !ok {
			return false, fmt.Sprintf("expected @odata.count %d, the body has no @odata.count", n), nil
		}
		var got int64
		var isNumber bool
		switch c := raw.(type) {
		case json.Number:
			got, err = c.Int64()
			isNumber = err == nil
		case float64:
			got, isNumber = int64(c), c == float64(int64(c))
		case int:
			got, isNumber = int64(c), true
		}
		if !isNumber || got != int64(n) {
			b, _ := json.Marshal(raw)
			return false, fmt.Sprintf("expected @odata.count %d (the number of items listed across all pages), got %s", n, b), nil
		}
		return true, "", nil
	}}
}

// HeaderResponse is what the header matchers read besides *http.Response.
type HeaderResponse interface {
	HTTPStatus() int
	HTTPHeader() http.Header
}

func headerOf(actual any) (http.Header, int, error) {
	switch v := actual.(type) {
	case *http.Response:
		if v == nil {
			return nil, 0, errors.New("a nil *http.Response")
		}
		return v.Header, v.StatusCode, nil
	case HeaderResponse:
		return v.HTTPHeader(), v.HTTPStatus(), nil
	}
	return nil, 0, fmt.Errorf("expected a response: an *http.Response or a matchers.HeaderResponse, got %T", actual)
}

// headerMatcher is a matcher over a response's headers; the failure names the status.
func headerMatcher(what string, check func(h http.Header) (bool, string)) types.GomegaMatcher {
	return &matcher{what: what, check: func(actual any) (bool, string, error) {
		h, status, err := headerOf(actual)
		if err != nil {
			return false, "", err
		}
		ok, why := check(h)
		if !ok {
			why = fmt.Sprintf("%s (the answer was %s)", why, describeStatus(status))
		}
		return ok, why, nil
	}}
}

// HaveJSONMediaType succeeds when the response's Content-Type is application/json (parameters
// such as odata.metadata aside).
func HaveJSONMediaType() types.GomegaMatcher {
	return headerMatcher("Content-Type application/json", func(h http.Header) (bool, string) {
		ct := h.Get("Content-Type")
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return false, fmt.Sprintf("expected Content-Type application/json, got %q", ct)
		}
		return true, ""
	})
}

// HaveRequestID succeeds when the response carries a non-empty request-id header, as every
// Microsoft Graph response does.
func HaveRequestID() types.GomegaMatcher {
	return headerMatcher("a request-id header", func(h http.Header) (bool, string) {
		if strings.TrimSpace(h.Get("request-id")) == "" {
			return false, "expected a request-id header, there is none"
		}
		return true, ""
	})
}

// EchoClientRequestID succeeds when the response's client-request-id header is sent, the
// value the client sent.
func EchoClientRequestID(sent string) types.GomegaMatcher {
	return headerMatcher("client-request-id "+sent+" echoed", func(h http.Header) (bool, string) {
		if got := h.Get("client-request-id"); got != sent {
			return false, fmt.Sprintf("expected client-request-id %q echoed, got %q", sent, got)
		}
		return true, ""
	})
}

// HaveLocationOf succeeds when the response has a Location header naming the new object's id.
func HaveLocationOf(id string) types.GomegaMatcher {
	return headerMatcher("a Location header naming "+id, func(h http.Header) (bool, string) {
		loc := h.Get("Location")
		switch {
		case loc == "":
			return false, "expected a Location header, there is none"
		case id != "" && !strings.Contains(loc, id):
			return false, fmt.Sprintf("expected the Location header to name the new object %q, got %q", id, loc)
		}
		return true, ""
	})
}

// HaveODataContextFirst succeeds when the body, a JSON object, either has no @odata.context or
// has it as its first member, as OData JSON requires. It reads the raw body ([]byte, string,
// json.RawMessage or a response): a decoded map has lost the order.
func HaveODataContextFirst() types.GomegaMatcher {
	return &matcher{what: "@odata.context as the first member", check: func(actual any) (bool, string, error) {
		raw, isRaw, err := rawBody(actual)
		if err != nil {
			return false, "", err
		}
		if !isRaw {
			return false, "", fmt.Errorf("expected a raw JSON body, got %T (a decoded object has lost its member order)", actual)
		}
		first, has, err := firstMember(raw, "@odata.context")
		if err != nil {
			return false, fmt.Sprintf("expected a JSON object: %v", err), nil
		}
		if has && first != "@odata.context" {
			return false, fmt.Sprintf("expected @odata.context as the first member, the body begins with %q", first), nil
		}
		return true, "", nil
	}}
}

// firstMember reads the name of the first member of the JSON object in raw from the token
// stream, and whether the object has a top-level member named name.
func firstMember(raw []byte, name string) (first string, has bool, err error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", false, errors.New("not a JSON object")
	}
	for i := 0; dec.More(); i++ {
		tok, err := dec.Token()
		if err != nil {
			return "", false, err
		}
		key, _ := tok.(string)
		if i == 0 {
			first = key
		}
		has = has || key == name
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", false, err
		}
	}
	return first, has, nil
}
