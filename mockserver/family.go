package mockserver

import (
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/api"
)

// The rest of the family: list workspaces, list plugins, and list, create and get evaluations.

const (
	typeWorkspace        = api.TypeWorkspace
	typePlugin           = api.TypePlugin
	typeEvaluation       = api.TypeEvaluation
	typeEvaluationResult = api.TypeEvaluationResult
)

// Options of the five operations.
const (
	optsListWorkspaces  = optCount | optFilter | optSelect
	optsListPlugins     = optTop | optCount | optFilter | optSelect | optSkipToken
	optsListEvaluations = optTop | optCount | optFilter | optSelect | optSkipToken
	optsGetEvaluation   = optSelect
)

const (
	listPlugins     listKind = "g"
	listEvaluations listKind = "e"
)

var evaluationStates = []string{"unknown", "created", "running", "completed", "cancelled", "pending", "deferred", "waitingForInput", "unknownFutureValue"}

var workspaceSchema = &entitySchema{
	name:       "workspace",
	properties: []string{"id", "displayName"},
	filterable: map[string]field{
		"id":          {name: "id", kind: kindString},
		"displayname": {name: "displayName", kind: kindString},
	},
	navigation: map[string]bool{"sessions": true, "plugins": true},
}

var pluginSchema = &entitySchema{
	name: "plugin",
	properties: []string{"name", "displayName", "description", "category", "catalogScope", "previewState",
		"isEnabled", "authorization", "settings"},
	filterable: map[string]field{
		"name":        {name: "name", kind: kindString, contains: true},
		"displayname": {name: "displayName", kind: kindString},
		"isenabled":   {name: "isEnabled", kind: kindBool},
	},
}

var evaluationSchema = &entitySchema{
	name: "evaluation",
	properties: []string{"id", "createdDateTime", "runStartDateTime", "completedDateTime", "lastModifiedDateTime",
		"state", "executionCount", "isCancelled", "result"},
	filterable: map[string]field{
		"id":                   {name: "id", kind: kindString},
		"state":                {name: "state", kind: kindEnum, enum: evaluationStates},
		"createddatetime":      {name: "createdDateTime", kind: kindDateTime},
		"lastmodifieddatetime": {name: "lastModifiedDateTime", kind: kindDateTime},
	},
}

// plugin is a plugin of the catalogue every workspace offers.
type plugin struct {
	seq           uint64
	name          string
	displayName   string
	description   string // "": null
	category      string
	catalogScope  string
	previewState  string
	isEnabled     bool
	authorization map[string]any // nil: null
	settings      []any
}

// pluginCatalogue is what List plugins answers, in name order: the documented Entra plugin and
// a few more whose settings and authorization exercise the schema.
func pluginCatalogue() []plugin {
	out := []plugin{
		{name: "Entra", displayName: "Microsoft Entra", description: "Skills that interact with the Microsoft Graph APIs.",
			category: "microsoft", catalogScope: "global", previewState: "ga", isEnabled: true, settings: []any{}},
		{name: "ThreatIntelligence", displayName: "Microsoft Defender Threat Intelligence", description: "Articles, intel profiles and indicators.",
			category: "microsoft", catalogScope: "tenant", previewState: "public", isEnabled: true,
			authorization: map[string]any{"authType": "aad"},
			settings: []any{map[string]any{"name": "region", "label": "Region", "description": "Where to look first.", "hintText": "EU or US",
				"defaultValue": "EU", "value": nil, "acceptableValues": []any{"EU", "US"}, "isRequired": false,
				"settingValue": "enum", "displayType": "dropdown"}}},
		{name: "WebSearch", displayName: "Web search", category: "web", catalogScope: "user",
			previewState: "private", isEnabled: false,
			authorization: map[string]any{"authType": "aPIKey"},
			settings: []any{map[string]any{"name": "apiKey", "label": "API key", "description": nil, "hintText": nil,
				"defaultValue": nil, "value": nil, "acceptableValues": []any{}, "isRequired": true,
				"settingValue": "secretString", "displayType": "textbox"}}},
	}
	for i := range out {
		out[i].seq = uint64(i + 1)
	}
	return out
}

type pluginRecord struct{ p *plugin }

func (r pluginRecord) value(name string) fvalue {
	switch name {
	case "name":
		return fvalue{str: r.p.name}
	case "displayName":
		return fvalue{str: r.p.displayName}
	case "isEnabled":
		if r.p.isEnabled {
			return fvalue{str: "true"}
		}
		return fvalue{str: "false"}
	}
	return fvalue{null: true}
}

type workspaceRecord struct{ ws *workspace }

