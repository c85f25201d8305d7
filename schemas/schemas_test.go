package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/copilotconf/copilotconf/fixtures"
)

// exampleKinds maps every documented response example to the kind it must satisfy.
var exampleKinds = map[string]Kind{
	"list-sessions.response.json":              SessionCollection,
	"create-session.response.json":             Session,
	"get-session.response.json":                Session,
	"update-session.response.json":             Session,
	"list-prompts.response.json":               PromptCollection,
	"create-prompt.response.json":              Prompt,
	"get-prompt.response.json":                 Prompt,
	"error-bad-request.response.json":          Error,
	"error-expand-not-supported.response.json": Error,
	"error-invalid-range.response.json":        Error,
	"error-too-many-requests.response.json":    Error,
	"list-workspaces.response.json":            WorkspaceCollection,
	"list-plugins.response.json":               PluginCollection,
	"create-evaluation.response.json":          Evaluation,
	"get-evaluation.response.json":             Evaluation,
}

// documentedWrong lists the documented examples the schemas reject because the documentation
// is wrong (README, "Where the sources disagree"), with the kind they should be and the
// violation that shows it.
var documentedWrong = map[string]struct {
	kind   Kind
	reason string
}{
	// The documented list response is one evaluation with an $entity context; the page text and
	// OData say a list answers a collection.
	"list-evaluations.response.json": {EvaluationCollection, "missing properties: 'value'"},
}

func TestDocumentedErrorsAreRejected(t *testing.T) {
	for name, w := range documentedWrong {
		ve := mustViolate(t, w.kind, example(t, name))
		if !hasViolation(ve, "", w.reason) {
			t.Errorf("%s as %s: want %q, got %v", name, w.kind, w.reason, ve)
		}
	}
	// What it does show is a valid evaluation.
	if err := Default().Validate(Evaluation, example(t, "list-evaluations.response.json")); err != nil {
		t.Errorf("the documented list-evaluations body as one evaluation: %v", err)
	}
}

func TestNew(t *testing.T) {
	v, err := New()
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for _, k := range allKinds {
		if v.schemas[k] == nil {
			t.Errorf("New: no schema for %s", k)
		}
	}
	if Default() == nil || Default() != Default() {
		t.Error("Default() must return one shared validator")
	}
}

func TestExamplesValidate(t *testing.T) {
	for _, name := range fixtures.ExampleNames() {
		kind, ok := exampleKinds[name]
		if _, wrong := documentedWrong[name]; wrong {
			continue
		}
		if !ok {
			if strings.HasSuffix(name, ".response.json") {
				t.Errorf("%s: no kind in exampleKinds", name)
			}
			continue
		}
		t.Run(name, func(t *testing.T) {
			if err := Default().Validate(kind, example(t, name)); err != nil {
				t.Errorf("Validate(%s) = %v", kind, err)
			}
		})
	}
}

// invalidReasons gives, per fixtures/invalid file, a fragment of the reason the
// violation at the manifest pointer must carry.
var invalidReasons = map[string]string{
	"session-id-number.json":                       "expected string, but got number",
	"session-id-null.json":                         "expected string, but got null",
	"session-id-missing.json":                      "missing properties: 'id'",
	"session-displayname-number.json":              "expected string or null, but got number",
	"session-created-month-13.json":                "'2025-13-22T20:10:54.4940649Z' is not valid 'date-time'",
	"session-created-hour-25.json":                 "'2025-10-22T25:10:54.4940649Z' is not valid 'date-time'",
	"session-created-leap-second.json":             "leap second",
	"session-created-null.json":                    "expected string, but got null",
	"session-modified-no-offset.json":              "'2025-09-17T01:03:14' is not valid 'date-time'",
	"session-modified-non-utc-offset.json":         "is not in UTC",
	"session-odata-type-wrong.json":                `value must be "#microsoft.graph.security.securityCopilot.session"`,
	"session-undocumented-property.json":           "additionalProperties 'colour' not allowed",
	"session-expanded-invalid-prompt.json":         `value must be one of "unknown", "context", "prompt"`,
	"prompt-type-not-enum.json":                    `value must be one of "unknown", "context", "prompt"`,
	"prompt-type-null.json":                        "expected string, but got null",
	"prompt-content-number.json":                   "expected string or null, but got number",
	"prompt-inputs-not-object.json":                "expected object or null, but got array",
	"prompt-descriptor-missing-name.json":          "missing properties: 'name'",
	"prompt-descriptor-type-string.json":           "expected object, but got string",
	"prompt-created-day-32.json":                   "'2025-10-32T20:12:13.759634Z' is not valid 'date-time'",
	"prompt-odata-type-no-hash.json":               `value must be "#microsoft.graph.security.securityCopilot.prompt"`,
	"session-collection-no-value.json":             "missing properties: 'value'",
	"session-collection-value-not-array.json":      "expected array, but got object",
	"session-collection-invalid-item.json":         "is not valid 'date-time'",
	"session-collection-count-string.json":         "expected integer, but got string",
	"session-collection-nextlink-number.json":      "expected string, but got number",
	"prompt-collection-item-odata-type.json":       `value must be "#microsoft.graph.security.securityCopilot.prompt"`,
	"prompt-collection-item-missing-modified.json": "missing properties: 'lastModifiedDateTime'",
	"error-no-code.json":                           "missing properties: 'code'",
	"error-empty-message.json":                     "length must be >= 1, but got 0",
	"error-code-number.json":                       "expected string, but got number",
	"error-no-wrapper.json":                        "missing properties: 'error'",
}

