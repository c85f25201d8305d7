package suites

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	. "github.com/onsi/ginkgo/v2"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/matchers"
	"github.com/copilotconf/copilotconf/schemas"
)

// describeStatus renders a status for a problem line.
func describeStatus(ex *httpclient.Exchange) string {
	GinkgoHelper()
	if ex.Status == 0 {
		return fmt.Sprintf("no response (%v)", ex.Err)
	}
	if ex.Err != nil {
		return fmt.Sprintf("%d %s with a body that could not be read (%v)", ex.Status, http.StatusText(ex.Status), ex.Err)
	}
	return fmt.Sprintf("%d %s", ex.Status, http.StatusText(ex.Status))
}

// expectStatus records a problem unless the exchange answered with one of want.
func expectStatus(t *T, ex *httpclient.Exchange, want ...int) bool {
	GinkgoHelper()
	what := ex.Label
	if what == "" {
		what = ex.Method + " request"
	}
	if ex.Status == 0 {
		t.Errorf("%s: expected status %s, got %s", what, statusNames(want), describeStatus(ex))
		return false
	}
	return t.check(what, ex, matchers.HaveStatus(want...))
}

func statusNames(want []int) string {
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = fmt.Sprintf("%d %s", w, http.StatusText(w))
	}
	return strings.Join(names, " or ")
}

// requireStatus is expectStatus that ends the spec on a mismatch.
func requireStatus(t *T, ex *httpclient.Exchange, want ...int) {
	GinkgoHelper()
	if !expectStatus(t, ex, want...) {
		t.FailNow()
	}
}

// decodeJSON parses a body keeping numbers exact.
func decodeJSON(body []byte) (any, error) {
	GinkgoHelper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after the JSON value")
	}
	return v, nil
}

// expectObject records a problem unless the response body is a JSON object, which it returns.
func expectObject(t *T, ex *httpclient.Exchange) map[string]any {
	GinkgoHelper()
	if ex.Err != nil && ex.Truncated {
		t.Errorf("%s: %v", ex.Label, ex.Err)
		return nil
	}
	v, err := decodeJSON(ex.ResponseBody)
	if err != nil {
		t.Errorf("%s: the response body is not JSON: %v; it begins %q", ex.Label, err, excerpt(ex.ResponseBody))
		return nil
	}
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: expected a JSON object, got %s", ex.Label, jsonKind(v))
		return nil
	}
	return obj
}

// requireObject is expectObject that ends the spec when there is no object.
func requireObject(t *T, ex *httpclient.Exchange) map[string]any {
	GinkgoHelper()
	obj := expectObject(t, ex)
	if obj == nil {
		t.FailNow()
	}
	return obj
}

// expectValid validates a decoded document and records each violation as a problem.
func expectValid(t *T, what string, kind schemas.Kind, v any) bool {
	GinkgoHelper()
	return t.check(what, v, matchers.BeValid(kind))
}

// expectValidBody decodes the response body, validates it and returns the object (nil if none).
func expectValidBody(t *T, ex *httpclient.Exchange, kind schemas.Kind) map[string]any {
	GinkgoHelper()
	obj := expectObject(t, ex)
	if obj != nil {
		expectValid(t, ex.Label+" response body", kind, obj)
	}
	return obj
}

// expectODataError checks the status and that the body is an OData error with a non-empty
// error.code and error.message.
func expectODataError(t *T, ex *httpclient.Exchange, status ...int) {
	GinkgoHelper()
	expectStatus(t, ex, status...)
	if ex.Status == 0 {
		return
	}
	expectValidBody(t, ex, schemas.Error)
}

// expectJSONMediaType checks that the response's Content-Type is application/json.
func expectJSONMediaType(t *T, ex *httpclient.Exchange) {
	GinkgoHelper()
	t.check(ex.Label, ex, matchers.HaveJSONMediaType())
}

// expectContext checks that @odata.context is present and its fragment is want.
func expectContext(t *T, what string, obj map[string]any, want string) {
	GinkgoHelper()
	t.check(what, obj, matchers.HaveODataContext(want))
}

func describeMember(obj map[string]any, name string) string {
	GinkgoHelper()
	v, ok := obj[name]
	if !ok {
		return "no " + name
	}
	b, _ := json.Marshal(v)
	return fmt.Sprintf("%s %s", name, b)
}

// valueArray returns the collection's value array, recording a problem when it is missing.
func valueArray(t *T, what string, obj map[string]any) ([]map[string]any, bool) {
	GinkgoHelper()
	raw, ok := obj["value"]
	if !ok {
		t.Errorf("%s: expected a \"value\" array, the body has no \"value\" member", what)
		return nil, false
	}
	arr, ok := raw.([]any)
	if !ok {
		t.Errorf("%s: expected \"value\" to be an array, got %s", what, jsonKind(raw))
		return nil, false
	}
	items := make([]map[string]any, 0, len(arr))
	for i, v := range arr {
		item, ok := v.(map[string]any)
		if !ok {
			t.Errorf("%s: value[%d] is %s, expected an object", what, i, jsonKind(v))
			continue
		}
		items = append(items, item)
	}
	return items, true
}