func (r workspaceRecord) value(name string) fvalue {
	switch name {
	case "id":
		return fvalue{str: r.ws.id}
	case "displayName":
		return fvalue{str: workspaceDisplayName(r.ws.id)}
	}
	return fvalue{null: true}
}

func workspaceDisplayName(id string) string { return "copilotconf reference workspace " + id }

// evaluation is a stored evaluation. Its state is not stored: it follows from the clock, the
// delays and what the prompt asked for (see evaluationAt).
type evaluation struct {
	id      string
	seq     uint64
	created time.Time
	outcome string // "completed", "error" or "cancelled": how it ends
	answer  string
}

// evaluationView is an evaluation as it stands at one moment.
type evaluationView struct {
	id                           string
	seq                          uint64
	created, runStart, completed time.Time // zero: not reached
	modified                     time.Time
	state                        string
	isCancelled                  bool
	result                       map[string]any // nil: null
}

// zeroDate is how the API writes a timestamp not yet reached, as the documented bodies do.
const zeroDate = "0001-01-01T00:00:00Z"

// Prompt markers that choose how an evaluation of the prompt ends (copilotconf serve documents
// them): the others complete with an answer.
const (
	markerFail   = "[fail]"
	markerCancel = "[cancel]"
)

func newEvaluation(id string, seq uint64, content *string, now time.Time) *evaluation {
	e := &evaluation{id: id, seq: seq, created: now, outcome: "completed"}
	text := ""
	if content != nil {
		text = *content
	}
	switch {
	case strings.Contains(text, markerCancel):
		e.outcome = "cancelled"
	case strings.Contains(text, markerFail):
		e.outcome = "error"
	default:
		e.answer = "copilotconf reference answer to: " + text
	}
	return e
}

// at renders the evaluation as it stands at now: created, then running after the first delay,
// then final after the second.
func (e *evaluation) at(now time.Time, d EvaluationDelays) evaluationView {
	v := evaluationView{id: e.id, seq: e.seq, created: e.created, modified: e.created, state: "created"}
	start := e.created.Add(d.Running)
	end := start.Add(d.Final)
	if !now.Before(start) {
		v.state, v.runStart, v.modified = "running", start, start
		v.result = map[string]any{"content": nil, "type": "unknown", "previewState": "ga"}
	}
	if !now.Before(end) {
		v.completed, v.modified = end, end
		switch e.outcome {
		case "cancelled":
			v.state, v.isCancelled = "cancelled", true
		case "error":
			v.state = "completed"
			v.result = map[string]any{"content": "The evaluation failed: the prompt asked for it (" + markerFail + ").", "type": "error", "previewState": "ga"}
		default:
			v.state = "completed"
			v.result = map[string]any{"content": e.answer, "type": "success", "previewState": "ga"}
		}
	}
	return v
}

type evaluationRecord struct{ v *evaluationView }

func (r evaluationRecord) value(name string) fvalue {
	switch name {
	case "id":
		return fvalue{str: r.v.id}
	case "state":
		return fvalue{str: r.v.state}
	case "createdDateTime":
		return fvalue{time: r.v.created}
	case "lastModifiedDateTime":
		return fvalue{time: r.v.modified}
	}
	return fvalue{null: true}
}

// Store operations.

// listWorkspaces returns every workspace in id order.
func (st *store) listWorkspaces(match func(record) bool, count bool) ([]string, int) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	var ids []string
	for _, ws := range st.workspaces {
		if match == nil || match(workspaceRecord{ws}) {
			ids = append(ids, ws.id)
		}
	}
	sort.Strings(ids)
	return ids, len(ids)
}

// listPlugins pages through the plugin catalogue in name order.
func listPluginPage(pr pageRequest) ([]plugin, pageResult) {
	var page []plugin
	var res pageResult
	for _, p := range pluginCatalogue() {
		if pr.match != nil && !pr.match(pluginRecord{&p}) {
			continue
		}
		res.total++
		if pr.hasCursor && p.seq <= pr.after {
			continue
		}
		if len(page) == pr.top {
			res.more = true
			continue
		}
		page = append(page, p)
		res.last = p.seq
	}
	return page, res
}

// prompt finds a prompt of a session.
func (st *store) prompt(wsID, sid, pid string) (*workspace, *session, *prompt, error) {
	ws, s, err := st.session(wsID, sid)
	if err != nil {
		return nil, nil, nil, err
	}
	p := s.promptByID[idKey(pid)]
	if p == nil {
		return nil, nil, nil, notFound("Prompt '%s' was not found in session '%s'.", pid, s.id)
	}
	return ws, s, p, nil
}

// evaluationScope names the prompt an evaluation belongs to, with canonical ids.
type evaluationScope struct{ ws, sid, pid string }

