package mockserver

import (
	"strings"
	"testing"
	"time"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func strPtr(s string) *string { return &s }

func TestFilterEval(t *testing.T) {
	named := sessionRecord{&session{id: "f0f54c69-8f8a-4f33-b6e3-386d58b408db", displayName: strPtr("who am i"),
		created: mustTime("2025-10-22T20:12:13.759634Z"), modified: mustTime("2025-10-22T20:53:40.2100304Z")}}
	unnamed := sessionRecord{&session{id: "8e95c36e-c9bd-4e14-8317-3cd4332e1e3b", displayName: nil,
		created: mustTime("2025-09-17T19:23:41.1506601Z"), modified: mustTime("2025-09-17T19:23:41.1506601Z")}}
	quoted := sessionRecord{&session{id: "q", displayName: strPtr("it's"), created: mustTime("2025-01-01T00:00:00Z"), modified: mustTime("2025-01-01T00:00:00Z")}}

	cases := []struct {
		expr                  string
		named, unnamed, quote bool
	}{
		{"displayName eq 'who am i'", true, false, false},
		{"displayName eq 'Who am I'", false, false, false}, // case-sensitive
		{"displayName ne 'who am i'", false, true, true},
		{"displayName eq null", false, true, false},
		{"displayName ne null", true, false, true},
		{"startswith(displayName,'who')", true, false, false},
		{"startswith(displayName, '')", true, false, true},
		{"startswith( displayName , 'WHO' )", false, false, false},
		{"not startswith(displayName,'who')", false, true, true},
		{"displayName eq 'it''s'", false, false, true},
		{"startswith(displayName,'it''')", false, false, true},
		{"createdDateTime gt 2025-10-01T00:00:00Z", true, false, false},
		{"createdDateTime ge 2025-10-22T20:12:13.759634Z", true, false, false},
		{"createdDateTime gt 2025-10-22T20:12:13.759634Z", false, false, false},
		{"createdDateTime eq 2025-10-22T20:12:13.7596340Z", true, false, false},
		{"createdDateTime eq 2025-10-22T20:12:13.759634000000Z", true, false, false},
		{"createdDateTime eq 2025-10-22T22:12:13.759634+02:00", true, false, false},
		{"createdDateTime eq 2025-10-22T22:12:13.759634 02:00", true, false, false}, // '+' decoded as space
		{"createdDateTime eq 2025-10-22T18:12:13.759634-02:00", true, false, false},
		{"createdDateTime lt 2025-10-01T00:00Z", false, true, true},
		{"createdDateTime le 2025-09-17T19:23:41.1506601Z", false, true, true},
		{"createdDateTime ne 2025-09-17T19:23:41.1506601Z", true, false, true},
		{"lastModifiedDateTime gt 2025-10-22T20:53:40.21003Z", true, false, false},
		{"createdDateTime eq null", false, false, false},
		{"createdDateTime ne null", true, true, true},
		{"id eq 'q'", false, false, true},
		{"displayName eq 'who am i' or displayName eq null", true, true, false},
		{"displayName eq 'x' or displayName eq 'who am i' and createdDateTime gt 2025-01-01T00:00:00Z", true, false, false},
		{"(displayName eq 'x' or displayName eq 'who am i') and createdDateTime lt 2025-01-01T00:00:00Z", false, false, false},
		{"displayName eq null or displayName eq 'it''s' and createdDateTime gt 2030-01-01T00:00:00Z", false, true, false}, // and binds tighter
		{"(displayName eq null or displayName eq 'it''s') and createdDateTime gt 2030-01-01T00:00:00Z", false, false, false},
		{"not (displayName eq null)", true, false, true},
		{"not not displayName eq null", false, true, false},
		{"((((displayName eq 'who am i'))))", true, false, false},
		{"DisplayName EQ 'who am i' AND CreatedDateTime GT 2025-01-01t00:00:00z", true, false, false},
		{"StartsWith(displayname,'who')", true, false, false},
		{"displayName\teq\t'who am i'", true, false, false},
	}
	for _, c := range cases {
		e, err := compileFilter(c.expr, sessionSchema)
		if err != nil {
			t.Errorf("%q: %v", c.expr, err)
			continue
		}
		for _, x := range []struct {
			r    record
			want bool
			name string
		}{{named, c.named, "named"}, {unnamed, c.unnamed, "unnamed"}, {quoted, c.quote, "quoted"}} {
			if got := e.eval(x.r); got != x.want {
				t.Errorf("%q on %s session = %v, want %v", c.expr, x.name, got, x.want)
			}
		}
	}
}

func TestFilterPromptEval(t *testing.T) {
	p := promptRecord{&prompt{id: "p1", typ: "prompt", content: strPtr("who am I"), skillName: nil,
		created: mustTime("2025-10-22T20:12:13.759634Z"), modified: mustTime("2025-10-22T20:12:57.8775792Z")}}
	for expr, want := range map[string]bool{
		"type eq 'prompt'":                             true,
		"type ne 'prompt'":                             false,
		"type eq 'context'":                            false,
		"content eq 'who am I'":                        true,
		"startswith(content,'who')":                    true,
		"content ne null and skillName eq null":        true,
		"createdDateTime lt 2025-10-22T20:12:14Z":      true,
		"lastModifiedDateTime gt 2025-10-22T20:12:57Z": true,
		"type eq 'prompt' and not startswith(content,'x') or content eq 'y'": true,
	} {
		e, err := compileFilter(expr, promptSchema)
		if err != nil {
			t.Errorf("%q: %v", expr, err)
			continue
		}
		if got := e.eval(p); got != want {
			t.Errorf("%q = %v, want %v", expr, got, want)
		}
	}
}

func TestFilterInvalid(t *testing.T) {
	cases := []struct {
		expr string
		es   *entitySchema
		msg  string // fragment of the error message
	}{
		{"", sessionSchema, "empty"},
		{"   ", sessionSchema, "empty"},
		{"displayName", sessionSchema, "comparison operator"},
		{"displayName eq", sessionSchema, "string literal"},
		{"displayName eq 'x", sessionSchema, "unterminated"},
		{"displayName eq x", sessionSchema, "string literal"},
		{"displayName eq \"x\"", sessionSchema, "unexpected character"},
		{"displayName eq 'x' and", sessionSchema, "ends too early"},
		{"displayName eq 'x' or or displayName eq 'y'", sessionSchema, "expected a property"},
		{"displayName eq 'x')", sessionSchema, "unexpected ')'"},
		{"(displayName eq 'x'", sessionSchema, "expected ')'"},
		{"()", sessionSchema, "expected a property"},
		{"displayName eq 'x' displayName eq 'y'", sessionSchema, "unexpected 'displayName'"},
		{"displayName gt 'x'", sessionSchema, "operator 'gt' is not supported"},
		{"displayName has 'x'", sessionSchema, "operator 'has' is not supported"},
		{"displayName in ('x')", sessionSchema, "operator 'in' is not supported"},
		{"displayName eq 5", sessionSchema, "invalid literal"},
		{"displayName eq 2025-10-22T20:12:13Z", sessionSchema, "string literal"},
		{"displayName eq true", sessionSchema, "string literal"},
		{"title eq 'x'", sessionSchema, "not a property of session"},
		{"prompts eq null", sessionSchema, "not supported"},
		{"content eq 'x'", sessionSchema, "not a property of session"},
		{"displayName/foo eq 'x'", sessionSchema, "unexpected character '/'"},
		{"contains(displayName,'x')", sessionSchema, "contains is not supported on property 'displayName'"},
		{"endswith(displayName,'x')", sessionSchema, "function 'endswith' is not supported"},
		{"tolower(displayName) eq 'x'", sessionSchema, "function 'tolower' is not supported"},
		{"frobnicate(displayName)", sessionSchema, "unknown function"},
		{"startswith(displayName)", sessionSchema, "expected ','"},
		{"startswith(displayName,'x'", sessionSchema, "expected ')'"},
		{"startswith('x',displayName)", sessionSchema, "property name as its first argument"},
		{"startswith(displayName,null)", sessionSchema, "string literal as its second argument"},
		{"startswith(createdDateTime,'2025')", sessionSchema, "not supported on property 'createdDateTime'"},
		{"startswith(displayName,'x') eq true", sessionSchema, "unexpected 'eq'"},
		{"'x' eq displayName", sessionSchema, "expected a property name"},
		{"null eq displayName", sessionSchema, "expected a property name"},
		{"createdDateTime gt '2025-10-22T20:12:13Z'", sessionSchema, "unquoted DateTimeOffset"},
		{"createdDateTime gt 2025-10-22", sessionSchema, "invalid literal"},
		{"createdDateTime gt 2025-10-22T20:12:13", sessionSchema, "invalid literal"},
		{"createdDateTime gt 2025-13-22T20:12:13Z", sessionSchema, "out of range"},
		{"createdDateTime gt 2025-02-30T20:12:13Z", sessionSchema, "no such date"},
		{"createdDateTime gt 2025-10-22T24:00:00Z", sessionSchema, "out of range"},
		{"createdDateTime gt 2025-10-22T20:12:13.1234567890123Z", sessionSchema, "invalid literal"},
		{"createdDateTime gt 2025-10-22T20:12:13+25:00", sessionSchema, "offset out of range"},
		{"createdDateTime gt 20251022", sessionSchema, "invalid literal"},
		{"createdDateTime gt -1", sessionSchema, "invalid literal"},
		{"createdDateTime gt null", sessionSchema, "cannot compare with null"},
		{"displayName eq 'x' && id eq 'y'", sessionSchema, "unexpected character '&'"},
		{"not", sessionSchema, "ends too early"},
		{strings.Repeat("(", 100) + "displayName eq 'x'" + strings.Repeat(")", 100), sessionSchema, "nested deeper"},
		{strings.Repeat("not ", 100) + "displayName eq 'x'", sessionSchema, "nested deeper"},
		{"type eq 'prompt'", sessionSchema, "not a property of session"},
		{"type eq 'question'", promptSchema, "not a member of promptType"},
		{"type eq 'Prompt'", promptSchema, "not a member"},
		{"type gt 'prompt'", promptSchema, "operator 'gt' is not supported"},
		{"displayName eq 'x'", promptSchema, "not a property of prompt"},
		{"inputs eq null", promptSchema, "filtering on property 'inputs' is not supported"},
		{"evaluations eq null", promptSchema, "not supported"},
		{"content eq 'x' and \xff", promptSchema, "UTF-8"},
		{"content eq 'x' é", promptSchema, "unexpected character 'é'"},
	}
	for _, c := range cases {
		_, err := compileFilter(c.expr, c.es)
		if err == nil {
			t.Errorf("%q (%s): accepted", c.expr, c.es.name)
			continue
		}
		ae, ok := err.(*apiError)
		if !ok || ae.status != 400 || ae.code != "badRequest" {
			t.Errorf("%q: error %v is not a 400 badRequest", c.expr, err)
			continue
		}
		if !strings.Contains(ae.message, c.msg) {
			t.Errorf("%q: message %q does not contain %q", c.expr, ae.message, c.msg)
		}
		if !strings.Contains(ae.message, "$filter") {
			t.Errorf("%q: message %q does not name $filter", c.expr, ae.message)
		}
	}
}

func TestParseDateTimeOffset(t *testing.T) {
	good := map[string]string{
		"2025-10-22T20:12:13.759634Z":       "2025-10-22T20:12:13.759634Z",
		"2025-10-22T20:12:13Z":              "2025-10-22T20:12:13Z",
		"2025-10-22T20:12Z":                 "2025-10-22T20:12:00Z",
		"2025-10-22T20:12:13.1Z":            "2025-10-22T20:12:13.1Z",
		"2025-10-22T20:12:13.123456789012Z": "2025-10-22T20:12:13.123456789Z",
		"2025-10-22T22:12:13+02:00":         "2025-10-22T20:12:13Z",
		"2025-10-22T00:12:13-01:30":         "2025-10-22T01:42:13Z",
		"2024-02-29T00:00:00Z":              "2024-02-29T00:00:00Z",
		"2025-10-22t20:12:13z":              "2025-10-22T20:12:13Z",
	}
	for in, want := range good {
		got, err := parseDateTimeOffset(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if got.Format(time.RFC3339Nano) != want || got.Location() != time.UTC {
			t.Errorf("%s = %s, want %s UTC", in, got.Format(time.RFC3339Nano), want)
		}
	}
	for _, in := range []string{"", "2025-10-22", "2025-10-22T20:12:13", "2025-10-22 20:12:13Z", "25-10-22T20:12:13Z",
		"2025-10-22T20:12:60Z", "2025-00-22T20:12:13Z", "2025-10-00T20:12:13Z", "2023-02-29T00:00:00Z",
		"2025-10-22T20:12:13.Z", "2025-10-22T20:12:13+0200", "2025-10-22T20:12:13+02:60", "+2025-10-22T20:12:13Z"} {
		if _, err := parseDateTimeOffset(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}
