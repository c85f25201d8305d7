package explore

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/api"
)

// Call is one generated request, as data: the objects it names are indices into what the run
// created (so that a shorter sequence still means something), resolved when it is sent.
type Call struct {
	// Op is the documented operation (api.Operation.Name).
	Op string `json:"op"`
	// Method, when set, is sent instead of the operation's: an undocumented method on its path.
	Method string `json:"method,omitempty"`
	// Session, Prompt and Evaluation index the run's sessions, a session's prompts and a
	// prompt's evaluations; Unknown means an id no target holds.
	Session    int `json:"session"`
	Prompt     int `json:"prompt"`
	Evaluation int `json:"evaluation"`
	// Misaddressed sends the prompt under another of the run's sessions, or the evaluation
	// under another prompt of its session: Under indexes that session, or that prompt.
	Misaddressed bool `json:"misaddressed,omitempty"`
	Under        int  `json:"under,omitempty"`
	// Workspace, when set, is a workspace the target listed, sent instead of the run's;
	// UnknownWorkspace sends one no target holds.
	Workspace        string `json:"workspace,omitempty"`
	UnknownWorkspace bool   `json:"unknownWorkspace,omitempty"`
	// Query holds the OData query options sent; Filter is the $filter among them that the
	// model evaluates (sessions).
	Query  url.Values `json:"query,omitempty"`
	Filter filter     `json:"-"`
	// EvaluationFilter, "id" or "state", filters a list of evaluations on that property of
	// the evaluation Evaluation indexes, as it is when the call is sent.
	EvaluationFilter string `json:"evaluationFilter,omitempty"`
	// FullMetadata asks for odata.metadata=full.
	FullMetadata bool `json:"fullMetadata,omitempty"`
	// Text is the displayName or content sent; Body, when set, is sent instead of the body
	// built from Text (an invalid body, or a valid one of another shape); Pad appends that
	// many "x" to the displayName (an oversized body).
	Text string `json:"text,omitempty"`
	// Null sends displayName null (an update: the documentation allows null names).
	Null bool   `json:"null,omitempty"`
	Body string `json:"body,omitempty"`
	Pad  int    `json:"pad,omitempty"`
	// ContentType is the media type of the body ("" for application/json).
	ContentType string `json:"contentType,omitempty"`
	// Invalid says what makes the call invalid ("" for a valid call); the answer must be the
	// error it names.
	Invalid string `json:"invalid,omitempty"`
	// Auth is "none" (no Authorization header) or "wrong" (a token the target never issued);
	// "" sends the run's credentials.
	Auth string `json:"auth,omitempty"`
	// Follow walks the collection through its next links, with Interleave creating a session
	// between the first and the second page.
	Follow     bool `json:"follow,omitempty"`
	Interleave bool `json:"interleave,omitempty"`
	// After is how long the call waits before it is sent: the polls of the run's evaluations
	// at its end.
	After time.Duration `json:"after,omitempty"`
}

// Unknown is the index of an object no target holds.
const Unknown = -1

// What makes a call invalid, and the error each calls for (400 unless refusals says otherwise).
const (
	invalidNoToken      = "no token"
	invalidWrongToken   = "a token the target never issued"
	invalidMediaType    = "a media type that is not JSON"
	invalidMethod       = "a method the API does not document on this path"
	invalidHuge         = "a body of 5 MiB"
	invalidUnknownID    = "an unknown id"
	invalidMisaddressed = "an object addressed under another parent"
	invalidWorkspace    = "a workspace no target holds"
	invalidReadOnly     = "read-only properties (the service may refuse them or leave them be)"
)

// refusals are the statuses an invalid call may get, besides 400.
var refusals = map[string][]int{
	invalidNoToken:      {http.StatusUnauthorized},
	invalidWrongToken:   {http.StatusUnauthorized},
	invalidMediaType:    {http.StatusUnsupportedMediaType},
	invalidMethod:       {http.StatusMethodNotAllowed},
	invalidHuge:         {http.StatusRequestEntityTooLarge, http.StatusBadRequest},
	invalidUnknownID:    {http.StatusNotFound},
	invalidMisaddressed: {http.StatusNotFound},
	invalidWorkspace:    {http.StatusNotFound},
}

