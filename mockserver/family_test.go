package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/schemas"
)

// valid checks a body against the schema of its kind.
func valid(t *testing.T, kind schemas.Kind, r result) {
	t.Helper()
	if err := schemas.Default().Validate(kind, r.raw); err != nil {
		t.Errorf("%s body: %v\n%s", kind, err, r.raw)
	}
}

func TestListWorkspaces(t *testing.T) {
	h := newHarness(t, Options{Token: testToken})
	r := h.do(http.MethodGet, "/security/securityCopilot/workspaces?$count=true", "")
	mustStatus(t, r, http.StatusOK)
	valid(t, schemas.WorkspaceCollection, r)
	if got := ids(t, values(t, r)); !slices.Equal(got, []string{"default", "secondary"}) || fmt.Sprint(get(t, r.body, "@odata.count")) != "2" {
		t.Errorf("workspaces %v, count %v", got, get(t, r.body, "@odata.count"))
	}
	r = h.do(http.MethodGet, "/security/securityCopilot/workspaces?$filter="+url.QueryEscape("id eq 'secondary'")+"&$select=id", "")
	if got := ids(t, values(t, r)); !slices.Equal(got, []string{"secondary"}) {
		t.Errorf("filtered workspaces %v", got)
	}
	expectError(t, h.do(http.MethodGet, "/security/securityCopilot/workspaces?$top=1", ""), http.StatusBadRequest, "badRequest")
}

func TestListPlugins(t *testing.T) {
	h := newHarness(t, Options{Token: testToken})
	path := "/security/securityCopilot/workspaces/default/plugins"
	r := h.do(http.MethodGet, path, "")
	mustStatus(t, r, http.StatusOK)
	valid(t, schemas.PluginCollection, r)
	names := func(r result) []string {
		var out []string
		for _, o := range values(t, r) {
			out = append(out, str(t, o, "name"))
		}
		return out
	}
	for filter, want := range map[string][]string{
		"name eq 'Entra'":          {"Entra"},
		"contains(name,'Intel')":   {"ThreatIntelligence"},
		"isEnabled eq false":       {"WebSearch"},
		"displayName eq 'nothing'": nil,
	} {
		if got := names(h.do(http.MethodGet, path+"?$filter="+url.QueryEscape(filter), "")); !slices.Equal(got, want) {
			t.Errorf("$filter=%s: %v, want %v", filter, got, want)
		}
	}
	// $top pages through the catalogue, each plugin once.
	var seen []string
	next := h.root + path + "?$top=1"
	for i := 0; next != "" && i < 10; i++ {
		r := h.getURL(next)
		mustStatus(t, r, http.StatusOK)
		seen = append(seen, names(r)...)
		next, _ = r.body.vals["@odata.nextLink"].(string)
	}
	if !slices.Equal(seen, []string{"Entra", "ThreatIntelligence", "WebSearch"}) {
		t.Errorf("paging visited %v", seen)
	}
	expectError(t, h.do(http.MethodGet, path+"?$filter="+url.QueryEscape("contains(displayName,'x')"), ""), http.StatusBadRequest, "badRequest")
}

// An evaluation goes created → running → completed as the clock moves, its timestamps and
// result following, and every answer is valid against the evaluation schema.
func TestEvaluationLifecycle(t *testing.T) {
	clock := newFakeClock("2025-10-22T20:12:57.8667119Z")
	h := newHarness(t, Options{Token: testToken, Now: clock.Now, EvaluationDelays: EvaluationDelays{Running: time.Second, Final: 2 * time.Second}})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "who am I"), "id")
	evals := sessionsPth + "/" + sid + "/prompts/" + pid + "/evaluations"

	r := h.do(http.MethodPost, evals, "{}")
	mustStatus(t, r, http.StatusCreated)
	valid(t, schemas.Evaluation, r)
	eid := str(t, r.body, "id")
	if r.header.Get("Location") == "" || get(t, r.body, "state") != "created" || get(t, r.body, "result") != nil ||
		get(t, r.body, "runStartDateTime") != zeroDate || get(t, r.body, "completedDateTime") != zeroDate {
		t.Errorf("created: %s", r.raw)
	}

	clock.Advance(time.Second)
	r = h.do(http.MethodGet, evals+"/"+eid, "")
	valid(t, schemas.Evaluation, r)
	if get(t, r.body, "state") != "running" || get(t, r.body, "runStartDateTime") == zeroDate || get(t, r.body, "completedDateTime") != zeroDate {
		t.Errorf("running: %s", r.raw)
	}

	clock.Advance(2 * time.Second)
	r = h.do(http.MethodGet, evals+"/"+eid, "")
	valid(t, schemas.Evaluation, r)
	res := obj(t, r.body, "result")
	if get(t, r.body, "state") != "completed" || get(t, r.body, "completedDateTime") == zeroDate ||
		get(t, res, "type") != "success" || str(t, res, "content") == "" ||
		get(t, r.body, "lastModifiedDateTime") != get(t, r.body, "completedDateTime") {
		t.Errorf("completed: %s", r.raw)
	}

	list := h.do(http.MethodGet, evals+"?$filter="+url.QueryEscape("state eq 'completed'"), "")
	valid(t, schemas.EvaluationCollection, list)
	if got := ids(t, values(t, list)); !slices.Equal(got, []string{eid}) {
		t.Errorf("list evaluations: %v", got)
	}
	sel := h.do(http.MethodGet, evals+"/"+eid+"?$select=state", "")
	if keysEqual(t, "$select=state", sel.body, []string{"@odata.context", "id", "state"}); len(sel.body.keys) != 3 {
		t.Errorf("$select=state: %s", sel.raw)
	}
}

func TestEvaluationsThatFailOrAreCancelled(t *testing.T) {
	clock := newFakeClock("2025-10-22T20:12:57Z")
	h := newHarness(t, Options{Token: testToken, Now: clock.Now})
	sid := str(t, h.createSession("s"), "id")
	for content, check := range map[string]func(r result) bool{
		"please [fail]": func(r result) bool {
			return get(t, r.body, "state") == "completed" && get(t, obj(t, r.body, "result"), "type") == "error"
		},
		"please [cancel]": func(r result) bool {
			return get(t, r.body, "state") == "cancelled" && get(t, r.body, "isCancelled") == true
		},
	} {
		pid := str(t, h.createPrompt(sid, content), "id")
		evals := sessionsPth + "/" + sid + "/prompts/" + pid + "/evaluations"
		eid := str(t, h.do(http.MethodPost, evals, "{}").body, "id")
		clock.Advance(time.Minute)
		r := h.do(http.MethodGet, evals+"/"+eid, "")
		valid(t, schemas.Evaluation, r)
		if !check(r) {
			t.Errorf("%q: %s", content, r.raw)
		}
	}
}

func TestCreateEvaluationBadBodies(t *testing.T) {
	h := newHarness(t, Options{Token: testToken})
	sid := str(t, h.createSession("s"), "id")
	pid := str(t, h.createPrompt(sid, "x"), "id")
	evals := sessionsPth + "/" + sid + "/prompts/" + pid + "/evaluations"
	for _, body := range []string{`{"state":"completed"}`, `{`, `[]`} {
		expectError(t, h.do(http.MethodPost, evals, body), http.StatusBadRequest, "badRequest")
	}
	expectError(t, h.do(http.MethodPost, evals, `{}`, hdrs{"Content-Type": "text/plain"}), http.StatusUnsupportedMediaType, "unsupportedMediaType")
}