func TestInvalidDocuments(t *testing.T) {
	docs, err := fixtures.InvalidDocuments()
	if err != nil {
		t.Fatal(err)
	}
	listed := map[string]bool{}
	for _, d := range docs {
		listed[d.File] = true
		t.Run(d.File, func(t *testing.T) {
			want, ok := invalidReasons[d.File]
			if !ok {
				t.Fatalf("no expected reason in invalidReasons")
			}
			kind, err := ParseKind(d.Kind)
			if err != nil {
				t.Fatal(err)
			}
			ve := mustViolate(t, kind, d.Body)
			if !hasViolation(ve, d.Pointer, want) {
				t.Errorf("want a violation at %q containing %q (defect: %s), got:\n%v", d.Pointer, want, d.Defect, ve)
			}
			// One defect per document: every violation sits at the manifest pointer.
			for _, v := range ve.Violations {
				if v.Pointer != d.Pointer {
					t.Errorf("violation away from the defect at %q: %v", d.Pointer, v)
				}
			}
		})
	}
	for file := range invalidReasons {
		if !listed[file] {
			t.Errorf("invalidReasons has %s, which the manifest does not list", file)
		}
	}
}

// variant is a documented example changed in code.
type variant struct {
	name    string
	kind    Kind
	example string
	change  func(doc map[string]any)
	pointer string // for an invalid variant: where the violation must be
	reason  string // for an invalid variant: a fragment of its reason; "" = valid
}

func set(key string, value any) func(map[string]any) {
	return func(doc map[string]any) { doc[key] = value }
}

func del(key string) func(map[string]any) {
	return func(doc map[string]any) { delete(doc, key) }
}

// in applies change to the object at doc[key][index].
func in(key string, index int, change func(map[string]any)) func(map[string]any) {
	return func(doc map[string]any) { change(doc[key].([]any)[index].(map[string]any)) }
}

// inObj applies change to the object at doc[key].
func inObj(key string, change func(map[string]any)) func(map[string]any) {
	return func(doc map[string]any) { change(doc[key].(map[string]any)) }
}

// pluginSetting is a setting as the metadata describes it.
func pluginSetting() map[string]any {
	return map[string]any{"name": "tenant", "label": "Tenant", "description": nil, "hintText": nil, "defaultValue": nil, "value": "contoso",
		"acceptableValues": []any{}, "isRequired": true, "settingValue": "string", "displayType": "textbox"}
}

func without(m map[string]any, key string) map[string]any {
	delete(m, key)
	return m
}

const (
	listWorkspaces   = "list-workspaces.response.json"
	listPlugins      = "list-plugins.response.json"
	createEvaluation = "create-evaluation.response.json"
	getEvaluation    = "get-evaluation.response.json"
)

const (
	getSession    = "get-session.response.json"
	getPrompt     = "get-prompt.response.json"
	listSessions  = "list-sessions.response.json"
	listPrompts   = "list-prompts.response.json"
	badRequest    = "error-bad-request.response.json"
	sessionType   = "#microsoft.graph.security.securityCopilot.session"
	promptType    = "#microsoft.graph.security.securityCopilot.prompt"
	notDateTime   = "is not valid 'date-time'"
	notUTC        = "is not in UTC"
	expectStrNull = "expected string or null"
)

func descriptor() map[string]any {
	return map[string]any{
		"name": "user", "type": map[string]any{"name": "string"},
		"description": "The user", "defaultValue": nil, "placeholderValue": nil, "isRequired": true,
	}
}

