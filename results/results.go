// Package results is the one result model of a copilotconf run: every spec of the catalogue
// with exactly one outcome, and the run around it. Every report (JUnit, the conformance report,
// the HTML page, the Markdown summary, the console summary) is a rendering of a Run, and
// copilotconf diff compares two of them.
package results

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/api"
)

// Outcome is how one spec ended.
type Outcome string

// The outcomes. Every spec of the catalogue ends in exactly one.
const (
	// Passed: the spec ran and its checks held.
	Passed Outcome = "passed"
	// Failed: the spec's own checks found the target breaking its rule.
	Failed Outcome = "failed"
	// Blocked: a precondition failed (a shared object could not be created), so nothing was
	// verified. Cause names it. Blocked specs fail the run.
	Blocked Outcome = "blocked"
	// Skipped: the spec was not run on purpose; Reason says why (read-only mode, a label
	// filter, what the tenant lacks).
	Skipped Outcome = "skipped"
	// Throttled: the target kept answering 429/503 until the retry budget ran out; no verdict.
	Throttled Outcome = "throttled"
	// NotRun: the run stopped (timeout, interrupt, preflight) before the spec ran or finished.
	NotRun Outcome = "not-run"
)

// NotSelected starts the reason of a spec that the run's selection (label filter, focus,
// skip) left out.
const NotSelected = "not selected by "

// Outcomes lists the outcomes in the order reports show them. A spec the selection left out
// is Skipped with Selected false; the counts keep it apart as not selected.
var Outcomes = []Outcome{Passed, Failed, Blocked, Throttled, NotRun, Skipped}

// The requirement levels, from the base up. A claim of a level needs every level below it.
const (
	Core     = "core"
	OData    = "odata"
	Advisory = "advisory"
)

// Levels lists the levels from the base up.
var Levels = []string{Core, OData, Advisory}

// Run is one run of the suite: how it was made and how every spec ended.
type Run struct {
	Tool           Tool           `json:"tool"`
	RunID          string         `json:"runId"`
	Started        time.Time      `json:"started"`
	Finished       time.Time      `json:"finished"`
	Target         Target         `json:"target"`
	Implementation Implementation `json:"implementation"`
	Mode           Mode           `json:"mode"`
	// Stopped says why the run ended before every selected spec had run; empty otherwise.
	Stopped string `json:"stopped,omitempty"`
	// Preflight is why the target was refused before any spec ran; empty when it was not.
	Preflight string `json:"preflight,omitempty"`
	// Specs holds every spec of the catalogue, in catalogue order.
	Specs   []Spec          `json:"specs"`
	Created []CreatedObject `json:"created"`
	// Retried counts the responses that were 429/503 and retried.
	Retried int `json:"retried"`
	// Traffic is how the run used the target.
	Traffic Traffic `json:"traffic"`
}

// Traffic counts a run's requests: how many, how many were on the wire at once at most, and
// over how many worker processes the specs were spread.
type Traffic struct {
	Requests     int `json:"requests"`
	PeakInFlight int `json:"peakInFlight"`
	Workers      int `json:"workers"`
}

// Tool names the program that made the run.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Target is where the run sent its requests. URL never holds credentials.
type Target struct {
	URL             string `json:"url"`
	Workspace       string `json:"workspace"`
	Auth            string `json:"auth"`
	Proxy           string `json:"proxy,omitempty"`
	TLSVerification bool   `json:"tlsVerification"`
}

// Implementation describes the service under test, as its vendor names it (all optional).
type Implementation struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
	URL     string `json:"url,omitempty"`
	Contact string `json:"contact,omitempty"`
}

// Mode is how the run selected and judged specs.
type Mode struct {
	Strict      bool   `json:"strict"`
	ReadOnly    bool   `json:"readOnly"`
	LabelFilter string `json:"labelFilter,omitempty"`
	Focus       string `json:"focus,omitempty"`
	Skip        string `json:"skip,omitempty"`
	Faults      string `json:"faults,omitempty"`
	// SkippedEvaluations: the specs that create evaluations were skipped (a remote target
	// without --evaluations).
	SkippedEvaluations bool `json:"skippedEvaluations,omitempty"`
}

// Spec is one spec of the catalogue and its outcome.
type Spec struct {
	ID          string   `json:"id"`
	Level       string   `json:"level"`
	Operation   string   `json:"operation"`
	Labels      []string `json:"labels"`
	Requirement string   `json:"requirement"`
	Doc         string   `json:"doc"`
	// Location is the spec's declaration in the suite source, "file:line".
	Location string `json:"location,omitempty"`
	// FailureLocation is the suite line of the first check that failed, "file:line".
	FailureLocation string  `json:"failureLocation,omitempty"`
	Selected        bool    `json:"selected"`
	Outcome         Outcome `json:"outcome"`
	// Reason is one line: why a spec was skipped, not run or throttled; the first problem of a
	// failed spec; the cause of a blocked one.
	Reason    string     `json:"reason,omitempty"`
	Problems  []string   `json:"problems,omitempty"`
	Cause     *Cause     `json:"cause,omitempty"`
	Exchanges []Exchange `json:"exchanges,omitempty"`
	// Message is the whole failure text: rule, documentation, problems, exchanges.
	Message  string  `json:"message,omitempty"`
	Duration float64 `json:"durationSeconds"`
}