// String describes the call for people.
func (c Call) String() string {
	var b strings.Builder
	if c.Method != "" {
		b.WriteString(c.Method + " on ")
	}
	b.WriteString(c.Op)
	switch {
	case c.UnknownWorkspace:
		b.WriteString(" workspace=unknown")
	case c.Workspace != "":
		fmt.Fprintf(&b, " workspace=%s", c.Workspace)
	}
	if c.usesSession() {
		fmt.Fprintf(&b, " session=%s", ref(c.Session))
	}
	if c.usesPrompt() {
		fmt.Fprintf(&b, " prompt=%s", ref(c.Prompt))
	}
	if c.usesEvaluation() {
		fmt.Fprintf(&b, " evaluation=%s", ref(c.Evaluation))
	}
	if c.Misaddressed {
		parent := "session"
		if c.Op == api.GetEvaluation.Name {
			parent = "prompt"
		}
		fmt.Fprintf(&b, " (under %s #%d)", parent, c.Under)
	}
	if len(c.Query) > 0 {
		q, _ := url.QueryUnescape(c.Query.Encode())
		fmt.Fprintf(&b, " ?%s", q)
	}
	if c.FullMetadata {
		b.WriteString(" (odata.metadata=full)")
	}
	switch {
	case c.Null:
		b.WriteString(" displayName=null")
	case c.Text != "" || c.Op == api.UpdateSession.Name && c.Body == "":
		fmt.Fprintf(&b, " text=%q", clip(c.Text, 40))
	}
	if c.Body != "" {
		fmt.Fprintf(&b, " body=%s", clip(c.Body, 60))
	}
	if c.Invalid != "" {
		fmt.Fprintf(&b, " (invalid: %s)", c.Invalid)
	}
	if c.Follow {
		b.WriteString(" (following next links")
		if c.Interleave {
			b.WriteString(", a create between the pages")
		}
		b.WriteString(")")
	}
	if c.After > 0 {
		fmt.Fprintf(&b, " (after %s)", c.After)
	}
	return b.String()
}

func ref(i int) string {
	if i == Unknown {
		return "unknown"
	}
	return fmt.Sprintf("#%d", i)
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func (c Call) usesSession() bool {
	op, _ := api.Lookup(c.Op)
	return len(op.Params()) > 1
}

func (c Call) usesPrompt() bool {
	op, _ := api.Lookup(c.Op)
	return len(op.Params()) > 2
}

// usesEvaluation says whether the call names one of the run's evaluations: in its path, or
// in a $filter.
func (c Call) usesEvaluation() bool {
	return c.Op == api.GetEvaluation.Name || c.EvaluationFilter != ""
}

// generator draws calls from a seeded source: the same seed and the same answers give the
// same calls.
type generator struct {
	rnd   *rand.Rand
	runID string
	names []string // the names sent so far, for duplicates and filters
	// readOnly draws reads only; evaluations draws evaluations (they use billed capacity).
	readOnly    bool
	evaluations bool
	// turns counts, per choice, how often it was made: the kinds of invalid input are taken in
	// turn, so that each comes soon whatever the seed.
	turns map[string]int
}

// turn takes the next of n options of the choice named key, starting at a random one.
func (g *generator) turn(key string, n int) int {
	if _, ok := g.turns[key]; !ok {
		g.turns[key] = g.rnd.IntN(n)
	}
	i := g.turns[key] % n
	g.turns[key]++
	return i
}

func newGenerator(seed uint64, runID string) *generator {
	return &generator{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), runID: runID, turns: map[string]int{}}
}

// operations are the operations explored, with their weights: writes are rarer than reads.
var operations = []struct {
	op     api.Operation
	weight int
}{
	{api.ListSessions, 6}, {api.CreateSession, 4}, {api.GetSession, 4}, {api.UpdateSession, 3},
	{api.ListPrompts, 3}, {api.CreatePrompt, 3}, {api.GetPrompt, 3},
	{api.ListWorkspaces, 2}, {api.ListPlugins, 3},
	{api.ListEvaluations, 3}, {api.CreateEvaluation, 3}, {api.GetEvaluation, 4},
}

// drawable says whether the generator may draw op.
func (g *generator) drawable(op api.Operation, m *model) bool {
	if g.readOnly && op.Writes || m.budgetSpent && op.Method == http.MethodPost {
		return false
	}
	return g.evaluations || op.Creates != "evaluation"
}

// invalidRate is the share of calls sent with an invalid input.
const invalidRate = 0.2

