package explore

import (
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"

	"github.com/copilotconf/copilotconf/api"
)

// Call is one generated request, as data: the objects it names are indices into what the run
// created (so that a shorter sequence still means something), resolved when it is sent.
type Call struct {
	// Op is the documented operation (api.Operation.Name).
	Op string `json:"op"`
	// Session, Prompt and Evaluation index the run's sessions, a session's prompts and a
	// prompt's evaluations; Unknown means an id no target holds.
	Session    int `json:"session"`
	Prompt     int `json:"prompt"`
	Evaluation int `json:"evaluation"`
	// Query holds the OData query options sent.
	Query url.Values `json:"query,omitempty"`
	// Text is the displayName or content sent; Body, when set, is sent instead of the body
	// built from Text (an invalid body).
	Text string `json:"text,omitempty"`
	Body string `json:"body,omitempty"`
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
}

// Unknown is the index of an object no target holds.
const Unknown = -1

// String describes the call for people.
func (c Call) String() string {
	var b strings.Builder
	b.WriteString(c.Op)
	if c.usesSession() {
		fmt.Fprintf(&b, " session=%s", ref(c.Session))
	}
	if c.usesPrompt() {
		fmt.Fprintf(&b, " prompt=%s", ref(c.Prompt))
	}
	if c.Op == api.GetEvaluation.Name {
		fmt.Fprintf(&b, " evaluation=%s", ref(c.Evaluation))
	}
	if len(c.Query) > 0 {
		q, _ := url.QueryUnescape(c.Query.Encode())
		fmt.Fprintf(&b, " ?%s", q)
	}
	if c.Text != "" {
		fmt.Fprintf(&b, " text=%q", clip(c.Text, 40))
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

// generator draws calls from a seeded source: the same seed and the same answers give the
// same calls.
type generator struct {
	rnd   *rand.Rand
	runID string
	names []string // the names sent so far, for duplicates and filters
	// readOnly draws reads only; evaluations draws evaluations (they use billed capacity).
	readOnly    bool
	evaluations bool
}

func newGenerator(seed uint64, runID string) *generator {
	return &generator{rnd: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), runID: runID}
}

// operations are the operations explored, with their weights: writes are rarer than reads.
var operations = []struct {
	op     api.Operation
	weight int
}{
	{api.ListSessions, 6}, {api.CreateSession, 4}, {api.GetSession, 4}, {api.UpdateSession, 3},
	{api.ListPrompts, 3}, {api.CreatePrompt, 3}, {api.GetPrompt, 3},
	{api.ListWorkspaces, 1}, {api.ListPlugins, 2},
	{api.ListEvaluations, 2}, {api.CreateEvaluation, 2}, {api.GetEvaluation, 3},
}

// drawable says whether the generator may draw op.
func (g *generator) drawable(op api.Operation) bool {
	if g.readOnly && op.Writes {
		return false
	}
	return g.evaluations || op.Creates != "evaluation"
}

// invalidRate is the share of calls sent with an invalid input.
const invalidRate = 0.15

// next draws the next call for the model as it stands.
func (g *generator) next(m *model) Call {
	total := 0
	for _, o := range operations {
		if g.drawable(o.op) {
			total += o.weight
		}
	}
	pick := g.rnd.IntN(total)
	var op api.Operation
	for _, o := range operations {
		if !g.drawable(o.op) {
			continue
		}
		if pick < o.weight {
			op = o.op
			break
		}
		pick -= o.weight
	}
	c := Call{Op: op.Name, Session: g.sessionRef(m), Prompt: Unknown, Evaluation: Unknown}
	if c.Session != Unknown && len(m.sessions[c.Session].prompts) > 0 {
		c.Prompt = g.rnd.IntN(len(m.sessions[c.Session].prompts))
		if evs := m.sessions[c.Session].prompts[c.Prompt].evaluations; len(evs) > 0 && g.rnd.IntN(8) != 0 {
			c.Evaluation = g.rnd.IntN(len(evs))
		}
	}
	switch op.Name {
	case api.CreateSession.Name, api.UpdateSession.Name:
		c.Text = g.name()
	case api.CreatePrompt.Name:
		c.Text = g.content()
	case api.ListSessions.Name:
		c.Query = g.sessionQuery(m)
		c.Follow = c.Query.Get("$top") != "" && g.rnd.IntN(2) == 0
		c.Interleave = c.Follow && g.rnd.IntN(3) == 0
	case api.ListPrompts.Name, api.ListEvaluations.Name:
		c.Query = g.promptQuery()
	case api.ListWorkspaces.Name:
		if g.rnd.IntN(2) == 0 {
			c.Query = url.Values{"$count": {"true"}}
		}
	case api.ListPlugins.Name:
		c.Query = url.Values{}
		if len(m.plugins) > 0 && g.rnd.IntN(2) == 0 {
			c.Query.Set("$filter", "name eq "+odataString(m.plugins[g.rnd.IntN(len(m.plugins))]))
		}
		if g.rnd.IntN(2) == 0 {
			c.Query.Set("$top", g.pick("1", "2", "100"))
		}
	case api.GetSession.Name, api.GetPrompt.Name:
		if g.rnd.IntN(3) == 0 {
			c.Query = url.Values{"$select": {g.pick("id", "displayName", "createdDateTime", "lastModifiedDateTime")}}
			if op.Name == api.GetPrompt.Name {
				c.Query = url.Values{"$select": {g.pick("content", "type", "createdDateTime")}}
			}
		}
	}
	if g.rnd.Float64() < invalidRate && !(g.readOnly && op.Writes) {
		g.spoil(&c, op)
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
// $filter on a name sent before or on the span of the run's sessions, with or without "$".
func (g *generator) sessionQuery(m *model) url.Values {
	q := url.Values{}
	dollar := "$"
	if g.rnd.IntN(8) == 0 {
		dollar = ""
	}
	switch g.rnd.IntN(3) {
	case 0:
		if len(g.names) > 0 {
			q.Set(dollar+"filter", "displayName eq "+odataString(g.names[g.rnd.IntN(len(g.names))]))
		}
	case 1:
		if first := m.firstCreated(); !first.IsZero() {
			q.Set(dollar+"filter", "createdDateTime ge "+first.UTC().Format("2006-01-02T15:04:05.0000000Z"))
		}
	}
	if g.rnd.IntN(2) == 0 {
		q.Set(dollar+"top", g.pick("1", "2", "3", "100"))
	}
	if g.rnd.IntN(3) == 0 {
		q.Set(dollar+"count", "true")
	}
	if g.rnd.IntN(4) == 0 {
		q.Set(dollar+"select", g.pick("displayName", "id,createdDateTime", "lastModifiedDateTime"))
	}
	return q
}

func (g *generator) promptQuery() url.Values {
	q := url.Values{}
	if g.rnd.IntN(2) == 0 {
		q.Set("$top", g.pick("1", "2", "100"))
	}
	if g.rnd.IntN(3) == 0 {
		q.Set("$count", "true")
	}
	return q
}

// spoil makes a call invalid in one way that suits its operation.
func (g *generator) spoil(c *Call, op api.Operation) {
	if g.rnd.IntN(5) == 0 {
		c.Auth = g.pick("none", "wrong")
		c.Invalid = map[string]string{"none": "no token", "wrong": "a token the target never issued"}[c.Auth]
		return
	}
	switch {
	case op.Writes:
		switch g.rnd.IntN(4) {
		case 0:
			c.Invalid, c.Body = "malformed JSON", `{"displayName": "copilotconf `+g.runID+` malformed",`
		case 1:
			c.Invalid, c.Body = "a number where a string belongs", `{"displayName": 42}`
			if op.Name == api.CreatePrompt.Name {
				c.Body = `{"type": "prompt", "content": 42}`
			}
		case 2:
			c.Invalid, c.Body = "a body that is not a JSON object", `["copilotconf"]`
		default:
			c.Invalid, c.ContentType = "a media type that is not JSON", "text/plain"
		}
	case op.Name == api.ListSessions.Name:
		c.Invalid, c.Query = "a $top that is not a positive integer", url.Values{"$top": {g.pick("0", "-1", "abc")}}
		c.Follow, c.Interleave = false, false
	case op.Name == api.ListWorkspaces.Name:
		c.Invalid, c.Query = "a $select of a property that does not exist", url.Values{"$select": {"noSuchProperty"}}
	case op.Name == api.ListPlugins.Name:
		c.Invalid, c.Query = "a $filter on a property plugins do not have", url.Values{"$filter": {"noSuchProperty eq 'x'"}}
	default:
		c.Invalid, c.Session = "an unknown id", Unknown
	}
}

// odataString quotes a string literal for $filter.
func odataString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