func (st *store) createEvaluation(wsID, sid, pid string, now time.Time) (*evaluation, evaluationScope, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	ws, s, p, err := st.prompt(wsID, sid, pid)
	if err != nil {
		return nil, evaluationScope{}, err
	}
	st.seq++
	e := newEvaluation(newUUID(), st.seq, p.content, now)
	p.evaluations = append(p.evaluations, e)
	if p.evaluationByID == nil {
		p.evaluationByID = map[string]*evaluation{}
	}
	p.evaluationByID[idKey(e.id)] = e
	return e, evaluationScope{ws.id, s.id, p.id}, nil
}

func (st *store) getEvaluation(wsID, sid, pid, eid string) (*evaluation, evaluationScope, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	ws, s, p, err := st.prompt(wsID, sid, pid)
	if err != nil {
		return nil, evaluationScope{}, err
	}
	e := p.evaluationByID[idKey(eid)]
	if e == nil {
		return nil, evaluationScope{}, notFound("Evaluation '%s' was not found for prompt '%s'.", eid, p.id)
	}
	return e, evaluationScope{ws.id, s.id, p.id}, nil
}

func (st *store) listEvaluations(wsID, sid, pid string) ([]*evaluation, evaluationScope, error) {
	st.mu.RLock()
	defer st.mu.RUnlock()
	ws, s, p, err := st.prompt(wsID, sid, pid)
	if err != nil {
		return nil, evaluationScope{}, err
	}
	return append([]*evaluation(nil), p.evaluations...), evaluationScope{ws.id, s.id, p.id}, nil
}

// Paths, relative to the service root.
func workspacesPath() string { return "security/securityCopilot/workspaces" }

func pluginsPath(ws string) string { return workspacesPath() + "('" + keyLiteral(ws) + "')/plugins" }

func evaluationsPath(sc evaluationScope) string {
	return promptsPath(sc.ws, sc.sid) + "('" + keyLiteral(sc.pid) + "')/evaluations"
}

// Handlers.

// 8. GET /security/securityCopilot/workspaces
func (s *Server) listWorkspaces(rc *reqCtx) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsListWorkspaces, workspaceSchema)
	if err != nil {
		return nil, err
	}
	var match func(record) bool
	if q.filter != nil {
		match = q.filter.eval
	}
	ids, total := s.store.listWorkspaces(match, q.count)
	items := make([]any, len(ids))
	for i, id := range ids {
		o := newObject()
		if rc.meta == metaFull {
			o.Set("@odata.type", typeWorkspace)
			o.Set("@odata.id", rc.root+"/"+workspacesPath()+"('"+keyLiteral(id)+"')")
		}
		o.Set("id", id)
		if q.sel.includes("displayName") {
			o.Set("displayName", workspaceDisplayName(id))
		}
		items[i] = o
	}
	return s.collectionResponse(rc, q, workspacesPath(), "", "", pageResult{total: total}, items), nil
}

// 9. GET .../workspaces/{workspaceId}/plugins
func (s *Server) listPlugins(rc *reqCtx, rt route) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsListPlugins, pluginSchema)
	if err != nil {
		return nil, err
	}
	ws, err := s.store.workspaceID(rt.workspace)
	if err != nil {
		return nil, err
	}
	pr, err := s.pageRequestOf(q, listPlugins, ws)
	if err != nil {
		return nil, err
	}
	page, res := listPluginPage(pr)
	items := make([]any, len(page))
	for i, p := range page {
		items[i] = fillPlugin(rc, ws, p, q.sel)
	}
	return s.collectionResponse(rc, q, pluginsPath(ws), listPlugins, ws, res, items), nil
}

func fillPlugin(rc *reqCtx, ws string, p plugin, sel *selection) *jsonObject {
	o := newObject()
	if rc.meta == metaFull {
		o.Set("@odata.type", typePlugin)
	}
	o.Set("name", p.name)
	for _, name := range pluginSchema.properties[1:] {
		if !sel.includes(name) {
			continue
		}
		switch name {
		case "displayName":
			o.Set(name, p.displayName)
		case "description":
			if p.description == "" {
				o.Set(name, nil)
			} else {
				o.Set(name, p.description)
			}
		case "category":
			o.Set(name, p.category)
		case "catalogScope":
			o.Set(name, p.catalogScope)
		case "previewState":
			o.Set(name, p.previewState)
		case "isEnabled":
			o.Set(name, p.isEnabled)
		case "authorization":
			if p.authorization == nil {
				o.Set(name, nil)
			} else {
				o.Set(name, cloneJSON(p.authorization))
			}
		case "settings":
			o.Set(name, cloneJSON(p.settings))
		}
	}
	return o
}

