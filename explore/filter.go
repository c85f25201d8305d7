package explore

import (
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/api"
)

// truth is a three-valued truth: what the model can say about a $filter on an object. A
// comparison the service may decide either way (a case-insensitive match, a timestamp at the
// precision the service rounds to) is unknown, and no property is checked on it.
type truth int

const (
	unknown truth = iota
	isFalse
	isTrue
)

func truthOf(b bool) truth {
	if b {
		return isTrue
	}
	return isFalse
}

func (t truth) not() truth {
	switch t {
	case isTrue:
		return isFalse
	case isFalse:
		return isTrue
	}
	return unknown
}

// filter is a generated $filter expression over sessions: it renders itself in OData's syntax
// and predicts its value on a session's displayName and createdDateTime.
type filter interface {
	String() string
	eval(s sessionView) truth
}

// sessionView is what a filter reads of a session: a null displayName is unknown to every
// comparison (OData's null propagation leaves it to the service), a zero time too.
type sessionView struct {
	name    string
	null    bool
	created time.Time
}

// nameFilter is displayName eq, ne or startswith a string.
type nameFilter struct {
	op   string // "eq", "ne" or "startswith"
	text string
}

func (f nameFilter) String() string {
	if f.op == "startswith" {
		return "startswith(displayName," + api.ODataString(f.text) + ")"
	}
	return "displayName " + f.op + " " + api.ODataString(f.text)
}

// eval compares as the service may, with or without case: a verdict both ways agree on is
// known, another is not.
func (f nameFilter) eval(s sessionView) truth {
	if s.null {
		return unknown
	}
	name := s.name
	match := func(a, b string) bool {
		if f.op == "startswith" {
			return strings.HasPrefix(a, b)
		}
		return a == b
	}
	exact, folded := match(name, f.text), match(strings.ToLower(name), strings.ToLower(f.text))
	if exact != folded {
		return unknown
	}
	if f.op == "ne" {
		exact = !exact
	}
	return truthOf(exact)
}

// createdFilter is createdDateTime compared (ge, gt, le, lt) with the createdDateTime of one
// of the run's sessions: session indexes it, at is its time when the call is sent (a replay
// against a fresh target compares with the time the session has there).
type createdFilter struct {
	op      string
	session int
	at      time.Time
}

func (f createdFilter) String() string {
	return "createdDateTime " + f.op + " " + api.ODataTime(f.at)
}

// eval leaves a timestamp equal to the literal (at 100 ns, Graph's precision) unknown: the
// service may hold it more precisely than it wrote it.
func (f createdFilter) eval(s sessionView) truth {
	created := s.created
	a, b := created.Truncate(100*time.Nanosecond), f.at.Truncate(100*time.Nanosecond)
	if a.Equal(b) || created.IsZero() {
		return unknown
	}
	switch f.op {
	case "ge", "gt":
		return truthOf(a.After(b))
	default:
		return truthOf(a.Before(b))
	}
}

// boolFilter joins two filters with and or or.
type boolFilter struct {
	op          string
	left, right filter
}

func (f boolFilter) String() string {
	return "(" + f.left.String() + ") " + f.op + " (" + f.right.String() + ")"
}

// eval is Kleene's three-valued and; or is not(not l and not r).
func (f boolFilter) eval(s sessionView) truth {
	if f.op == "or" {
		return boolFilter{"and", notFilter{f.left}, notFilter{f.right}}.eval(s).not()
	}
	switch l, r := f.left.eval(s), f.right.eval(s); {
	case l == isFalse || r == isFalse:
		return isFalse
	case l == isTrue && r == isTrue:
		return isTrue
	}
	return unknown
}

// notFilter negates a filter.
type notFilter struct{ inner filter }

func (f notFilter) String() string { return "not (" + f.inner.String() + ")" }

func (f notFilter) eval(s sessionView) truth {
	return f.inner.eval(s).not()
}

// sessionFilter draws a $filter over the run's sessions: displayName eq, ne or startswith a name
// sent before (or a prefix of one), createdDateTime ranges around the run's sessions, and now
// and then two of them joined by and, or, or one negated.
func (g *generator) sessionFilter(m *model, depth int) filter {
	if depth > 0 {
		switch g.rnd.IntN(6) {
		case 0:
			return boolFilter{"and", g.sessionFilter(m, depth-1), g.sessionFilter(m, depth-1)}
		case 1:
			return boolFilter{"or", g.sessionFilter(m, depth-1), g.sessionFilter(m, depth-1)}
		case 2:
			return notFilter{g.sessionFilter(m, depth-1)}
		}
	}
	if len(m.sessions) > 0 && g.rnd.IntN(3) == 0 {
		i := g.rnd.IntN(len(m.sessions))
		return createdFilter{g.pick("ge", "gt", "le", "lt"), i, m.sessions[i].created}
	}
	name := "copilotconf " + g.runID + " explore "
	if len(g.names) > 0 {
		name = g.names[g.rnd.IntN(len(g.names))]
	}
	switch g.rnd.IntN(4) {
	case 0:
		return nameFilter{"ne", name}
	case 1:
		r := []rune(name)
		return nameFilter{"startswith", string(r[:min(len(r), len([]rune("copilotconf "+g.runID+" explore "))+g.rnd.IntN(6))])}
	}
	return nameFilter{"eq", name}
}

// mapSessions rebuilds a filter with each session index it holds mapped by fn; ok is false
// when fn drops one.
func mapSessions(f filter, fn func(int) (int, bool)) (filter, bool) {
	switch f := f.(type) {
	case createdFilter:
		n, ok := fn(f.session)
		f.session = n
		return f, ok
	case boolFilter:
		l, okL := mapSessions(f.left, fn)
		r, okR := mapSessions(f.right, fn)
		return boolFilter{f.op, l, r}, okL && okR
	case notFilter:
		in, ok := mapSessions(f.inner, fn)
		return notFilter{in}, ok
	}
	return f, true
}

// filterSessions lists the session indices a filter holds.
func filterSessions(f filter) []int {
	var out []int
	mapSessions(f, func(i int) (int, bool) { out = append(out, i); return i, true })
	return out
}

// resolveTimes sets the time of each session a filter compares with, from sessions.
func resolveTimes(f filter, sessions []*session) filter {
	switch f := f.(type) {
	case createdFilter:
		f.at = sessions[f.session].created
		return f
	case boolFilter:
		return boolFilter{f.op, resolveTimes(f.left, sessions), resolveTimes(f.right, sessions)}
	case notFilter:
		return notFilter{resolveTimes(f.inner, sessions)}
	}
	return f
}