var variants = []variant{
	// workspace, plugin, evaluation
	{"workspace id null", WorkspaceCollection, listWorkspaces, in("value", 0, set("id", nil)), "/value/0/id", "expected string, but got null"},
	{"workspace displayName null", WorkspaceCollection, listWorkspaces, in("value", 0, set("displayName", nil)), "", ""},
	{"workspace @odata.type of a session", WorkspaceCollection, listWorkspaces, in("value", 0, set("@odata.type", sessionType)), "/value/0/@odata.type", "value must be"},
	{"plugin without name", PluginCollection, listPlugins, in("value", 0, del("name")), "/value/0", "missing properties: 'name'"},
	{"plugin category not a member", PluginCollection, listPlugins, in("value", 0, set("category", "Microsoft")), "/value/0/category", "value must be one of"},
	{"plugin isEnabled string", PluginCollection, listPlugins, in("value", 0, set("isEnabled", "true")), "/value/0/isEnabled", "expected boolean, but got string"},
	{"plugin settings null", PluginCollection, listPlugins, in("value", 0, set("settings", nil)), "/value/0/settings", "expected array, but got null"},
	{"plugin authorization", PluginCollection, listPlugins, in("value", 0, set("authorization", map[string]any{"authType": "aad"})), "", ""},
	{"plugin authorization without authType", PluginCollection, listPlugins, in("value", 0, set("authorization", map[string]any{})), "/value/0/authorization", "missing properties: 'authType'"},
	{"plugin supportedAuthTypes flags", PluginCollection, listPlugins, in("value", 0, set("supportedAuthTypes", "basic,aPIKey")), "", ""},
	{"plugin supportedAuthTypes unknown", PluginCollection, listPlugins, in("value", 0, set("supportedAuthTypes", "kerberos")), "/value/0/supportedAuthTypes", "does not match pattern"},
	{"plugin setting", PluginCollection, listPlugins, in("value", 0, set("settings", []any{pluginSetting()})), "", ""},
	{"plugin setting without displayType", PluginCollection, listPlugins, in("value", 0, set("settings", []any{without(pluginSetting(), "displayType")})), "/value/0/settings/0", "missing properties: 'displayType'"},
	{"evaluation completedDateTime null", Evaluation, createEvaluation, set("completedDateTime", nil), "/completedDateTime", "expected string, but got null"},
	{"evaluation runStartDateTime missing", Evaluation, createEvaluation, del("runStartDateTime"), "", "missing properties: 'runStartDateTime'"},
	{"evaluation state not a member", Evaluation, createEvaluation, set("state", "Completed"), "/state", "value must be one of"},
	{"evaluation executionCount string", Evaluation, createEvaluation, set("executionCount", "0"), "/executionCount", "expected integer, but got string"},
	{"evaluation result without type", Evaluation, getEvaluation, inObj("result", del("type")), "/result", "missing properties: 'type'"},
	{"evaluation result type not a member", Evaluation, getEvaluation, inObj("result", set("type", "ok")), "/result/type", "value must be one of"},
	{"evaluation result content null", Evaluation, getEvaluation, inObj("result", set("content", nil)), "", ""},
	{"evaluation undocumented member", Evaluation, getEvaluation, set("answer", "42"), "", "additionalProperties 'answer' not allowed"},
	// session: types and nulls
	{"session id number", Session, getSession, set("id", 42), "/id", "expected string, but got number"},
	{"session id null", Session, getSession, set("id", nil), "/id", "expected string, but got null"},
	{"session id missing", Session, getSession, del("id"), "", "missing properties: 'id'"},
	{"session createdDateTime missing", Session, getSession, del("createdDateTime"), "", "missing properties: 'createdDateTime'"},
	{"session lastModifiedDateTime missing", Session, getSession, del("lastModifiedDateTime"), "", "missing properties: 'lastModifiedDateTime'"},
	{"session displayName number", Session, getSession, set("displayName", 7), "/displayName", "expected string or null, but got number"},
	{"session displayName object", Session, getSession, set("displayName", map[string]any{}), "/displayName", expectStrNull},
	{"session displayName null", Session, getSession, set("displayName", nil), "", ""},
	{"session displayName missing", Session, getSession, del("displayName"), "", ""},
	{"session createdDateTime null", Session, getSession, set("createdDateTime", nil), "/createdDateTime", "expected string, but got null"},
	{"session createdDateTime number", Session, getSession, set("createdDateTime", 1729627854), "/createdDateTime", "expected string, but got number"},
	{"session not an object", Session, getSession, nil, "", "expected object, but got array"},
	// session: @odata.type and undocumented members
	{"session @odata.type exact", Session, getSession, set("@odata.type", sessionType), "", ""},
	{"session @odata.type without #", Session, getSession, set("@odata.type", strings.TrimPrefix(sessionType, "#")), "/@odata.type", `value must be "` + sessionType + `"`},
	{"session @odata.type of prompt", Session, getSession, set("@odata.type", promptType), "/@odata.type", `value must be "` + sessionType + `"`},
	{"session @odata.type other case", Session, getSession, set("@odata.type", strings.ToLower(sessionType)), "/@odata.type", "value must be"},
	{"session @odata.type number", Session, getSession, set("@odata.type", 1), "/@odata.type", "expected string, but got number"},
	{"session undocumented property", Session, getSession, set("colour", "blue"), "", "additionalProperties 'colour' not allowed"},
	{"session undocumented properties sorted", Session, getSession, func(d map[string]any) {
		d["zeta"], d["alpha"], d["Id"] = 1, 2, 3
	}, "", "additionalProperties 'Id', 'alpha', 'zeta' not allowed"},
	{"session prompts not array", Session, getSession, set("prompts", map[string]any{}), "/prompts", "expected array, but got object"},
	// prompt
	{"prompt type not member", Prompt, getPrompt, set("type", "question"), "/type", `value must be one of "unknown", "context", "prompt", "skill", "feedback", "unknownFutureValue"`},
	{"prompt type wrong case", Prompt, getPrompt, set("type", "Prompt"), "/type", "value must be one of"},
	{"prompt type unknownFutureValue", Prompt, getPrompt, set("type", "unknownFutureValue"), "", ""},
	{"prompt type null", Prompt, getPrompt, set("type", nil), "/type", "expected string, but got null"},
	{"prompt type missing", Prompt, getPrompt, del("type"), "", "missing properties: 'type'"},
	{"prompt id missing", Prompt, getPrompt, del("id"), "", "missing properties: 'id'"},
	{"prompt content null", Prompt, getPrompt, set("content", nil), "", ""},
	{"prompt content number", Prompt, getPrompt, set("content", 1), "/content", "expected string or null, but got number"},
	{"prompt skillName string", Prompt, getPrompt, set("skillName", "GetUser"), "", ""},
	{"prompt skillName boolean", Prompt, getPrompt, set("skillName", false), "/skillName", "expected string or null, but got boolean"},
	{"prompt inputs null", Prompt, getPrompt, set("inputs", nil), "", ""},
	{"prompt inputs any object", Prompt, getPrompt, set("inputs", map[string]any{"a": []any{1, "b", nil}, "c": map[string]any{"d": true}}), "", ""},
	{"prompt inputs string", Prompt, getPrompt, set("inputs", "x"), "/inputs", "expected object or null, but got string"},
	{"prompt skillInputDescriptors null", Prompt, getPrompt, set("skillInputDescriptors", nil), "", ""},
	{"prompt skillInputDescriptors object", Prompt, getPrompt, set("skillInputDescriptors", map[string]any{}), "/skillInputDescriptors", "expected array or null, but got object"},
	{"prompt descriptor valid", Prompt, getPrompt, set("skillInputDescriptors", []any{descriptor()}), "", ""},
	{"prompt descriptor name missing", Prompt, getPrompt, func(d map[string]any) {
		x := descriptor()
		delete(x, "name")
		d["skillInputDescriptors"] = []any{x}
	}, "/skillInputDescriptors/0", "missing properties: 'name'"},
	{"prompt descriptor name null", Prompt, getPrompt, func(d map[string]any) {
		x := descriptor()
		x["name"] = nil
		d["skillInputDescriptors"] = []any{descriptor(), x}
	}, "/skillInputDescriptors/1/name", "expected string, but got null"},
	{"prompt descriptor isRequired null", Prompt, getPrompt, func(d map[string]any) {
		x := descriptor()
		x["isRequired"] = nil
		d["skillInputDescriptors"] = []any{x}
	}, "/skillInputDescriptors/0/isRequired", "expected boolean, but got null"},
	{"prompt descriptor type null", Prompt, getPrompt, func(d map[string]any) {
		x := descriptor()
		x["type"] = nil
		d["skillInputDescriptors"] = []any{x}
	}, "/skillInputDescriptors/0/type", "expected object, but got null"},
	{"prompt descriptor undocumented property", Prompt, getPrompt, func(d map[string]any) {
		x := descriptor()
		x["extra"] = 1
		d["skillInputDescriptors"] = []any{x}
	}, "/skillInputDescriptors/0", "additionalProperties 'extra' not allowed"},
	{"prompt evaluations objects", Prompt, getPrompt, set("evaluations", []any{map[string]any{"id": "e"}}), "", ""},
	{"prompt evaluations item string", Prompt, getPrompt, set("evaluations", []any{"e"}), "/evaluations/0", "expected object, but got string"},
	{"prompt @odata.type of session", Prompt, getPrompt, set("@odata.type", sessionType), "/@odata.type", `value must be "` + promptType + `"`},
	{"prompt @odata.type exact", Prompt, getPrompt, set("@odata.type", promptType), "", ""},
	{"prompt undocumented property", Prompt, getPrompt, set("response", "you are"), "", "additionalProperties 'response' not allowed"},
	// collections
	{"sessions value null", SessionCollection, listSessions, set("value", nil), "/value", "expected array, but got null"},
	{"sessions value empty", SessionCollection, listSessions, set("value", []any{}), "", ""},
	{"sessions item id missing", SessionCollection, listSessions, in("value", 1, del("id")), "/value/1", "missing properties: 'id'"},
	{"sessions item displayName number", SessionCollection, listSessions, in("value", 0, set("displayName", 1)), "/value/0/displayName", expectStrNull},
	{"sessions item @odata.type of prompt", SessionCollection, listSessions, in("value", 0, set("@odata.type", promptType)), "/value/0/@odata.type", "value must be"},
	{"sessions undocumented member", SessionCollection, listSessions, set("count", 2), "", "additionalProperties 'count' not allowed"},
	{"sessions @odata.count zero", SessionCollection, listSessions, set("@odata.count", 0), "", ""},
	{"sessions @odata.count negative", SessionCollection, listSessions, set("@odata.count", -1), "/@odata.count", "must be >= 0"},
	{"sessions @odata.count fraction", SessionCollection, listSessions, set("@odata.count", 1.5), "/@odata.count", "expected integer, but got number"},
	{"sessions @odata.nextLink", SessionCollection, listSessions, set("@odata.nextLink", "https://graph.microsoft.com/beta/x?$skiptoken=1"), "", ""},
	{"sessions @odata.nextLink null", SessionCollection, listSessions, set("@odata.nextLink", nil), "/@odata.nextLink", "expected string, but got null"},
	{"sessions @odata.context number", SessionCollection, listSessions, set("@odata.context", 1), "/@odata.context", "expected string, but got number"},
	{"prompts item type null", PromptCollection, listPrompts, in("value", 0, set("type", nil)), "/value/0/type", "expected string, but got null"},
	{"prompts item createdDateTime month 13", PromptCollection, listPrompts, in("value", 0, set("createdDateTime", "2025-13-22T20:12:13.759634Z")), "/value/0/createdDateTime", notDateTime},
	{"prompts value missing", PromptCollection, listPrompts, del("value"), "", "missing properties: 'value'"},
	{"prompts value of sessions", PromptCollection, listSessions, nil, "/value/0", "missing properties: 'type'"},
	// errors
	{"error message missing", Error, badRequest, inObj("error", del("message")), "/error", "missing properties: 'message'"},
	{"error code empty", Error, badRequest, inObj("error", set("code", "")), "/error/code", "length must be >= 1, but got 0"},
	{"error message null", Error, badRequest, inObj("error", set("message", nil)), "/error/message", "expected string, but got null"},
	{"error target null", Error, badRequest, inObj("error", set("target", nil)), "", ""},
	{"error target number", Error, badRequest, inObj("error", set("target", 1)), "/error/target", expectStrNull},
	{"error details objects", Error, badRequest, inObj("error", set("details", []any{map[string]any{"code": "c", "message": "m"}})), "", ""},
	{"error details object", Error, badRequest, inObj("error", set("details", map[string]any{})), "/error/details", "expected array, but got object"},
	{"error innerError string", Error, badRequest, inObj("error", set("innerError", "x")), "/error/innerError", "expected object, but got string"},
	{"error innerError date without offset", Error, badRequest, inObj("error", inObj("innerError", set("date", "2021-09-14T19:05:24"))), "", ""},
	{"error not an object", Error, badRequest, set("error", "badRequest"), "/error", "expected object, but got string"},
	{"error undocumented top-level member", Error, badRequest, set("status", 400), "", "additionalProperties 'status' not allowed"},
}