// Cause is the root cause of a blocked spec: the object that could not be had, the exchange
// that should have made it, and the spec during which that exchange ran.
type Cause struct {
	// Summary groups blocked specs: "create session answered 200 OK (expected 201 Created with an id)".
	Summary string `json:"summary"`
	// Object is what the spec needed, e.g. "the session to update".
	Object string `json:"object"`
	// Step is the label of the exchange that failed, e.g. "create session (documented body)".
	Step string `json:"step,omitempty"`
	// Spec is the ID of the spec during which the step ran.
	Spec     string    `json:"spec,omitempty"`
	Exchange *Exchange `json:"exchange,omitempty"`
}

// Exchange is one request and its response, redacted, with a command that repeats it.
type Exchange struct {
	Label      string `json:"label"`
	Method     string `json:"method"`
	URL        string `json:"url"`
	Status     int    `json:"status"`
	Transcript string `json:"transcript"`
	Curl       string `json:"curl"`
}

// CreatedObject is a session or prompt the run created on the target. The API has no DELETE,
// so these stay in the tenant.
type CreatedObject struct {
	Kind      string `json:"kind"` // "session", "prompt" or "evaluation"
	ID        string `json:"id,omitempty"`
	SessionID string `json:"sessionId,omitempty"`
	PromptID  string `json:"promptId,omitempty"` // of an evaluation
	Name      string `json:"name,omitempty"`     // displayName of a session, content of a prompt
	URL       string `json:"url"`                // the object's own URL
}

// Warning reports whether s is an advisory failure that, without --strict, does not fail the run.
func (r *Run) Warning(s Spec) bool {
	return s.Outcome == Failed && s.Level == Advisory && !r.Mode.Strict
}

// FailsRun reports whether s makes the run fail: a failure (advisory ones only in strict mode),
// a blocked, throttled or unrun spec.
func (r *Run) FailsRun(s Spec) bool {
	switch s.Outcome {
	case Failed:
		return !r.Warning(s)
	case Blocked, Throttled, NotRun:
		return true
	}
	return false
}

// Succeeded reports whether the run passes as a whole: something was selected, the run was
// not stopped, and no spec fails it.
func (r *Run) Succeeded() bool {
	if r.Stopped != "" || r.Count(nil).Selected == 0 {
		return false
	}
	for _, s := range r.Specs {
		if r.FailsRun(s) {
			return false
		}
	}
	return true
}

// Counts holds how many specs ended in each outcome, and how many were selected and warned.
type Counts struct {
	Total     int `json:"total"`
	Selected  int `json:"selected"`
	Passed    int `json:"passed"`
	Failed    int `json:"failed"`
	Blocked   int `json:"blocked"`
	Throttled int `json:"throttled"`
	NotRun    int `json:"notRun"`
	// Skipped counts the selected specs that were skipped (read-only mode, what the tenant lacks).
	Skipped int `json:"skipped"`
	// NotSelected counts the specs the selection (label filter, focus, skip) left out.
	NotSelected int `json:"notSelected"`
	// Warnings counts the failed advisory specs that do not fail the run (without --strict).
	Warnings int `json:"warnings"`
}

// Of returns the count of one outcome.
func (c Counts) Of(o Outcome) int {
	switch o {
	case Passed:
		return c.Passed
	case Failed:
		return c.Failed
	case Blocked:
		return c.Blocked
	case Throttled:
		return c.Throttled
	case NotRun:
		return c.NotRun
	case Skipped:
		return c.Skipped
	}
	return 0
}

// Count counts the specs that keep returns true for (all specs when keep is nil).
func (r *Run) Count(keep func(Spec) bool) Counts {
	var c Counts
	for _, s := range r.Specs {
		if keep != nil && !keep(s) {
			continue
		}
		c.Total++
		if s.Selected {
			c.Selected++
		}
		switch s.Outcome {
		case Passed:
			c.Passed++
		case Failed:
			c.Failed++
			if r.Warning(s) {
				c.Warnings++
			}
		case Blocked:
			c.Blocked++
		case Throttled:
			c.Throttled++
		case NotRun:
			c.NotRun++
		case Skipped:
			if s.Selected {
				c.Skipped++
			} else {
				c.NotSelected++
			}
		}
	}
	return c
}