// next draws the next call for the model as it stands.
func (g *generator) next(m *model) Call {
	total := 0
	for _, o := range operations {
		if g.drawable(o.op, m) {
			total += o.weight
		}
	}
	pick := g.rnd.IntN(total)
	var op api.Operation
	for _, o := range operations {
		if !g.drawable(o.op, m) {
			continue
		}
		if pick < o.weight {
			op = o.op
			break
		}
		pick -= o.weight
	}
	c := Call{Op: op.Name, Session: g.sessionRef(m), Prompt: Unknown, Evaluation: Unknown}
	if len(op.Params()) > 2 && c.Session != Unknown && g.rnd.IntN(2) == 0 {
		// Sessions with prompts are the interesting ones for the operations on prompts.
		c.Session = g.sessionWithPrompts(m, c.Session)
	}
	if c.Session != Unknown && len(m.sessions[c.Session].prompts) > 0 {
		prompts := m.sessions[c.Session].prompts
		c.Prompt = g.rnd.IntN(len(prompts))
		// Prompts with evaluations are the interesting ones for reading evaluations.
		if op.Creates == "" && len(op.Params()) > 2 && g.rnd.IntN(2) == 0 {
			var with []int
			for i, p := range prompts {
				if len(p.evaluations) > 0 {
					with = append(with, i)
				}
			}
			if len(with) > 0 {
				c.Prompt = with[g.rnd.IntN(len(with))]
			}
		}
		if evs := prompts[c.Prompt].evaluations; len(evs) > 0 && g.rnd.IntN(8) != 0 {
			c.Evaluation = g.rnd.IntN(len(evs))
		}
	}
	switch op.Name {
	case api.CreateSession.Name, api.UpdateSession.Name:
		c.Text = g.name()
		if op.Name == api.UpdateSession.Name {
			// A session the run created (and named) may be renamed to nothing.
			switch g.rnd.IntN(10) {
			case 0:
				c.Text = ""
			case 1:
				c.Text, c.Null = "", true
			}
		}
		if op.Name == api.CreateSession.Name && g.rnd.IntN(4) == 0 {
			// The documented request body carries @odata.type.
			c.Body = jsonText(map[string]any{"@odata.type": api.TypeSession, "displayName": c.Text})
		}
	case api.CreatePrompt.Name:
		c.Text = g.content()
		if g.rnd.IntN(4) == 0 {
			c.Body = jsonText(map[string]any{"@odata.type": api.TypePrompt, "type": "prompt", "content": c.Text})
		}
	case api.ListSessions.Name:
		c.Query, c.Filter = g.sessionQuery(m)
		c.Follow = c.Query.Get("$top") != "" && g.rnd.IntN(2) == 0
		c.Interleave = c.Follow && g.rnd.IntN(3) == 0
	case api.ListPrompts.Name:
		c.Query = g.countTop()
	case api.ListEvaluations.Name:
		c.Query = g.evaluationQuery(m, &c)
	case api.ListWorkspaces.Name:
		c.Query = g.workspaceQuery(m)
	case api.ListPlugins.Name:
		c.Workspace = g.otherWorkspace(m)
		c.Query = g.pluginQuery(m, c.Workspace)
	case api.GetSession.Name:
		switch g.rnd.IntN(5) {
		case 0:
			c.Query = url.Values{"$select": {g.pick("id", "displayName", "createdDateTime", "lastModifiedDateTime", "displayName,createdDateTime")}}
		case 1:
			c.Query = url.Values{"$expand": {"prompts"}}
		}
	case api.GetPrompt.Name:
		if g.rnd.IntN(4) == 0 {
			c.Query = url.Values{"$select": {g.pick("content", "type", "createdDateTime")}}
		}
	case api.GetEvaluation.Name:
		if g.rnd.IntN(5) == 0 {
			c.Query = url.Values{"$select": {g.pick("state", "result", "createdDateTime,state")}}
		}
	}
	if op.Method == http.MethodGet && c.Query.Get("$select") == "" && g.rnd.IntN(6) == 0 {
		c.FullMetadata = true
	}
	if g.rnd.Float64() < invalidRate && !(g.readOnly && op.Writes) {
		g.spoil(&c, op, m)
	}
	return c
}