func TestVariants(t *testing.T) {
	for _, tc := range variants {
		t.Run(tc.name, func(t *testing.T) {
			var doc []byte
			if tc.change == nil {
				doc = example(t, tc.example)
				if tc.kind == Session {
					doc = append(append([]byte("["), doc...), ']')
				}
			} else {
				doc = mutate(t, tc.example, tc.change)
			}
			check(t, tc.kind, doc, tc.pointer, tc.reason)
		})
	}
}

func TestTimestamps(t *testing.T) {
	tests := []struct {
		value  string
		reason string // "" = valid
	}{
		{"2025-10-22T20:10:54.4940649Z", ""},
		{"2025-10-22T20:10:54Z", ""},
		{"2025-10-22T20:10:54.4Z", ""},
		{"2025-10-22T20:10:54.123456789012Z", ""},
		{"2025-10-22T20:10:54.1234567890123Z", "has more than 12 fractional-second digits"},
		{"2025-10-22T20:10:54.1234567890123+00:00", "has more than 12 fractional-second digits"},
		{"2025-10-22t20:10:54.4940649z", ""},
		{"2025-10-22T20:10:54.4940649+00:00", ""},
		{"2024-02-29T00:00:00Z", ""},
		{"2025-12-31T23:59:59.9999999Z", ""},
		{"2025-13-01T00:00:00Z", notDateTime},
		{"2025-00-01T00:00:00Z", notDateTime},
		{"2025-10-32T00:00:00Z", notDateTime},
		{"2025-02-29T00:00:00Z", notDateTime},
		{"2025-04-31T00:00:00Z", notDateTime},
		{"2025-10-22T25:00:00Z", notDateTime},
		{"2025-10-22T24:00:00Z", notDateTime},
		{"2025-10-22T20:60:00Z", notDateTime},
		{"2025-10-22T20:10:61Z", notDateTime},
		{"2016-12-31T23:59:60Z", "has second 60 (a leap second)"},
		{"2016-12-31T23:59:60.5Z", "has second 60 (a leap second)"},
		// jsonschema/v5 reads clock fields with strconv.Atoi, which takes a sign;
		// the DateTimeFields pattern catches what its date-time check accepts.
		{"2025-10-22T+1:10:54Z", "each field needs two ASCII digits"},
		{"2025-10-22T20:+1:54Z", "each field needs two ASCII digits"},
		{"2025-10-22T20:10:+4Z", "each field needs two ASCII digits"},
		{"2025-10-22T-0:10:54+00:00", "each field needs two ASCII digits"},
		{"2025-10-22T20:10:54+-0:00", notUTC},
		{"2025-10-22T20:10:54", notDateTime},
		{"2025-10-22T20:10:54", notUTC},
		{"2025-10-22T20:10:54.4940649+02:00", "'2025-10-22T20:10:54.4940649+02:00' " + notUTC},
		{"2025-10-22T20:10:54-05:00", notUTC},
		{"2025-10-22T20:10:54-00:00", notUTC},
		{"2025-10-22T20:10:54+0000", notDateTime},
		{"2025-10-22T20:10:54.Z", notDateTime},
		{"2025-10-22 20:10:54Z", notDateTime},
		{"2025-10-22", notDateTime},
		{"20:10:54Z", notDateTime},
		{"25-10-22T20:10:54Z", notDateTime},
		{"", notDateTime},
		{"date-time", notDateTime},
	}
	for _, tc := range tests {
		for _, field := range []string{"createdDateTime", "lastModifiedDateTime"} {
			t.Run(field+"="+tc.value, func(t *testing.T) {
				doc := mutate(t, getSession, set(field, tc.value))
				check(t, Session, doc, "/"+field, tc.reason)
			})
		}
	}
}