// propertyNames returns the non-annotation member names of an object, sorted.
func propertyNames(obj map[string]any) []string {
	GinkgoHelper()
	var names []string
	for k := range obj {
		if !strings.Contains(k, "@") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// expectOnlyProperties checks that an object has no property outside allowed (annotations aside)
// and has every property in required.
func expectOnlyProperties(t *T, what string, obj map[string]any, allowed, required []string) {
	GinkgoHelper()
	allow := map[string]bool{}
	for _, a := range allowed {
		allow[a] = true
	}
	var extra []string
	for _, name := range propertyNames(obj) {
		if !allow[name] {
			extra = append(extra, name)
		}
	}
	if len(extra) > 0 {
		t.Errorf("%s: expected only %v (and annotations), got extra properties %v", what, allowed, extra)
	}
	for _, r := range required {
		if _, ok := obj[r]; !ok {
			t.Errorf("%s: expected property %q, it is missing (properties: %v)", what, r, propertyNames(obj))
		}
	}
}

// expectSameValues checks that got carries the same values as want for each named property.
func expectSameValues(t *T, what string, got, want map[string]any, names ...string) {
	GinkgoHelper()
	for _, n := range names {
		g, gok := got[n]
		w, wok := want[n]
		if gok != wok || !jsonEqual(g, w) {
			t.Errorf("%s: %s differs: expected %s, got %s", what, n, jsonText(w, wok), jsonText(g, gok))
		}
	}
}

func jsonEqual(a, b any) bool {
	GinkgoHelper()
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return bytes.Equal(ab, bb)
}

func jsonText(v any, present bool) string {
	GinkgoHelper()
	if !present {
		return "(absent)"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// parseTimestamp parses an OData DateTimeOffset (RFC 3339 with 1-12 fractional digits).
func parseTimestamp(v any) (time.Time, error) {
	GinkgoHelper()
	s, ok := v.(string)
	if !ok {
		return time.Time{}, fmt.Errorf("expected a DateTimeOffset string, got %s", jsonKind(v))
	}
	ts, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 timestamp with an offset", s)
	}
	if n := schemas.FractionalDigits(s); n > 12 {
		return time.Time{}, fmt.Errorf("%q has %d fractional-second digits; Edm.DateTimeOffset allows at most 12", s, n)
	}
	return ts, nil
}

// expectTimestamp parses obj[name] and records a problem if it is not a timestamp.
func expectTimestamp(t *T, what string, obj map[string]any, name string) (time.Time, bool) {
	GinkgoHelper()
	ts, err := parseTimestamp(obj[name])
	if err != nil {
		t.Errorf("%s: %s: %v", what, name, err)
		return time.Time{}, false
	}
	return ts, true
}

// expectWithin checks that ts lies in the request window, widened by the clock-skew allowance.
func expectWithin(t *T, what string, ts time.Time, w window) {
	GinkgoHelper()
	skew := env().cfg.ClockSkew
	from, to := w.From.Add(-skew), w.To.Add(skew)
	if ts.Before(from) || ts.After(to) {
		t.Errorf("%s: expected a time between %s and %s (the request window ± %s clock skew), got %s",
			what, from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano), skew, ts.UTC().Format(time.RFC3339Nano))
	}
}

func jsonKind(v any) string {
	GinkgoHelper()
	switch v := v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return fmt.Sprintf("the string %q", v)
	case json.Number:
		return "the number " + v.String()
	case bool:
		return fmt.Sprintf("the boolean %t", v)
	default:
		return fmt.Sprintf("%T", v)
	}
}

func excerpt(b []byte) string {
	GinkgoHelper()
	const n = 120
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// expectNoDuplicates records each id that occurs more than once.
func expectNoDuplicates(t *T, what string, ids []string) {
	GinkgoHelper()
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
	}
	for _, id := range ids {
		if seen[id] > 1 {
			t.Errorf("%s: id %q occurs %d times", what, id, seen[id])
			seen[id] = 0
		}
	}
}

// expectCount checks @odata.count against the number of items actually listed.
func expectCount(t *T, what string, obj map[string]any, want int) {
	GinkgoHelper()
	t.check(what, obj, matchers.HaveODataCount(want))
}

// expectSubset records the ids of earlier that later lacks.
func expectSubset(t *T, what string, earlier, later []string) {
	GinkgoHelper()
	var missing []string
	for _, id := range earlier {
		if !contains(later, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s: missing from the second listing %v", what, missing)
	}
}

// expectSameSet records the ids missing from got and the ids got has in excess of want.
func expectSameSet(t *T, what string, got, want []string) {
	GinkgoHelper()
	var missing, extra []string
	for _, id := range want {
		if !contains(got, id) {
			missing = append(missing, id)
		}
	}
	for _, id := range got {
		if !contains(want, id) {
			extra = append(extra, id)
		}
	}
	if len(missing) > 0 {
		t.Errorf("%s: missing %v", what, missing)
	}
	if len(extra) > 0 {
		t.Errorf("%s: unexpected %v", what, extra)
	}
}