// sessionRef picks one of the run's sessions, now and then an unknown one.
func (g *generator) sessionRef(m *model) int {
	if len(m.sessions) == 0 || g.rnd.IntN(10) == 0 {
		return Unknown
	}
	return g.rnd.IntN(len(m.sessions))
}

// sessionWithPrompts picks one of the run's sessions that has prompts, the more the likelier
// (s when none has).
func (g *generator) sessionWithPrompts(m *model, s int) int {
	total := 0
	for _, x := range m.sessions {
		total += len(x.prompts)
	}
	if total == 0 {
		return s
	}
	n := g.rnd.IntN(total)
	for i, x := range m.sessions {
		if n < len(x.prompts) {
			return i
		}
		n -= len(x.prompts)
	}
	return s
}

func (g *generator) pick(options ...string) string { return options[g.rnd.IntN(len(options))] }

// name draws a displayName: plain, non-ASCII, long, with quotes, or one sent before.
func (g *generator) name() string {
	var n string
	switch g.rnd.IntN(6) {
	case 0:
		if len(g.names) > 0 {
			return g.names[g.rnd.IntN(len(g.names))]
		}
		n = "plain"
	case 1:
		n = "Sitzung Ünïcødé 会话 🛡️"
	case 2:
		n = strings.Repeat("long ", 60)
	case 3:
		n = "O'Brien's \"quoted\" name"
	case 4:
		n = "  spaces  "
	default:
		n = fmt.Sprintf("session %d", g.rnd.IntN(1000))
	}
	n = fmt.Sprintf("copilotconf %s explore %s", g.runID, n)
	g.names = append(g.names, n)
	return n
}

func (g *generator) content() string {
	return fmt.Sprintf("copilotconf %s explore %s", g.runID, g.pick("who am I", "Prüfe 🛡️ dies", "a\nmulti-line\nprompt", strings.Repeat("x", 500)))
}

// sessionQuery draws the options of a list: $top at its bounds, $select, $count, and a
// $filter over the run's names and times, with or without "$".
func (g *generator) sessionQuery(m *model) (url.Values, filter) {
	q := url.Values{}
	dollar := "$"
	if g.rnd.IntN(8) == 0 {
		dollar = ""
	}
	var f filter
	if g.rnd.IntN(3) != 0 {
		f = g.sessionFilter(m, 2)
		q.Set(dollar+"filter", f.String())
	}
	if g.rnd.IntN(2) == 0 {
		q.Set(dollar+"top", g.pick("1", "2", "3", "100"))
	}
	if g.rnd.IntN(3) == 0 {
		q.Set(dollar+"count", "true")
	}
	if g.rnd.IntN(4) == 0 {
		q.Set(dollar+"select", g.pick("displayName", "id,createdDateTime", "lastModifiedDateTime", "displayName,createdDateTime"))
	}
	return q, f
}

// countTop draws $top and $count.
func (g *generator) countTop() url.Values {
	q := url.Values{}
	if g.rnd.IntN(2) == 0 {
		q.Set("$top", g.pick("1", "2", "100"))
	}
	if g.rnd.IntN(3) == 0 {
		q.Set("$count", "true")
	}
	return q
}

// evaluationQuery draws the options of a list of evaluations: $top, $count, $select, and a
// $filter on the state of one of them that is final, or on its id.
func (g *generator) evaluationQuery(m *model, c *Call) url.Values {
	q := g.countTop()
	if g.rnd.IntN(4) == 0 {
		q.Set("$select", g.pick("state", "id,result"))
	}
	if c.Session == Unknown || c.Prompt == Unknown {
		return q
	}
	evs := m.sessions[c.Session].prompts[c.Prompt].evaluations
	if len(evs) == 0 || g.rnd.IntN(2) == 0 {
		return q
	}
	c.Evaluation = g.rnd.IntN(len(evs))
	c.EvaluationFilter = "id"
	if api.FinalEvaluationState(evs[c.Evaluation].state) && g.rnd.IntN(2) == 0 {
		c.EvaluationFilter = "state"
	}
	q.Set("$filter", evaluationFilter(c.EvaluationFilter, evs[c.Evaluation]))
	return q
}

// evaluationFilter is the $filter on an evaluation's id or state.
func evaluationFilter(property string, ev *evaluation) string {
	if property == "state" {
		return "state eq " + api.ODataString(ev.state)
	}
	return "id eq " + api.ODataString(ev.id)
}