// TestTimestampReasons checks that a bad timestamp gets one reason per problem, not
// a pile of overlapping ones.
func TestTimestampReasons(t *testing.T) {
	for _, tc := range []struct {
		value   string
		reasons []string
	}{
		{"2025-13-01T00:00:00Z", []string{"'2025-13-01T00:00:00Z' is not valid 'date-time'"}},
		{"2025-09-17 01:03:14Z", []string{"'2025-09-17 01:03:14Z' is not valid 'date-time'"}},
		{"2025-09-17T01:03:14", []string{
			"'2025-09-17T01:03:14' is not in UTC: the offset must be 'Z' or '+00:00'",
			"'2025-09-17T01:03:14' is not valid 'date-time'",
		}},
		{"2025-09-17T01:03:14+02:00", []string{"'2025-09-17T01:03:14+02:00' is not in UTC: the offset must be 'Z' or '+00:00'"}},
		{"2016-12-31T23:59:60Z", []string{"'2016-12-31T23:59:60Z' has second 60 (a leap second), which Edm.DateTimeOffset does not allow"}},
	} {
		ve := mustViolate(t, Session, mutate(t, getSession, set("createdDateTime", tc.value)))
		var got []string
		for _, v := range ve.Violations {
			if v.Pointer != "/createdDateTime" {
				t.Errorf("%s: unexpected violation %v", tc.value, v)
			}
			got = append(got, v.Reason)
		}
		if !slices.Equal(got, tc.reasons) {
			t.Errorf("%s: reasons = %q, want %q", tc.value, got, tc.reasons)
		}
	}
}