// 10. GET .../prompts/{promptId}/evaluations
func (s *Server) listEvaluations(rc *reqCtx, rt route) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsListEvaluations, evaluationSchema)
	if err != nil {
		return nil, err
	}
	all, sc, err := s.store.listEvaluations(rt.workspace, rt.session, rt.prompt)
	if err != nil {
		return nil, err
	}
	pr, err := s.pageRequestOf(q, listEvaluations, sc.pid)
	if err != nil {
		return nil, err
	}
	var items []any
	var res pageResult
	for _, e := range all {
		v := e.at(rc.now, s.evaluationDelays)
		if pr.match != nil && !pr.match(evaluationRecord{&v}) {
			continue
		}
		res.total++
		if pr.hasCursor && e.seq <= pr.after {
			continue
		}
		if len(items) == pr.top {
			res.more = true
			continue
		}
		items = append(items, fillEvaluation(rc, newObject(), sc, v, q.sel))
		res.last = e.seq
	}
	if items == nil {
		items = []any{}
	}
	return s.collectionResponse(rc, q, evaluationsPath(sc), listEvaluations, sc.pid, res, items), nil
}

// 11. POST .../prompts/{promptId}/evaluations
func (s *Server) createEvaluation(rc *reqCtx, rt route) (*response, error) {
	if _, err := parseQuery(rc.r.URL.RawQuery, optsNone, evaluationSchema); err != nil {
		return nil, err
	}
	if _, _, _, err := s.store.getPrompt(rt.workspace, rt.session, rt.prompt); err != nil {
		return nil, err
	}
	o, err := s.readJSONObject(rc.r)
	if err != nil {
		return nil, err
	}
	for _, k := range o.keys {
		if !strings.HasPrefix(k, "@") {
			return nil, badRequest("Property '%s' does not exist on type 'microsoft.graph.security.securityCopilot.evaluation' or is not writable; create an evaluation with an empty object.", k)
		}
	}
	e, sc, err := s.store.createEvaluation(rt.workspace, rt.session, rt.prompt, normalizeTime(rc.now))
	if err != nil {
		return nil, err
	}
	body := fillEvaluation(rc, newTopObject(rc, entityContext(rc, evaluationsPath(sc), nil)), sc, e.at(normalizeTime(rc.now), s.evaluationDelays), nil)
	resp := jsonResponse(http.StatusCreated, body)
	resp.header.Set("Location", rc.root+"/"+evaluationsPath(sc)+"('"+keyLiteral(e.id)+"')")
	return resp, nil
}

// 12. GET .../prompts/{promptId}/evaluations/{evaluationId}
func (s *Server) getEvaluation(rc *reqCtx, rt route) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsGetEvaluation, evaluationSchema)
	if err != nil {
		return nil, err
	}
	e, sc, err := s.store.getEvaluation(rt.workspace, rt.session, rt.prompt, rt.evaluation)
	if err != nil {
		return nil, err
	}
	body := fillEvaluation(rc, newTopObject(rc, entityContext(rc, evaluationsPath(sc), q.sel)), sc, e.at(rc.now, s.evaluationDelays), q.sel)
	return jsonResponse(http.StatusOK, body), nil
}

func fillEvaluation(rc *reqCtx, o *jsonObject, sc evaluationScope, v evaluationView, sel *selection) *jsonObject {
	if rc.meta == metaFull {
		o.Set("@odata.type", typeEvaluation)
		o.Set("@odata.id", rc.root+"/"+evaluationsPath(sc)+"('"+keyLiteral(v.id)+"')")
	}
	o.Set("id", v.id)
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return zeroDate
		}
		return formatTimestamp(t)
	}
	for _, name := range evaluationSchema.properties[1:] {
		if !sel.includes(name) {
			continue
		}
		switch name {
		case "createdDateTime":
			o.Set(name, stamp(v.created))
		case "runStartDateTime":
			o.Set(name, stamp(v.runStart))
		case "completedDateTime":
			o.Set(name, stamp(v.completed))
		case "lastModifiedDateTime":
			o.Set(name, stamp(v.modified))
		case "state":
			o.Set(name, v.state)
		case "executionCount":
			o.Set(name, countValue(rc, 0))
		case "isCancelled":
			o.Set(name, v.isCancelled)
		case "result":
			if v.result == nil {
				o.Set(name, nil)
				continue
			}
			r := newObject()
			if rc.meta == metaFull {
				r.Set("@odata.type", typeEvaluationResult)
			}
			r.Set("content", v.result["content"])
			r.Set("type", v.result["type"])
			r.Set("previewState", v.result["previewState"])
			o.Set(name, r)
		}
	}
	return o
}