// workspaceQuery draws the options of a list of workspaces.
func (g *generator) workspaceQuery(m *model) url.Values {
	q := url.Values{}
	if g.rnd.IntN(2) == 0 {
		q.Set("$count", "true")
	}
	switch g.rnd.IntN(3) {
	case 0:
		q.Set("$select", "id")
	case 1:
		ws := "default"
		if len(m.workspaces) > 0 {
			ws = m.workspaces[g.rnd.IntN(len(m.workspaces))]
		}
		q.Set("$filter", "id eq "+api.ODataString(ws))
	}
	return q
}

// otherWorkspace now and then names another workspace the target listed ("" is the run's).
func (g *generator) otherWorkspace(m *model) string {
	if len(m.workspaces) > 1 && g.rnd.IntN(4) == 0 {
		return m.workspaces[g.rnd.IntN(len(m.workspaces))]
	}
	return ""
}

// pluginQuery draws the options of a list of plugins: a $filter of each documented kind on a
// plugin listed before, $top, $count and $select.
func (g *generator) pluginQuery(m *model, workspace string) url.Values {
	q := url.Values{}
	plugins := m.plugins[cmp.Or(workspace, m.workspace)]
	if len(plugins) > 0 && g.rnd.IntN(3) != 0 {
		p := plugins[g.rnd.IntN(len(plugins))]
		switch g.rnd.IntN(4) {
		case 0:
			q.Set("$filter", "name eq "+api.ODataString(p.name))
		case 1:
			if r := []rune(p.name); len(r) >= 3 {
				q.Set("$filter", "contains(name,"+api.ODataString(string(r[1:len(r)-1]))+")")
			}
		case 2:
			q.Set("$filter", "isEnabled eq "+g.pick("true", "false"))
		default:
			if p.displayName != "" {
				q.Set("$filter", "displayName eq "+api.ODataString(p.displayName))
			}
		}
	}
	if g.rnd.IntN(2) == 0 {
		q.Set("$top", g.pick("1", "2", "100"))
	}
	if g.rnd.IntN(3) == 0 {
		q.Set("$count", "true")
	}
	if g.rnd.IntN(5) == 0 {
		q.Set("$select", "displayName")
	}
	return q
}

// spoil makes a call invalid in one way that suits its operation.
func (g *generator) spoil(c *Call, op api.Operation, m *model) {
	if g.rnd.IntN(6) == 0 {
		c.Auth = g.pick("none", "wrong")
		c.Invalid = map[string]string{"none": invalidNoToken, "wrong": invalidWrongToken}[c.Auth]
		return
	}
	c.FullMetadata = false
	switch op.Name {
	case api.CreateSession.Name, api.UpdateSession.Name, api.CreatePrompt.Name, api.CreateEvaluation.Name:
		g.spoilBody(c, op)
	case api.ListSessions.Name:
		c.Follow, c.Interleave, c.Filter = false, false, nil
		switch g.turn(op.Name, 3) {
		case 0:
			c.Invalid, c.Query = "a $top that is not a positive integer", url.Values{"$top": {g.pick("0", "-1", "abc")}}
		case 1:
			c.Invalid, c.Query = "a $select of a property sessions do not have", url.Values{"$select": {"noSuchProperty"}}
		default:
			c.Invalid, c.Query = "a $filter that does not parse", url.Values{"$filter": {g.pick("displayName eq", "displayName eq 'unclosed", "startswith(displayName)")}}
		}
	case api.ListWorkspaces.Name:
		c.Invalid, c.Query = "a $select of a property that does not exist", url.Values{"$select": {"noSuchProperty"}}
	case api.ListPlugins.Name:
		if g.turn(op.Name, 2) == 0 {
			c.Invalid, c.Workspace, c.UnknownWorkspace = invalidWorkspace, "", true
			return
		}
		c.Invalid, c.Query = "a $filter on a property plugins do not have", url.Values{"$filter": {"noSuchProperty eq 'x'"}}
	case api.GetSession.Name:
		switch g.turn(op.Name, 3) {
		case 0:
			c.Invalid, c.Method = invalidMethod, http.MethodDelete
		case 1:
			c.Invalid, c.Query = "a $select of a property sessions do not have", url.Values{"$select": {"noSuchProperty"}}
		default:
			c.Invalid, c.Session = invalidUnknownID, Unknown
		}
	case api.GetPrompt.Name:
		switch g.turn(op.Name, 3) {
		case 0:
			c.Invalid, c.Method, c.Body = invalidMethod, http.MethodPatch, jsonText(map[string]any{"content": g.content()})
		case 1:
			if other := g.otherSession(m, c.Session); other != Unknown && c.Prompt != Unknown {
				c.Invalid, c.Misaddressed, c.Under = invalidMisaddressed, true, other
				return
			}
			fallthrough
		default:
			c.Invalid, c.Session = invalidUnknownID, Unknown
		}
	case api.GetEvaluation.Name:
		if c.Session != Unknown && c.Prompt != Unknown && c.Evaluation != Unknown && len(m.sessions[c.Session].prompts) > 1 && g.turn(op.Name, 2) == 0 {
			c.Invalid, c.Misaddressed, c.Under = invalidMisaddressed, true, (c.Prompt+1)%len(m.sessions[c.Session].prompts)
			return
		}
		c.Invalid, c.Evaluation = invalidUnknownID, Unknown
	default:
		c.Invalid, c.Session = invalidUnknownID, Unknown
	}
}

