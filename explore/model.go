package explore

import (
	"time"
)

// model is what the exploration knows the target must hold: the sessions and prompts it
// created, as the target answered them. Objects that existed before the run are unknown to it;
// every property is stated over the run's own objects, so it holds whatever else the tenant
// holds.
type model struct {
	sessions []*session
	// workspace is the run's workspace; workspaces are those the target listed.
	workspace  string
	workspaces []string
	// plugins are the plugins each workspace listed, as last listed in full (they are not the
	// run's: a plugin listed once is expected to stay).
	plugins map[string][]plugin
	// budgetSpent says that the client refused a POST: the write budget is spent.
	budgetSpent bool
}

// plugin is a plugin as listed: its name is its key.
type plugin struct {
	name        string
	displayName string
	isEnabled   bool
}

type session struct {
	id       string
	name     string
	null     bool // the displayName is null
	created  time.Time
	modified time.Time
	prompts  []*prompt
}

type prompt struct {
	id          string
	content     string
	created     time.Time
	evaluations []*evaluation
}

// evaluation is an evaluation the run created, as last read.
type evaluation struct {
	id       string
	sent     time.Time // when the create was sent, by this machine's clock
	created  time.Time // createdDateTime
	state    string
	modified time.Time
	result   string // the result as JSON text once final
	// finalReads counts the readings in a final state: the exploration ends by reading each
	// evaluation until it has two, to see that a final one changes no more.
	finalReads int
}

// view is what a $filter reads of the session.
func (s *session) view() sessionView {
	return sessionView{name: s.name, null: s.null, created: s.created}
}

// firstCreated is the earliest createdDateTime of the run's sessions (zero when there is none).
func (m *model) firstCreated() time.Time {
	var first time.Time
	for _, s := range m.sessions {
		if first.IsZero() || s.created.Before(first) {
			first = s.created
		}
	}
	return first
}

// prompts returns every prompt of the run, with its session.
func (m *model) promptCount() int {
	n := 0
	for _, s := range m.sessions {
		n += len(s.prompts)
	}
	return n
}