func TestAnnotationsAccepted(t *testing.T) {
	annotations := map[string]any{
		"@odata.etag":                    `W/"1"`,
		"@odata.id":                      "https://graph.microsoft.com/beta/security/securityCopilot/workspaces('default')/sessions('x')",
		"@odata.editLink":                "sessions('x')",
		"@microsoft.graph.tips":          "Use $select",
		"@vendor.anything":               map[string]any{"nested": []any{1, 2}},
		"prompts@odata.context":          "https://graph.microsoft.com/beta/$metadata#x",
		"prompts@odata.count":            3,
		"displayName@odata.type":         "#String",
		"createdDateTime@vendor.comment": 5,
		"@odata.type":                    sessionType,
	}
	doc := mutate(t, getSession, func(d map[string]any) {
		for k, v := range annotations {
			d[k] = v
		}
	})
	if err := Default().Validate(Session, doc); err != nil {
		t.Errorf("session with annotations: %v", err)
	}
	doc = mutate(t, listSessions, func(d map[string]any) {
		d["@odata.count"] = 2
		d["@odata.nextLink"] = "https://graph.microsoft.com/beta/security/securityCopilot/workspaces/default/sessions?$skiptoken=abc"
		d["value"].([]any)[0].(map[string]any)["@odata.etag"] = "x"
	})
	if err := Default().Validate(SessionCollection, doc); err != nil {
		t.Errorf("collection with annotations: %v", err)
	}

	// Typed annotations are checked wherever they appear, and pointers are plain
	// RFC 6901 (no percent-encoding, '/' as ~1).
	for _, tc := range []struct{ key, pointer, reason string }{
		{"prompts@odata.nextLink", "/prompts@odata.nextLink", "expected string, but got number"},
		{"display name@odata.count", "/display name@odata.count", "expected integer, but got string"},
		{"a/b@odata.id", "/a~1b@odata.id", "expected string, but got number"},
	} {
		var value any = 5
		if strings.Contains(tc.reason, "integer") {
			value = "5"
		}
		doc := mutate(t, getSession, set(tc.key, value))
		check(t, Session, doc, tc.pointer, tc.reason)
	}
}