// otherSession picks a session of the run other than s (Unknown when there is none).
func (g *generator) otherSession(m *model, s int) int {
	if len(m.sessions) < 2 || s == Unknown {
		return Unknown
	}
	return (s + 1 + g.rnd.IntN(len(m.sessions)-1)) % len(m.sessions)
}

// spoilBody makes a write's body invalid.
func (g *generator) spoilBody(c *Call, op api.Operation) {
	c.Body, c.Null = "", false // a body of another valid shape is spoiled from the minimal one
	valid, _ := op.Body(c.Text).(map[string]any)
	with := func(k string, v any) string {
		b := map[string]any{}
		for k, v := range valid {
			b[k] = v
		}
		b[k] = v
		return jsonText(b)
	}
	without := func(k string) string {
		b := map[string]any{}
		for kk, v := range valid {
			if kk != k {
				b[kk] = v
			}
		}
		return jsonText(b)
	}
	kinds := []string{"malformed", "not an object", "text/plain", "unknown property"}
	switch op.Name {
	case api.CreateSession.Name:
		kinds = append(kinds, "wrong type", "no displayName", "huge")
	case api.UpdateSession.Name:
		kinds = append(kinds, "wrong type", "read-only")
	case api.CreatePrompt.Name:
		kinds = append(kinds, "wrong type", "no content", "prompt type")
	case api.CreateEvaluation.Name:
		kinds = append(kinds, "read-only")
	}
	switch kinds[g.turn(op.Name, len(kinds))] {
	case "malformed":
		c.Invalid, c.Body = "malformed JSON", `{"displayName": "copilotconf `+g.runID+` malformed",`
	case "not an object":
		c.Invalid, c.Body = "a body that is not a JSON object", g.pick(`["copilotconf"]`, `"copilotconf"`, `42`)
	case "text/plain":
		c.Invalid, c.ContentType = invalidMediaType, "text/plain"
	case "unknown property":
		c.Invalid, c.Body = "a property the resource does not have", with("noSuchProperty", "copilotconf")
	case "wrong type":
		member := "displayName"
		if op.Name == api.CreatePrompt.Name {
			member = "content"
		}
		c.Invalid, c.Body = "a number where a string belongs", with(member, 42)
	case "no displayName":
		c.Invalid, c.Body = "no displayName", without("displayName")
	case "no content":
		c.Invalid, c.Body = "no content", without("content")
	case "prompt type":
		c.Invalid, c.Body = "a prompt type other than prompt", with("type", "skill")
	case "huge":
		c.Invalid, c.Pad = invalidHuge, 5<<20
	case "read-only":
		if op.Name == api.CreateEvaluation.Name {
			c.Invalid, c.Body = "read-only properties of an evaluation", jsonText(map[string]any{"state": "completed", "result": map[string]any{"content": "copilotconf " + g.runID + " never evaluated", "type": "success"}})
			return
		}
		c.Invalid, c.Body, c.Text = invalidReadOnly, jsonText(map[string]any{"id": "00000000-0000-4000-8000-000000000000", "createdDateTime": "2000-01-01T00:00:00Z", "lastModifiedDateTime": "2000-01-01T00:00:00Z"}), ""
	}
}
