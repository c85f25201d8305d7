// Package explore is stateful random testing of the Security Copilot API against a model of
// it: it draws sequences of calls over the documented operations (valid inputs of every
// interesting kind, and invalid ones at a set rate), sends them, and checks every answer against
// what the model of the run's own objects predicts, and against the schemas and protocol rules
// the suites use (package matchers). The same seed and the same answers give the same calls.
package explore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/schemas"
)

// Config is what an exploration needs.
type Config struct {
	Client    *httpclient.Client
	Validator *schemas.Validator
	Workspace string
	// RunID names every object the exploration creates ("copilotconf <RunID> explore ...").
	RunID string
	Seed  uint64
	// Steps and Duration bound the exploration; it ends at whichever comes first.
	Steps    int
	Duration time.Duration
	// ReadOnly explores the reads only.
	ReadOnly bool
	// Evaluations also creates evaluations: each runs a model on billed capacity. When the
	// steps or the time are spent, the exploration waits for them to finish, reading each
	// again, up to EvaluationTimeout (default 2m) after its creation.
	Evaluations       bool
	EvaluationTimeout time.Duration
	// ShrinkTime bounds how long shrinking replays candidates (default 2m): a failure that
	// takes long to show (an evaluation that never ends) makes each replay long.
	ShrinkTime time.Duration
	// Fresh, when set, gives shrinking a new, empty target for each replay (the reference
	// server can); its second result releases it. Without it, replays go to Client.
	Fresh func() (*httpclient.Client, func(), error)
	// Observe, when set, sees every exchange sent to Client (not those of Fresh targets), for
	// the ledger of created objects.
	Observe func(*httpclient.Exchange)
}

// Result is what an exploration found.
type Result struct {
	Seed uint64
	// Steps counts the calls drawn; Polls the readings of evaluations at the end, until each
	// was final.
	Steps, Polls int
	// Calls counts the calls sent per operation.
	Calls map[string]int
	// Checked counts how often each property was checked.
	Checked map[string]int
	// Failure is the first property that broke, with the calls that led to it; nil when
	// nothing broke.
	Failure *Failure
	// WriteBudgetSpent says that the client's write budget ran out: the exploration went on
	// without creating anything.
	WriteBudgetSpent bool
}

// Failure is a property that broke and the sequence of calls that broke it.
type Failure struct {
	Property string
	Message  string
	// Answer is the redacted transcript of the exchanges of the call that broke the property:
	// the request and the answer.
	Answer string
	// Steps are the calls sent, in order, with their exchanges; the last one broke the property.
	Steps []Step
	// Unfinished says that shrinking stopped at its time or replay bound: a shorter sequence
	// may exist.
	Unfinished bool
}

// Step is a call and the exchanges it made.
type Step struct {
	Call      Call
	Exchanges []*httpclient.Exchange
}

func (c Config) withDefaults() Config {
	if c.Workspace == "" {
		c.Workspace = "default"
	}
	if c.EvaluationTimeout <= 0 {
		c.EvaluationTimeout = 2 * time.Minute
	}
	if c.ShrinkTime <= 0 {
		c.ShrinkTime = 2 * time.Minute
	}
	return c
}

