package mockserver

import (
	"encoding/json"
	"github.com/copilotconf/copilotconf/api"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// The faults of the rest of the family: list workspaces, list plugins, and list, create and get
// evaluations.

// The operations these faults act on.
var (
	opListWorkspace = api.ListWorkspaces.Name
	opListPlugins   = api.ListPlugins.Name
	opListEvals     = api.ListEvaluations.Name
	opCreateEval    = api.CreateEvaluation.Name
	opGetEval       = api.GetEvaluation.Name
)

var (
	evaluationOps = []string{opListEvals, opCreateEval, opGetEval}
	evaluationKey = regexp.MustCompile(`prompts\('[^']*'\)/evaluations`)
)

// rememberedEvaluation is an evaluation as create answered it, with where it lives.
type rememberedEvaluation struct {
	route route
	body  map[string]any
}

// rememberEvaluations records every evaluation created, then runs fn, under the fault state's lock.
func rememberEvaluations(fn func(x *faultResponse, st *faultState)) func(x *faultResponse) {
	return func(x *faultResponse) {
		x.req.layer.remember(func(st *faultState) {
			if id, _ := x.body["id"].(string); x.is(opCreateEval) && x.status == http.StatusCreated && id != "" {
				e := map[string]any{}
				for k, v := range x.body {
					if !strings.HasPrefix(k, "@") {
						e[k] = v
					}
				}
				st.evaluations[id] = rememberedEvaluation{x.req.route, e}
				st.evalOrder = append(st.evalOrder, id)
			}
			fn(x, st)
		})
	}
}

// madeUpEvaluation is what a fault answers with when the server would have found nothing.
func madeUpEvaluation() map[string]any {
	now := time.Now().UTC().Format(wireTime)
	return map[string]any{"id": "0a7a11ed-0000-4000-8000-000000000011", "createdDateTime": now, "lastModifiedDateTime": now,
		"runStartDateTime": zeroDate, "completedDateTime": zeroDate, "state": "created", "executionCount": 0,
		"isCancelled": false, "result": nil}
}

// parseWire reads a timestamp the server wrote.
func parseWire(v any) (time.Time, bool) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// readCount counts the reads of an evaluation a fault has seen, from 1.
func (x *faultResponse) readCount(key string) int {
	n := 0
	x.req.layer.remember(func(st *faultState) {
		st.reads[key]++
		n = st.reads[key]
	})
	return n
}

// emptyFilterless reports whether the request has no query options at all.
func (x *faultRequest) queryless() bool { return x.r.URL.RawQuery == "" }

// withPath sends the request to another path of the server.
func (x *faultRequest) withPath(p string) {
	x.r.URL.Path, x.r.URL.RawPath = p, ""
}

var familyFaults = []faultDef{
	// --- list workspaces ---
	{Fault: Fault{"workspaces-default-missing", "List workspaces leaves out the default workspace", specs("WS-LIST-02")},
		after: func(x *faultResponse) {
			if _, filtered := x.req.query("filter"); !x.is(opListWorkspace) || !x.ok() || filtered {
				return
			}
			var kept []any
			for _, it := range x.items() {
				if obj, ok := it.(map[string]any); ok && obj["id"] == "default" {
					if n, ok := x.body["@odata.count"].(json.Number); ok {
						c, _ := n.Int64()
						x.body["@odata.count"] = c - 1
					}
					continue
				}
				kept = append(kept, it)
			}
			x.body["value"] = append([]any{}, kept...)
		}},
	{Fault: Fault{"workspaces-count-ignored", "List workspaces accepts $count=true but writes no @odata.count", specs("WS-LIST-03")},
		after: func(x *faultResponse) {
			if x.is(opListWorkspace) && x.ok() {
				delete(x.body, "@odata.count")
			}
		}},
	{Fault: Fault{"workspaces-select-ignored", "List workspaces ignores $select", specs("WS-LIST-04")},
		before: func(x *faultRequest) {
			if x.is(opListWorkspace) {
				x.dropQuery("select")
			}
		}},
	{Fault: Fault{"workspaces-filter-ignored", "List workspaces ignores $filter", specs("WS-LIST-05")},
		before: func(x *faultRequest) {
			if x.is(opListWorkspace) {
				x.dropQuery("filter")
			}
		}},
	{Fault: Fault{"workspaces-no-context", "List workspaces writes no @odata.context, as the documented example", specs("WS-LIST-06")},
		after: func(x *faultResponse) {
			if x.is(opListWorkspace) && x.ok() {
				delete(x.body, "@odata.context")
			}
		}},
	{Fault: Fault{"workspaces-displayname-number", "Listed workspaces give displayName as a number", specs("WS-LIST-01")},
		after: func(x *faultResponse) {
			if x.is(opListWorkspace) && x.ok() {
				for _, e := range x.entities() {
					if _, has := e["displayName"]; has {
						e["displayName"] = 42
					}
				}
			}
		}},

	// --- list plugins ---
	{Fault: Fault{"plugins-category-invalid", "Plugins give category \"builtin\", which pluginCategory does not have", specs("PLUGIN-LIST-01", "PLUGIN-LIST-04")},
		after: func(x *faultResponse) {
			if x.is(opListPlugins) && x.ok() {
				for _, e := range x.entities() {
					if _, has := e["category"]; has {
						e["category"] = "builtin"
					}
				}
			}
		}},
	{Fault: Fault{"plugins-unknown-workspace-listed", "List plugins answers an unknown workspace with the default workspace's plugins", specs("PLUGIN-LIST-02")},
		before: func(x *faultRequest) {
			if _, err := x.layer.server.store.workspaceID(x.route.workspace); err != nil && x.is(opListPlugins) {
				x.withPath("/security/securityCopilot/workspaces/default/plugins")
			}
		}},
	{Fault: Fault{"plugins-duplicated", "List plugins repeats its first plugin at the end of the list", specs("PLUGIN-LIST-03")},
		after: func(x *faultResponse) {
			if items := x.items(); x.is(opListPlugins) && x.ok() && x.req.queryless() && len(items) > 0 {
				x.body["value"] = append(append([]any{}, items...), cloneJSON(items[0]))
			}
		}},
	{Fault: Fault{"plugins-only-default", "List plugins answers 404 for every workspace but default", specs("PLUGIN-LIST-04")},
		before: func(x *faultRequest) {
			if x.is(opListPlugins) && !strings.EqualFold(x.route.workspace, "default") {
				x.respond(http.StatusNotFound, "notFound", "Workspace not found.")
			}
		}},
	{Fault: Fault{"plugins-name-filter-ignored", "List plugins ignores $filter=name eq '…'", specs("PLUGIN-LIST-05")},
		before: func(x *faultRequest) {
			if f, ok := x.query("filter"); ok && x.is(opListPlugins) && strings.HasPrefix(f, "name eq ") {
				x.dropQuery("filter")
			}
		}},
	{Fault: Fault{"plugins-contains-refused", "List plugins answers $filter with contains() 400, though the documentation lists it", specs("PLUGIN-LIST-06")},
		before: func(x *faultRequest) {
			if f, ok := x.query("filter"); ok && x.is(opListPlugins) && strings.Contains(f, "contains(") {
				x.respond(http.StatusBadRequest, "BadRequest", "Unsupported function contains.")
			}
		}},
	{Fault: Fault{"plugins-isenabled-inverted", "List plugins answers $filter=isEnabled eq true with the disabled plugins, and the other way round", specs("PLUGIN-LIST-07")},
		before: func(x *faultRequest) {
			if x.is(opListPlugins) {
				x.rewriteQuery("filter", func(f string) string {
					return strings.NewReplacer("eq true", "eq false", "eq false", "eq true").Replace(f)
				})
			}
		}},
	{Fault: Fault{"plugins-displayname-filter-ignored", "List plugins ignores $filter=displayName eq '…'", specs("PLUGIN-LIST-08")},
		before: func(x *faultRequest) {
			if f, ok := x.query("filter"); ok && x.is(opListPlugins) && strings.HasPrefix(f, "displayName eq ") {
				x.dropQuery("filter")
			}
		}},
	{Fault: Fault{"plugins-top-ignored", "List plugins ignores $top", specs("PLUGIN-LIST-09")},
		before: func(x *faultRequest) {
			if x.is(opListPlugins) {
				x.dropQuery("top")
			}
		}},
	{Fault: Fault{"plugins-count-off-by-one", "List plugins gives @odata.count one more than it lists", specs("PLUGIN-LIST-10")},
		after: func(x *faultResponse) {
			if n, ok := x.body["@odata.count"].(json.Number); ok && x.is(opListPlugins) {
				c, _ := n.Int64()
				x.body["@odata.count"] = c + 1
			}
		}},
	{Fault: Fault{"plugins-select-ignored", "List plugins ignores $select", specs("PLUGIN-LIST-11")},
		before: func(x *faultRequest) {
			if x.is(opListPlugins) {
				x.dropQuery("select")
			}
		}},
	{Fault: Fault{"plugins-no-context", "List plugins writes no @odata.context", specs("PLUGIN-LIST-12")},
		after: func(x *faultResponse) {
			if x.is(opListPlugins) && x.ok() {
				delete(x.body, "@odata.context")
			}
		}},

	// --- the evaluation lifecycle ---
	{Fault: Fault{"evaluation-stuck", "Evaluations never leave the running state", specs("EVAL-GET-06")},
		after: func(x *faultResponse) {
			if !x.is(evaluationOps...) || !x.ok() {
				return
			}
			for _, e := range x.entities() {
				if s, _ := e["state"].(string); s == "completed" || s == "cancelled" {
					e["state"] = "running"
					setPresent(e, "completedDateTime", zeroDate)
					setPresent(e, "isCancelled", false)
					setPresent(e, "result", map[string]any{"content": nil, "type": "unknown", "previewState": "ga"})
					setPresent(e, "lastModifiedDateTime", e["runStartDateTime"])
				}
			}
		}},
	{Fault: Fault{"evaluation-state-backwards", "Get evaluation answers its second read with state created again, after running", specs("EVAL-GET-06")},
		after: func(x *faultResponse) {
			if !x.is(opGetEval) || !x.ok() || !x.req.queryless() {
				return
			}
			start, ok := parseWire(x.body["runStartDateTime"])
			if !ok || start.Year() == 1 {
				return
			}
			switch x.readCount("backwards " + x.req.route.evaluation) {
			case 1: // running, as at the start of the run
				x.body["state"], x.body["completedDateTime"], x.body["isCancelled"] = "running", zeroDate, false
				x.body["result"] = map[string]any{"content": nil, "type": "unknown", "previewState": "ga"}
				x.body["lastModifiedDateTime"] = start.Format(wireTime)
			case 2: // back to created, with every timestamp consistent with it
				x.body["state"], x.body["runStartDateTime"], x.body["completedDateTime"], x.body["isCancelled"] = "created", zeroDate, zeroDate, false
				x.body["result"] = nil
				x.body["lastModifiedDateTime"] = start.Add(time.Millisecond).Format(wireTime)
			}
		}},
	{Fault: Fault{"evaluation-result-missing", "Completed evaluations have result null", specs("EVAL-GET-09")},
		after: func(x *faultResponse) {
			for _, e := range x.entities() {
				if e["state"] == "completed" && x.is(evaluationOps...) {
					setPresent(e, "result", nil)
				}
			}
		}},
	{Fault: Fault{"evaluation-timestamps-frozen", "An evaluation's lastModifiedDateTime stays at its createdDateTime", specs("EVAL-GET-08")},
		after: func(x *faultResponse) {
			for _, e := range x.entities() {
				if c, has := e["createdDateTime"]; has && x.is(evaluationOps...) {
					e["lastModifiedDateTime"] = c
				}
			}
		}},
	{Fault: Fault{"evaluation-created-null-dates", "Create evaluation writes the timestamps not reached yet as null, not the zero date", specs("EVAL-CREATE-01", "EVAL-CREATE-02", "EVAL-GET-07")},
		after: func(x *faultResponse) {
			if x.is(opCreateEval) && x.ok() {
				for _, name := range []string{"runStartDateTime", "completedDateTime"} {
					if x.body[name] == zeroDate {
						x.body[name] = nil
					}
				}
			}
		}},
	{Fault: Fault{"evaluation-run-start-missing", "Running and finished evaluations keep runStartDateTime at the zero date", specs("EVAL-GET-07")},
		after: func(x *faultResponse) {
			for _, e := range x.entities() {
				if _, has := e["runStartDateTime"]; has && x.is(evaluationOps...) {
					e["runStartDateTime"] = zeroDate
				}
			}
		}},
	{Fault: Fault{"evaluation-result-flaps", "A finished evaluation's result.content changes on every read after the first", specs("EVAL-GET-10")},
		after: func(x *faultResponse) {
			if !x.is(opGetEval) || !x.ok() || x.body["state"] != "completed" {
				return
			}
			if n := x.readCount("final " + x.req.route.evaluation); n > 1 {
				if r, ok := x.body["result"].(map[string]any); ok {
					r["content"] = stringOr(r["content"]) + " (read " + time.Now().Format(time.StampNano) + ")"
				}
			}
		}},

	// --- create evaluation ---
	{Fault: Fault{"evaluation-create-200", "Create evaluation answers 200 OK instead of 201 Created", specs("EVAL-CREATE-01", "EVAL-CREATE-02", "EVAL-CREATE-03", "EVAL-CREATE-08")},
		after: func(x *faultResponse) {
			if x.is(opCreateEval) && x.status == http.StatusCreated {
				x.status = http.StatusOK
			}
		}},
	{Fault: Fault{"evaluation-create-running", "Create evaluation answers with the evaluation already running", specs("EVAL-CREATE-02")},
		after: func(x *faultResponse) {
			if x.is(opCreateEval) && x.ok() {
				x.body["state"], x.body["runStartDateTime"] = "running", x.body["createdDateTime"]
			}
		}},
	{Fault: Fault{"evaluation-created-in-past", "Evaluations give a createdDateTime an hour before they were created", specs("EVAL-CREATE-03")},
		after: func(x *faultResponse) {
			for _, e := range x.entities() {
				if t, ok := parseWire(e["createdDateTime"]); ok && x.is(evaluationOps...) {
					e["createdDateTime"] = t.Add(-time.Hour).UTC().Format(wireTime)
				}
			}
		}},
	{Fault: Fault{"evaluation-any-prompt", "Create evaluation answers 201 with an evaluation for a prompt it cannot find", specs("EVAL-CREATE-04", "EVAL-CREATE-05")},
		after: func(x *faultResponse) {
			if x.is(opCreateEval) && x.status == http.StatusNotFound {
				x.status, x.body = http.StatusCreated, madeUpEvaluation()
			}
		}},
	{Fault: Fault{"evaluation-bad-json-accepted", "Create evaluation takes a body that is not a JSON object as {}", specs("EVAL-CREATE-06")},
		before: func(x *faultRequest) {
			if x.is(opCreateEval) && x.jsonBody() == nil {
				x.body = []byte("{}")
			}
		}},
	{Fault: Fault{"evaluation-read-only-accepted", "Create evaluation drops the properties of its body instead of refusing them", specs("EVAL-CREATE-07")},
		before: func(x *faultRequest) {
			if body := x.jsonBody(); body != nil && x.is(opCreateEval) {
				for k := range body {
					if !strings.HasPrefix(k, "@") {
						delete(body, k)
					}
				}
				x.setJSONBody(body)
			}
		}},
	{Fault: Fault{"evaluation-context-collection", "A single evaluation's @odata.context names the collection, without /$entity", specs("EVAL-CREATE-08", "EVAL-GET-05")},
		after: func(x *faultResponse) {
			if x.is(opCreateEval, opGetEval) && x.ok() {
				x.context(func(c string) string { return strings.TrimSuffix(c, "/$entity") })
			}
		}},

	// --- get evaluation ---
	{Fault: Fault{"evaluation-found-anywhere", "Get evaluation finds an evaluation under any prompt of the session", specs("EVAL-GET-03")},
		after: rememberEvaluations(func(x *faultResponse, st *faultState) {
			if e, ok := st.evaluations[x.req.route.evaluation]; ok && x.is(opGetEval) && x.status == http.StatusNotFound {
				x.status, x.body = http.StatusOK, cloneJSON(e.body).(map[string]any)
			}
		})},
	{Fault: Fault{"evaluation-unknown-200", "Get evaluation answers an unknown evaluation id of a known prompt with 200 and an evaluation", specs("EVAL-GET-02")},
		after: rememberEvaluations(func(x *faultResponse, st *faultState) {
			if !x.is(opGetEval) || x.status != http.StatusNotFound {
				return
			}
			rt := x.req.route
			if _, known := st.evaluations[rt.evaluation]; known {
				return
			}
			if _, _, _, err := x.req.layer.server.store.getPrompt(rt.workspace, rt.session, rt.prompt); err == nil {
				x.status, x.body = http.StatusOK, madeUpEvaluation()
			}
		})},
	{Fault: Fault{"evaluation-execution-count-string", "Get evaluation writes executionCount as a string", specs("EVAL-GET-01")},
		after: func(x *faultResponse) {
			if n, ok := x.body["executionCount"].(json.Number); ok && x.is(opGetEval) {
				x.body["executionCount"] = n.String()
			}
		}},

	// --- list evaluations ---
	{Fault: Fault{"evaluations-single-entity", "List evaluations answers one evaluation with a …/$entity context, as the documented example, not a collection",
		specs("EVAL-LIST-01", "EVAL-LIST-02", "EVAL-LIST-04", "EVAL-LIST-05", "EVAL-LIST-06", "EVAL-LIST-07", "EVAL-LIST-08")},
		after: func(x *faultResponse) {
			if !x.is(opListEvals) || !x.ok() {
				return
			}
			out := map[string]any{}
			if items := x.items(); len(items) > 0 {
				out, _ = items[0].(map[string]any)
			}
			if c, ok := x.body["@odata.context"].(string); ok {
				out["@odata.context"] = c + "/$entity"
			}
			x.body = out
		}},
	{Fault: Fault{"evaluations-not-scoped", "List evaluations lists the evaluations of every prompt of the session", specs("EVAL-LIST-02")},
		after: rememberEvaluations(func(x *faultResponse, st *faultState) {
			if !x.is(opListEvals) || !x.ok() || !x.req.queryless() {
				return
			}
			listed := map[string]bool{}
			for _, it := range x.items() {
				if obj, ok := it.(map[string]any); ok {
					listed[stringOr(obj["id"])] = true
				}
			}
			items := x.items()
			for _, id := range st.evalOrder {
				if e := st.evaluations[id]; !listed[id] && strings.EqualFold(e.route.session, x.req.route.session) {
					items = append(items, cloneJSON(e.body))
				}
			}
			x.body["value"] = append([]any{}, items...)
		})},
	{Fault: Fault{"evaluations-unknown-prompt-empty", "List evaluations answers an unknown prompt of a known session with an empty collection", specs("EVAL-LIST-03")},
		after: func(x *faultResponse) {
			if !x.is(opListEvals) || x.status != http.StatusNotFound {
				return
			}
			if _, _, err := x.req.layer.server.store.getSession(x.req.route.workspace, x.req.route.session, false); err == nil {
				x.status, x.body = http.StatusOK, map[string]any{"value": []any{}}
			}
		}},
	{Fault: Fault{"evaluations-top-ignored", "List evaluations ignores $top", specs("EVAL-LIST-04")},
		before: func(x *faultRequest) {
			if x.is(opListEvals) {
				x.dropQuery("top")
			}
		}},
	{Fault: Fault{"evaluations-count-ignored", "List evaluations accepts $count=true but writes no @odata.count", specs("EVAL-LIST-05")},
		after: func(x *faultResponse) {
			if x.is(opListEvals) && x.ok() {
				delete(x.body, "@odata.count")
			}
		}},
	{Fault: Fault{"evaluations-select-ignored", "List and get evaluation ignore $select", specs("EVAL-LIST-06", "EVAL-GET-04")},
		before: func(x *faultRequest) {
			if x.is(opListEvals, opGetEval) {
				x.dropQuery("select")
			}
		}},
	{Fault: Fault{"evaluations-filter-inverted", "List evaluations treats eq in $filter as ne", specs("EVAL-LIST-07")},
		before: func(x *faultRequest) {
			if x.is(opListEvals) {
				x.rewriteQuery("filter", func(f string) string { return strings.ReplaceAll(f, " eq ", " ne ") })
			}
		}},
	{Fault: Fault{"evaluations-context-unkeyed", "The evaluations collection's @odata.context leaves out the prompt key (…/prompts/evaluations)", specs("EVAL-LIST-08")},
		after: func(x *faultResponse) {
			if x.is(opListEvals) && x.ok() {
				x.context(func(c string) string { return evaluationKey.ReplaceAllString(c, "prompts/evaluations") })
			}
		}},
}

// stringOr returns v when it is a string, else "".
func stringOr(v any) string {
	s, _ := v.(string)
	return s
}

// setPresent sets a member the object already has (one $select left out stays out).
func setPresent(obj map[string]any, name string, v any) {
	if _, has := obj[name]; has {
		obj[name] = v
	}
}