// Line is the closing line of the console summary. Its numbers add up to the selection.
func (c Counts) Line() string {
	line := fmt.Sprintf("%d passed, %d failed, %d blocked, %d throttled, %d not run, %d skipped", c.Passed, c.Failed, c.Blocked, c.Throttled, c.NotRun, c.Skipped)
	if c.NotSelected > 0 {
		line += fmt.Sprintf(" (%d not selected)", c.NotSelected)
	}
	return line
}

// With returns the specs that ended in outcome o.
func (r *Run) With(o Outcome) []Spec {
	var out []Spec
	for _, s := range r.Specs {
		if s.Outcome == o {
			out = append(out, s)
		}
	}
	return out
}

// Failures splits the failed specs into those that fail the run and the warnings (advisory
// failures without --strict).
func (r *Run) Failures() (failed, warnings []Spec) {
	for _, s := range r.With(Failed) {
		if r.Warning(s) {
			warnings = append(warnings, s)
		} else {
			failed = append(failed, s)
		}
	}
	return failed, warnings
}

// Group is a set of specs that share one reason: a blocked group shares its root cause, a
// skipped or not-run group its reason.
type Group struct {
	Reason string   `json:"reason"`
	IDs    []string `json:"ids"`
	// Cause is the first cause of a blocked group, with the exchange behind it.
	Cause *Cause `json:"cause,omitempty"`
}

// Groups groups the specs that ended in o by their reason, the largest group first.
func (r *Run) Groups(o Outcome) []Group {
	index := map[string]int{}
	groups := []Group{}
	for _, s := range r.Specs {
		if s.Outcome != o {
			continue
		}
		reason := s.Reason
		if o == Blocked && s.Cause != nil {
			reason = s.Cause.Summary
		}
		i, ok := index[reason]
		if !ok {
			i = len(groups)
			index[reason] = i
			groups = append(groups, Group{Reason: reason, Cause: s.Cause})
		}
		groups[i].IDs = append(groups[i].IDs, s.ID)
	}
	slices.SortStableFunc(groups, func(a, b Group) int { return cmp.Compare(len(b.IDs), len(a.IDs)) })
	return groups
}

// CatalogDigest identifies the spec catalogue: two reports with the same digest checked the
// same specs with the same levels, operations and requirements.
func (r *Run) CatalogDigest() string {
	h := sha256.New()
	for _, s := range r.Specs {
		fmt.Fprintf(h, "%s\t%s\t%s\t%s\n", s.ID, s.Level, s.Operation, s.Requirement)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

// Spec returns the spec with the given ID.
func (r *Run) Spec(id string) (Spec, bool) {
	i := slices.IndexFunc(r.Specs, func(s Spec) bool { return s.ID == id })
	if i < 0 {
		return Spec{}, false
	}
	return r.Specs[i], true
}

// Operations lists the operations of the catalogue in catalogue order.
func (r *Run) Operations() []string {
	var out []string
	for _, s := range r.Specs {
		if !slices.Contains(out, s.Operation) {
			out = append(out, s.Operation)
		}
	}
	return out
}

// FirstLine returns the first non-empty line of s.
func FirstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			return line
		}
	}
	return ""
}

// maxCreatedName bounds the name kept for a created object (a spec sends a 5 MiB one).
const maxCreatedName = 200

// CreatedBy reads what a request created, when its 2xx answer is that of an operation that
// creates objects (api.Operation.Creates): the kind, id, name and parents of the object. rawURL
// is the URL the request went to, baseURL the service root.
func CreatedBy(method, rawURL, baseURL string, status int, body []byte) (CreatedObject, bool) {
	if status < 200 || status > 299 {
		return CreatedObject{}, false
	}
	u, err := url.Parse(rawURL)
	base, berr := url.Parse(baseURL)
	if err != nil || berr != nil {
		return CreatedObject{}, false
	}
	op, params, ok := api.Match(method, strings.TrimPrefix(u.EscapedPath(), strings.TrimRight(base.EscapedPath(), "/")))
	if !ok || op.Creates == "" {
		return CreatedObject{}, false
	}
	var obj map[string]any
	_ = json.Unmarshal(body, &obj)
	name := func(v any) string { s, _ := v.(string); return s }
	c := CreatedObject{Kind: op.Creates, ID: name(obj["id"]), Name: name(obj[op.NameMember]),
		SessionID: params[api.SessionID], PromptID: params[api.PromptID]}
	// The object's own URL: the collection it was created in, and its id (the collection's
	// when the answer gave no id).
	c.URL = rawURL
	if c.ID != "" {
		own := *u
		own.RawQuery, own.Fragment = "", ""
		own.Path = strings.TrimRight(own.Path, "/") + "/" + c.ID
		own.RawPath = strings.TrimRight(u.EscapedPath(), "/") + "/" + url.PathEscape(c.ID)
		c.URL = own.String()
	}
	if r := []rune(c.Name); len(r) > maxCreatedName {
		c.Name = string(r[:maxCreatedName]) + "…"
	}
	return c, true
}
