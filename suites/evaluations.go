package suites

import (
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
)

// DefaultEvaluationTimeout is how long a created evaluation is polled, by default, to reach a
// final state.
const DefaultEvaluationTimeout = 2 * time.Minute

// How an evaluation is polled: the first poll after firstPollDelay, then each wait doubled up to
// maxPollInterval, unless the answer carries a Retry-After (honoured, but never below
// minPollInterval); never more than maxEvaluationPolls polls, and never past the timeout.
const (
	firstPollDelay     = 100 * time.Millisecond
	minPollInterval    = 100 * time.Millisecond
	maxPollInterval    = 15 * time.Second
	maxEvaluationPolls = 60
)

// The @odata.type of an evaluation.
const evaluationType = api.TypeEvaluation

// zeroDate is how the API writes a non-nullable timestamp not reached yet.
const zeroDate = "0001-01-01T00:00:00Z"

func evaluationsPath(sessionID, promptID string) string {
	return api.ListEvaluations.Expand(ids(api.SessionID, sessionID, api.PromptID, promptID))
}

func evaluationPath(sessionID, promptID, evaluationID string) string {
	return api.GetEvaluation.Expand(ids(api.SessionID, sessionID, api.PromptID, promptID, api.EvaluationID, evaluationID))
}

func evaluationsContext(sessionID, promptID string) string {
	return promptsContext(sessionID) + "('" + promptID + "')/evaluations"
}

// evaluationRun is an evaluation of the first shared prompt, created once from the documented
// request body and polled until it reached a final state, the run's --evaluation-timeout
// passed, or the poll bound was reached.
type evaluationRun struct {
	SessionID, PromptID string
	Created             createdEntity
	Polls               []*httpclient.Exchange
	// Final is the final state the evaluation reached; "" when it reached none.
	Final string
	// Stopped says why the polling ended without a final state.
	Stopped string
}

// polled returns the bodies of the polls answered with a JSON object, in order, each with the
// exchange it came from.
func (r evaluationRun) polled() []polledEvaluation {
	GinkgoHelper()
	var out []polledEvaluation
	for _, ex := range r.Polls {
		if ex.Status != http.StatusOK {
			continue
		}
		if v, err := decodeJSON(ex.ResponseBody); err == nil {
			if obj, ok := v.(map[string]any); ok {
				out = append(out, polledEvaluation{ex, obj})
			}
		}
	}
	return out
}

// polledEvaluation is one answer of the polling.
type polledEvaluation struct {
	Exchange *httpclient.Exchange
	Body     map[string]any
}

func (p polledEvaluation) state() string { return stringOf(p.Body["state"]) }

// evaluatedPrompt is the run's evaluation: created on the first shared prompt and polled. It
// ends the spec when the evaluation could not be created.
func evaluatedPrompt(t *T) evaluationRun {
	GinkgoHelper()
	r := evaluationAttempt(t)
	requireCreated(t, "the shared evaluation", r.Created)
	t.Uses(r.Polls...)
	return r
}

// evaluationAttempt is the create request of the run's evaluation (and its polls), whatever
// the target answered: for the specs that check that answer.
func evaluationAttempt(t *T) evaluationRun {
	GinkgoHelper()
	p := mustPrompts(t)
	return shared(t, "evaluation-polled", func(t *T) evaluationRun {
		r := evaluationRun{SessionID: p.Session.ID, PromptID: p.First.ID}
		r.Created = create(t, "create evaluation (documented body)", evaluationsPath(r.SessionID, r.PromptID), map[string]any{})
		if r.Created.ok() {
			pollEvaluation(t, &r)
		}
		return r
	})
}

// mustFinalEvaluation is evaluatedPrompt for specs that read a finished evaluation: it ends the
// spec, blocked, when the evaluation reached no final state.
func mustFinalEvaluation(t *T) evaluationRun {
	GinkgoHelper()
	r := evaluatedPrompt(t)
	if r.Final == "" {
		last := r.Created.Exchange
		if len(r.Polls) > 0 {
			last = r.Polls[len(r.Polls)-1]
		}
		t.blockedBy("a finished evaluation", "the shared evaluation "+r.Created.ID+" reached no final state",
			"the evaluation reached no final state: "+r.Stopped, r.Created.Spec, last)
	}
	return r
}

// secondEvaluation is a second evaluation of the first shared prompt, for paging; it is not
// polled.
func secondEvaluation(t *T) createdEntity {
	GinkgoHelper()
	r := evaluatedPrompt(t)
	c := shared(t, "evaluation-second", func(t *T) createdEntity {
		return create(t, "create a second evaluation of the prompt", evaluationsPath(r.SessionID, r.PromptID), map[string]any{})
	})
	requireCreated(t, "a second evaluation of the prompt", c)
	return c
}

// disposablePrompt is a prompt of the disposable session, for requests that a non-conformant
// target could turn into evaluations no other spec counts (bad bodies, wrong scopes).
func disposablePrompt(t *T) createdEntity {
	GinkgoHelper()
	s := disposableSession(t)
	c := shared(t, "prompt-disposable", func(t *T) createdEntity {
		return create(t, "create a prompt in the disposable session", promptsPath(s.ID),
			map[string]any{"type": "prompt", "content": runName("disposable prompt")})
	})
	requireCreated(t, "a disposable prompt", c)
	return c
}

// pollEvaluation reads the evaluation until its state is final, paced as the constants above
// say, and records every poll (they appear in the spec's transcript, numbered).
func pollEvaluation(t *T, r *evaluationRun) {
	GinkgoHelper()
	timeout := env().cfg.EvaluationTimeout
	deadline := time.Now().Add(timeout)
	wait, backoff := firstPollDelay, firstPollDelay
	for n := 1; ; n++ {
		if n > maxEvaluationPolls {
			r.Stopped = fmt.Sprintf("no final state after %d polls, the most a run makes", maxEvaluationPolls)
			return
		}
		if !sleepCtx(t, min(wait, time.Until(deadline))) {
			r.Stopped = "the run was stopped while polling"
			return
		}
		ex := env().do(t.ctx, getRequest(fmt.Sprintf("get evaluation (poll %d of at most %d)", n, maxEvaluationPolls),
			evaluationPath(r.SessionID, r.PromptID, r.Created.ID), nil))
		r.Polls = append(r.Polls, ex)
		if ex.Status != http.StatusOK {
			r.Stopped = fmt.Sprintf("poll %d answered %s", n, describeStatus(ex))
			return
		}
		v, _ := decodeJSON(ex.ResponseBody)
		obj, _ := v.(map[string]any)
		state := stringOf(obj["state"])
		if api.FinalEvaluationState(state) {
			r.Final = state
			return
		}
		if !time.Now().Before(deadline) {
			r.Stopped = fmt.Sprintf("still %q after %s (--evaluation-timeout) and %d polls", state, timeout, n)
			return
		}
		backoff = min(backoff*2, maxPollInterval)
		wait = backoff
		if d, ok := httpclient.ParseRetryAfter(ex.ResponseHeader.Get("Retry-After")); ok {
			wait = max(d, minPollInterval)
		}
	}
}

// sleepCtx waits for d, or until the spec is stopped (false).
func sleepCtx(t *T, d time.Duration) bool {
	if d <= 0 {
		return t.ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-t.ctx.Done():
		return false
	}
}