// Run explores the target until the steps or the time are spent, or a property breaks.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Client == nil || cfg.Validator == nil {
		return Result{}, errors.New("explore: Config needs a Client and a Validator")
	}
	if cfg.Steps <= 0 && cfg.Duration <= 0 {
		return Result{}, errors.New("explore: give Steps or Duration")
	}
	cfg = cfg.withDefaults()
	res := Result{Seed: cfg.Seed, Calls: map[string]int{}}
	explorationCtx := ctx
	if cfg.Duration > 0 {
		var cancel context.CancelFunc
		explorationCtx, cancel = context.WithTimeout(ctx, cfg.Duration)
		defer cancel()
	}
	gen := newGenerator(cfg.Seed, cfg.RunID)
	gen.readOnly, gen.evaluations = cfg.ReadOnly, cfg.Evaluations
	ex := newExecutor(cfg.Client, cfg, cfg.Observe)
	var history []Step
	// send runs a call and records it; it says whether the exploration goes on.
	polling := false
	send := func(ctx context.Context, c Call) bool {
		st, violations := ex.run(ctx, c)
		if ctx.Err() != nil && len(violations) > 0 {
			return false // the deadline cut the call short: its answer proves nothing
		}
		if st.Skipped {
			return true
		}
		if polling {
			res.Polls++
		} else {
			res.Steps++
		}
		res.Calls[c.Op]++
		if len(violations) > 0 {
			v := violations[0]
			history = append(history, Step{Call: st.Call, Exchanges: st.Exchanges})
			res.Failure = &Failure{Property: v.Property, Message: v.Message, Answer: transcript(cfg.Client, st.Exchanges), Steps: history}
			return false
		}
		history = append(history, compact(st))
		return true
	}
	// A call the client did not send (the write budget) is no step; the draws are bounded
	// all the same.
	for draws := 0; (cfg.Steps <= 0 || res.Steps < cfg.Steps) && (cfg.Steps <= 0 || draws < 2*cfg.Steps); draws++ {
		if explorationCtx.Err() != nil || !send(explorationCtx, gen.next(&ex.model)) {
			break
		}
	}
	if res.Failure == nil && ctx.Err() == nil {
		// The evaluations the run created are read until they are final (and once more), or one is late (a
		// reading after the timeout breaks the lifecycle property); the deadline only guards
		// against a target that stopped answering.
		deadline := time.Now().Add(cfg.EvaluationTimeout + 30*time.Second)
		polling = true
		for wait := 100 * time.Millisecond; time.Now().Before(deadline); wait = min(2*wait, 2*time.Second) {
			polls := pollCalls(&ex.model, wait)
			if len(polls) == 0 {
				break
			}
			for _, c := range polls {
				if !send(ctx, c) {
					break
				}
			}
			if res.Failure != nil || ctx.Err() != nil {
				break
			}
		}
	}
	res.Checked, res.WriteBudgetSpent = ex.checked, ex.model.budgetSpent
	return res, nil
}

// transcript renders a call's exchanges for people, redacted, bodies cut.
func transcript(c *httpclient.Client, exchanges []*httpclient.Exchange) string {
	var b strings.Builder
	for _, ex := range exchanges {
		b.WriteString(c.Transcript(ex, 4096))
	}
	return b.String()
}

// compact keeps of a step that broke nothing what shrinking and the replay script read: the
// request of its call, and the answers that created an object. A long exploration holds
// every step, but not every page it read.
func compact(st step) Step {
	out := Step{Call: st.Call}
	for j, ex := range st.Exchanges {
		created := ex.Method == http.MethodPost && ex.Status == http.StatusCreated
		if j > 0 && !created {
			continue
		}
		kept := *ex
		if !created {
			kept.ResponseBody = nil
		}
		if st.Call.Pad > 0 {
			kept.RequestBody = nil // the script writes it again from the call
		}
		out.Exchanges = append(out.Exchanges, &kept)
	}
	return out
}

// pollCalls reads each evaluation of the run that has not been read final twice, the first
// after wait.
func pollCalls(m *model, wait time.Duration) []Call {
	var out []Call
	for si, s := range m.sessions {
		for pi, p := range s.prompts {
			for ei, ev := range p.evaluations {
				if ev.finalReads < 2 {
					out = append(out, Call{Op: api.GetEvaluation.Name, Session: si, Prompt: pi, Evaluation: ei})
				}
			}
		}
	}
	if len(out) > 0 {
		out[0].After = wait
	}
	return out
}

// Properties lists the properties checked, sorted.
func (r Result) Properties() []string {
	var out []string
	for p := range r.Checked {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// String describes a failure: the property, why, and the numbered calls.
func (f *Failure) String() string {
	s := fmt.Sprintf("property %q broke: %s\n", f.Property, f.Message)
	for i, st := range f.Steps {
		s += fmt.Sprintf("%3d. %s", i+1, st.Call)
		for _, ex := range st.Exchanges {
			s += fmt.Sprintf("\n     %s %s -> %d", ex.Method, ex.URL, ex.Status)
		}
		s += "\n"
	}
	if f.Unfinished {
		s += "(shrinking stopped at its time or replay bound: a shorter sequence may exist)\n"
	}
	if f.Answer != "" {
		s += "\nThe call that broke it:\n" + f.Answer
	}
	return s
}
