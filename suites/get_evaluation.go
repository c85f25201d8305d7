package suites

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/schemas"
)

// evaluationResultTypes are the members of evaluationResultType.
var evaluationResultTypes = []string{"unknown", "success", "error", "needAdditionalClaims", "rejected", "timedOut", "capacityExceeded", "unknownFutureValue"}

// sighting is the evaluation as one answer showed it: the create response, then each poll.
type sighting struct {
	What string
	Body map[string]any
}

// sightings lists how the shared evaluation looked, in order.
func (r evaluationRun) sightings() []sighting {
	out := []sighting{{"the create response", r.Created.Body}}
	for i, p := range r.polled() {
		out = append(out, sighting{fmt.Sprintf("poll %d", i+1), p.Body})
	}
	return out
}

// stamp reads a timestamp of a sighting; ok is false (and a problem recorded) when it is none.
func (s sighting) stamp(t *T, name string) (time.Time, bool) {
	return expectTimestamp(t, "the evaluation in "+s.What, s.Body, name)
}

func reached(ts time.Time) bool { return ts.Year() > 1 }

var _ = describe("Get evaluation", func() {
	conformance(Spec{ID: "EVAL-GET-01", Level: Core, Operation: api.GetEvaluation.Name, Doc: api.GetEvaluation.Doc, Needs: NeedsWrites, Evaluates: true,
		Requirement: "returns 200 with the values create returned, valid against the evaluation schema"}, func(t *T) {
		r := evaluatedPrompt(t)
		ex := t.Do(getRequest("get evaluation", evaluationPath(r.SessionID, r.PromptID, r.Created.ID), nil))
		requireStatus(t, ex, http.StatusOK)
		if got := expectValidBody(t, ex, schemas.Evaluation); got != nil {
			expectSameValues(t, "get evaluation", got, r.Created.Body, "id", "createdDateTime")
		}
	})

	conformance(Spec{ID: "EVAL-GET-02", Level: Core, Operation: api.GetEvaluation.Name, Doc: api.GetEvaluation.Doc, Needs: NeedsObjects,
		Requirement: "answers an unknown evaluation id with 404 and an OData error"}, func(t *T) {
		p := mustPrompts(t)
		expectODataError(t, t.Do(getRequest("get an unknown evaluation", evaluationPath(p.Session.ID, p.First.ID, unknownID()), nil)), http.StatusNotFound)
	})

	conformance(Spec{ID: "EVAL-GET-03", Level: Core, Operation: api.GetEvaluation.Name, Doc: api.GetEvaluation.Doc, Needs: NeedsWrites, Evaluates: true,
		Requirement: "answers an evaluation asked for under another prompt with 404"}, func(t *T) {
		r := evaluatedPrompt(t)
		p := mustTwoPrompts(t)
		expectODataError(t, t.Do(getRequest("get an evaluation under another prompt", evaluationPath(p.Session.ID, p.Second.ID, r.Created.ID), nil)), http.StatusNotFound)
	})

	conformance(Spec{ID: "EVAL-GET-04", Level: OData, Operation: api.GetEvaluation.Name, Doc: DocQueryParameters, Needs: NeedsWrites, Evaluates: true,
		Requirement: "returns only id and the selected properties with $select"}, func(t *T) {
		r := evaluatedPrompt(t)
		ex := t.Do(getRequest("get evaluation with $select=state", evaluationPath(r.SessionID, r.PromptID, r.Created.ID), query("$select", "state")))
		requireStatus(t, ex, http.StatusOK)
		got := requireObject(t, ex)
		expectOnlyProperties(t, "get evaluation with $select=state", got, []string{"id", "state"}, []string{"id", "state"})
		expectSameValues(t, "get evaluation with $select=state", got, r.Created.Body, "id")
	})

	conformance(Spec{ID: "EVAL-GET-05", Level: OData, Operation: api.GetEvaluation.Name, Doc: DocODataJSON, Needs: NeedsWrites, Evaluates: true,
		Requirement: "names a single evaluation of its prompt in @odata.context (…/evaluations/$entity)"}, func(t *T) {
		r := evaluatedPrompt(t)
		ex := t.Do(getRequest("get evaluation", evaluationPath(r.SessionID, r.PromptID, r.Created.ID), nil))
		requireStatus(t, ex, http.StatusOK)
		expectContext(t, "get evaluation", requireObject(t, ex), evaluationsContext(r.SessionID, r.PromptID)+"/$entity")
	})

	conformance(Spec{ID: "EVAL-GET-06", Level: Core, Operation: api.GetEvaluation.Name, Doc: DocEvalResource, Needs: NeedsWrites, Evaluates: true, Slow: true,
		Requirement: "moves an evaluation through documented states, never back, to a final state (completed or cancelled) within --evaluation-timeout"}, func(t *T) {
		r := evaluatedPrompt(t)
		rank, last := -1, ""
		for _, s := range r.sightings() {
			state := stringOf(s.Body["state"])
			n, known := api.EvaluationStateRank[state]
			if !known {
				t.Errorf("the evaluation in %s: state %s is not a documented state along the lifecycle", s.What, describeMember(s.Body, "state"))
				continue
			}
			if n < rank {
				t.Errorf("the evaluation in %s: state went back from %q to %q", s.What, last, state)
			}
			rank, last = max(rank, n), state
		}
		if r.Final == "" {
			t.Errorf("polling evaluation %s: %s", r.Created.ID, r.Stopped)
		}
	})

	conformance(Spec{ID: "EVAL-GET-07", Level: Core, Operation: api.GetEvaluation.Name, Doc: DocEvalResource, Needs: NeedsWrites, Evaluates: true,
		Requirement: "sets runStartDateTime once the evaluation runs and completedDateTime once it is final (the zero date before), in order after createdDateTime"}, func(t *T) {
		r := mustFinalEvaluation(t)
		for _, s := range r.sightings() {
			state := stringOf(s.Body["state"])
			created, okC := s.stamp(t, "createdDateTime")
			start, okS := s.stamp(t, "runStartDateTime")
			done, okD := s.stamp(t, "completedDateTime")
			if !okC || !okS || !okD {
				continue
			}
			running := api.EvaluationStateRank[state] >= 2 && state != "cancelled"
			switch {
			case running && !reached(start):
				t.Errorf("the evaluation in %s: state %q but runStartDateTime is the zero date", s.What, state)
			case api.EvaluationStateRank[state] < 2 && reached(start):
				t.Errorf("the evaluation in %s: state %q, not running yet, but runStartDateTime %s", s.What, state, start.UTC().Format(time.RFC3339Nano))
			case reached(start) && start.Before(created):
				t.Errorf("the evaluation in %s: runStartDateTime %s is before createdDateTime %s", s.What, start.UTC().Format(time.RFC3339Nano), created.UTC().Format(time.RFC3339Nano))
			}
			switch final := api.FinalEvaluationState(state); {
			case final && !reached(done):
				t.Errorf("the evaluation in %s: state %q but completedDateTime is the zero date", s.What, state)
			case !final && reached(done):
				t.Errorf("the evaluation in %s: state %q, not final, but completedDateTime %s", s.What, state, done.UTC().Format(time.RFC3339Nano))
			case reached(done) && (done.Before(created) || (reached(start) && done.Before(start))):
				t.Errorf("the evaluation in %s: completedDateTime %s is before its creation or run start", s.What, done.UTC().Format(time.RFC3339Nano))
			}
		}
	})

	conformance(Spec{ID: "EVAL-GET-08", Level: Core, Operation: api.GetEvaluation.Name, Doc: DocEvalResource, Needs: NeedsWrites, Evaluates: true,
		Requirement: "moves lastModifiedDateTime forward when the state changes, and never back"}, func(t *T) {
		r := mustFinalEvaluation(t)
		var prev time.Time
		prevState := ""
		for i, s := range r.sightings() {
			mod, ok := s.stamp(t, "lastModifiedDateTime")
			if !ok {
				return
			}
			state := stringOf(s.Body["state"])
			if i > 0 {
				if mod.Before(prev) {
					t.Errorf("the evaluation in %s: lastModifiedDateTime went back from %s to %s", s.What, prev.UTC().Format(time.RFC3339Nano), mod.UTC().Format(time.RFC3339Nano))
				} else if state != prevState && !mod.After(prev) {
					t.Errorf("the evaluation in %s: state changed from %q to %q but lastModifiedDateTime stayed %s", s.What, prevState, state, mod.UTC().Format(time.RFC3339Nano))
				}
			}
			prev, prevState = mod, state
		}
	})

	conformance(Spec{ID: "EVAL-GET-09", Level: Core, Operation: api.GetEvaluation.Name, Doc: DocEvalResource, Needs: NeedsWrites, Evaluates: true,
		Requirement: "gives a completed evaluation a result with its type and, when it succeeded, the answer in result.content; a cancelled one isCancelled true"}, func(t *T) {
		r := mustFinalEvaluation(t)
		all := r.sightings()
		last := all[len(all)-1]
		switch r.Final {
		case "completed":
			res, ok := last.Body["result"].(map[string]any)
			if !ok {
				t.Errorf("the completed evaluation (%s): expected a result object, got %s", last.What, describeMember(last.Body, "result"))
				return
			}
			typ := stringOf(res["type"])
			if !slices.Contains(evaluationResultTypes, typ) || typ == "unknown" {
				t.Errorf("the completed evaluation (%s): expected result.type to say how it ended (success, error, …), got %s", last.What, describeMember(res, "type"))
			}
			if content := stringOf(res["content"]); typ == "success" && content == "" {
				t.Errorf("the completed evaluation (%s): result.type success but no answer in result.content (%s)", last.What, describeMember(res, "content"))
			}
		case "cancelled":
			if last.Body["isCancelled"] != true {
				t.Errorf("the cancelled evaluation (%s): expected isCancelled true, got %s", last.What, describeMember(last.Body, "isCancelled"))
			}
		}
	})

	conformance(Spec{ID: "EVAL-GET-10", Level: Core, Operation: api.GetEvaluation.Name, Doc: DocEvalResource, Needs: NeedsWrites, Evaluates: true,
		Requirement: "keeps a final evaluation as it was: the same state, result and completedDateTime on a later read"}, func(t *T) {
		r := mustFinalEvaluation(t)
		all := r.sightings()
		last := all[len(all)-1]
		ex := t.Do(getRequest("get the final evaluation again", evaluationPath(r.SessionID, r.PromptID, r.Created.ID), nil))
		requireStatus(t, ex, http.StatusOK)
		expectSameValues(t, "the final evaluation read again", requireObject(t, ex), last.Body, "state", "result", "completedDateTime", "isCancelled")
	})
})