func TestExpandedSession(t *testing.T) {
	prompts := func(t *testing.T) []any {
		var list map[string]any
		if err := json.Unmarshal(example(t, listPrompts), &list); err != nil {
			t.Fatal(err)
		}
		return list["value"].([]any)
	}
	valid := mutate(t, getSession, func(d map[string]any) {
		p := prompts(t)
		second := map[string]any{}
		for k, v := range p[0].(map[string]any) {
			second[k] = v
		}
		second["id"], second["type"], second["content"] = "p2", "context", nil
		d["prompts"] = append(p, second)
		d["prompts@odata.context"] = "https://graph.microsoft.com/beta/$metadata#x"
	})
	check(t, Session, valid, "", "")
	check(t, SessionSelect, valid, "", "")

	invalid := mutate(t, getSession, func(d map[string]any) {
		p := prompts(t)
		delete(p[0].(map[string]any), "createdDateTime")
		d["prompts"] = p
	})
	check(t, Session, invalid, "/prompts/0", "missing properties: 'createdDateTime'")
}

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		kind    Kind
		doc     string
		pointer string
		reason  string
	}{
		{SessionSelect, `{"id":"x","displayName":"y"}`, "", ""},
		{SessionSelect, `{"@odata.context":"c","id":"x","createdDateTime":"2025-10-22T20:10:54Z"}`, "", ""},
		{SessionSelect, `{"displayName":"y"}`, "", "missing properties: 'id'"},
		{SessionSelect, `{"id":"x","displayName":1}`, "/displayName", expectStrNull},
		{SessionSelect, `{"id":"x","createdDateTime":"2025-10-22T20:10:54+01:00"}`, "/createdDateTime", notUTC},
		{SessionSelect, `{"id":"x","colour":"blue"}`, "", "additionalProperties 'colour' not allowed"},
		{SessionSelect, `{"id":"x","@odata.type":"#microsoft.graph.security.securityCopilot.prompt"}`, "/@odata.type", "value must be"},
		{Session, `{"id":"x","displayName":"y"}`, "", "missing properties: 'createdDateTime', 'lastModifiedDateTime'"},
		{PromptSelect, `{"id":"x","content":"who am I"}`, "", ""},
		{PromptSelect, `{"id":"x","type":"other"}`, "/type", "value must be one of"},
		{PromptSelect, `{"content":"who am I"}`, "", "missing properties: 'id'"},
		{Prompt, `{"id":"x","content":"who am I"}`, "", "missing properties: 'type', 'createdDateTime', 'lastModifiedDateTime'"},
	} {
		t.Run(string(tc.kind)+" "+tc.doc, func(t *testing.T) {
			check(t, tc.kind, []byte(tc.doc), tc.pointer, tc.reason)
		})
	}
}

func TestKinds(t *testing.T) {
	if got, want := Kinds(), []Kind{Session, Prompt, SessionCollection, PromptCollection, Error,
		Workspace, WorkspaceCollection, Plugin, PluginCollection, Evaluation, EvaluationCollection}; !slices.Equal(got, want) {
		t.Errorf("Kinds() = %q, want %q", got, want)
	}
	for _, k := range allKinds {
		got, err := ParseKind(string(k))
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %q, %v", k, got, err)
		}
	}
	if got, err := ParseKind("Session-Collection"); err != nil || got != SessionCollection {
		t.Errorf("ParseKind is not case-insensitive: %q, %v", got, err)
	}
	for _, s := range []string{"", "sessions", "session.json", " session"} {
		_, err := ParseKind(s)
		if err == nil {
			t.Errorf("ParseKind(%q) accepted", s)
			continue
		}
		for _, k := range allKinds {
			if !strings.Contains(err.Error(), string(k)) {
				t.Errorf("ParseKind(%q) error %q does not list %q", s, err, k)
			}
		}
	}
}

func TestNotValidationError(t *testing.T) {
	malformed, err := fixtures.Request("malformed.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		kind Kind
		doc  []byte
	}{
		{"malformed", Session, malformed},
		{"empty", Session, nil},
		{"two values", Session, []byte(`{} {}`)},
		{"trailing garbage", Error, []byte(`{"error":{"code":"a","message":"b"}} x`)},
		{"unknown kind", Kind("skill"), example(t, getSession)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Default().Validate(tc.kind, tc.doc)
			var ve *ValidationError
			if err == nil || errors.As(err, &ve) {
				t.Errorf("Validate = %v, want a non-ValidationError error", err)
			}
		})
	}
	// A Go value that is not a JSON value.
	err = Default().ValidateValue(Session, map[string]any{"id": struct{}{}})
	var ve *ValidationError
	if err == nil || errors.As(err, &ve) {
		t.Errorf("ValidateValue(struct) = %v, want a non-ValidationError error", err)
	}
}

func TestValidateValue(t *testing.T) {
	// Decoded without UseNumber: float64 numbers work too.
	var doc any
	if err := json.Unmarshal(mutate(t, listSessions, set("@odata.count", 2)), &doc); err != nil {
		t.Fatal(err)
	}
	if err := Default().ValidateValue(SessionCollection, doc); err != nil {
		t.Errorf("ValidateValue: %v", err)
	}
	doc.(map[string]any)["@odata.count"] = 2.5
	err := Default().ValidateValue(SessionCollection, doc)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Kind != SessionCollection {
		t.Fatalf("ValidateValue = %v, want *ValidationError for %s", err, SessionCollection)
	}
}

func TestErrorText(t *testing.T) {
	doc := mutate(t, getSession, func(d map[string]any) {
		delete(d, "id")
		d["createdDateTime"] = "2025-13-01T00:00:00Z"
		d["displayName"] = 1
	})
	ve := mustViolate(t, Session, doc)
	want := strings.Join([]string{
		"(root): missing properties: 'id'",
		"/createdDateTime: '2025-13-01T00:00:00Z' is not valid 'date-time'",
		"/displayName: expected string or null, but got number",
	}, "\n")
	if got := ve.Error(); got != want {
		t.Errorf("Error() =\n%s\nwant\n%s", got, want)
	}
	if ve.Kind != Session {
		t.Errorf("Kind = %q", ve.Kind)
	}
}

func TestViolationOrder(t *testing.T) {
	doc := mutate(t, listSessions, func(d map[string]any) {
		item := d["value"].([]any)[1]
		items := make([]any, 12)
		for i := range items {
			items[i] = item
		}
		items[10] = map[string]any{"id": 10}
		items[2] = map[string]any{"id": 2}
		d["value"] = items
	})
	ve := mustViolate(t, SessionCollection, doc)
	var got []string
	for _, v := range ve.Violations {
		got = append(got, v.Pointer)
	}
	want := []string{"/value/2", "/value/2/id", "/value/10", "/value/10/id"}
	if !slices.Equal(got, want) {
		t.Errorf("pointers = %q, want %q", got, want)
	}
}

func TestConcurrentUse(t *testing.T) {
	v := Default()
	good, bad := example(t, getSession), mutate(t, getSession, set("id", nil))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 32 {
		wg.Go(func() {
			for range 20 {
				if err := v.Validate(Session, good); err != nil {
					errs <- err
					return
				}
				if err := v.Validate(Session, bad); err == nil {
					errs <- fmt.Errorf("goroutine %d: invalid document accepted", i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func BenchmarkValidateSession(b *testing.B) {
	doc, err := fixtures.Example(getSession)
	if err != nil {
		b.Fatal(err)
	}
	v := Default()
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Validate(Session, doc); err != nil {
			b.Fatal(err)
		}
	}
}

// example returns a documented example or fails the test.
func example(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.Example(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// mutate decodes a documented example, applies change, and re-encodes it.
func mutate(t testing.TB, name string, change func(map[string]any)) []byte {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(example(t, name)))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(doc)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// check validates doc: with reason "" it must be valid, otherwise it must have a
// violation at pointer whose reason contains reason.
func check(t *testing.T, kind Kind, doc []byte, pointer, reason string) {
	t.Helper()
	if reason == "" {
		if err := Default().Validate(kind, doc); err != nil {
			t.Errorf("Validate(%s) rejected a valid document:\n%v\ndocument: %s", kind, err, doc)
		}
		return
	}
	ve := mustViolate(t, kind, doc)
	if !hasViolation(ve, pointer, reason) {
		t.Errorf("want a violation at %q containing %q, got:\n%v", pointer, reason, ve)
	}
}

func mustViolate(t *testing.T, kind Kind, doc []byte) *ValidationError {
	t.Helper()
	err := Default().Validate(kind, doc)
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Validate(%s) = %v, want *ValidationError\ndocument: %s", kind, err, doc)
	}
	if ve.Kind != kind || len(ve.Violations) == 0 {
		t.Fatalf("ValidationError has kind %q and %d violations", ve.Kind, len(ve.Violations))
	}
	return ve
}

func hasViolation(ve *ValidationError, pointer, reason string) bool {
	for _, v := range ve.Violations {
		if v.Pointer == pointer && strings.Contains(v.Reason, reason) && !strings.Contains(v.Reason, "\n") {
			return true
		}
	}
	return false
}
