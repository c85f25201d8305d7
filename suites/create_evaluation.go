package suites

import (
	"net/http"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/schemas"
)

var _ = describe("Create evaluation", func() {
	conformance(Spec{ID: "EVAL-CREATE-01", Level: Core, Operation: api.CreateEvaluation.Name, Doc: api.CreateEvaluation.Doc, Needs: NeedsWrites, Evaluates: true, Slow: true,
		Requirement: "returns 201 Created with the evaluation, valid against the evaluation schema, for the documented body {}"}, func(t *T) {
		expectCreatedValid(t, evaluationAttempt(t).Created, schemas.Evaluation)
	})

	conformance(Spec{ID: "EVAL-CREATE-02", Level: Advisory, Operation: api.CreateEvaluation.Name, Doc: api.CreateEvaluation.Doc, Needs: NeedsWrites, Evaluates: true,
		Requirement: "answers with an evaluation not yet run, as documented: state created, result null, runStartDateTime and completedDateTime the zero date"}, func(t *T) {
		obj := expectCreatedValid(t, evaluationAttempt(t).Created, "")
		if got := stringOf(obj["state"]); got != "created" {
			t.Errorf("create evaluation: expected state \"created\", got %s", describeMember(obj, "state"))
		}
		if v, ok := obj["result"]; !ok || v != nil {
			t.Errorf("create evaluation: expected result null, got %s", describeMember(obj, "result"))
		}
		for _, name := range []string{"runStartDateTime", "completedDateTime"} {
			if got := stringOf(obj[name]); got != zeroDate {
				t.Errorf("create evaluation: expected %s %q (not reached yet), got %s", name, zeroDate, describeMember(obj, name))
			}
		}
	})

	conformance(Spec{ID: "EVAL-CREATE-03", Level: Core, Operation: api.CreateEvaluation.Name, Doc: DocEvalResource, Needs: NeedsWrites, Evaluates: true,
		Requirement: "sets createdDateTime and lastModifiedDateTime within the request window"}, func(t *T) {
		expectStampedWithin(t, "created evaluation", evaluationAttempt(t).Created)
	})

	conformance(Spec{ID: "EVAL-CREATE-04", Level: Core, Operation: api.CreateEvaluation.Name, Doc: api.CreateEvaluation.Doc, Needs: NeedsWrites,
		Requirement: "answers an unknown prompt id with 404 and an OData error"}, func(t *T) {
		s := mustSessions(t, documentedSession)[0]
		expectRejected(t, "create evaluation of an unknown prompt", http.MethodPost, evaluationsPath(s.ID, unknownID()), []byte("{}"), http.StatusNotFound)
	})

	conformance(Spec{ID: "EVAL-CREATE-05", Level: Core, Operation: api.CreateEvaluation.Name, Doc: api.CreateEvaluation.Doc, Needs: NeedsWrites,
		Requirement: "answers a prompt addressed under another session with 404"}, func(t *T) {
		p := disposablePrompt(t)
		other := mustSessions(t, plainSession)[0]
		expectRejected(t, "create evaluation of a prompt under another session", http.MethodPost, evaluationsPath(other.ID, p.ID), []byte("{}"), http.StatusNotFound)
	})

	conformance(Spec{ID: "EVAL-CREATE-06", Level: OData, Operation: api.CreateEvaluation.Name, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers malformed JSON, and a body that is not a JSON object, with 400 and an OData error"}, func(t *T) {
		p := disposablePrompt(t)
		s := disposableSession(t)
		path := evaluationsPath(s.ID, p.ID)
		expectRejected(t, "create evaluation with malformed JSON", http.MethodPost, path, requestFixture(t, "malformed.json"), http.StatusBadRequest)
		expectRejected(t, "create evaluation with an array body", http.MethodPost, path, []byte("[]"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "EVAL-CREATE-07", Level: Advisory, Operation: api.CreateEvaluation.Name, Doc: api.CreateEvaluation.Doc, Needs: NeedsWrites,
		Requirement: "answers a body that sets read-only properties (state, result) with 400"}, func(t *T) {
		p := disposablePrompt(t)
		s := disposableSession(t)
		expectRejected(t, "create evaluation that sets its state and result", http.MethodPost, evaluationsPath(s.ID, p.ID),
			mustJSON(map[string]any{"state": "completed", "result": map[string]any{"content": runName("never evaluated"), "type": "success", "previewState": "ga"}}),
			http.StatusBadRequest)
	})

	conformance(Spec{ID: "EVAL-CREATE-08", Level: OData, Operation: api.CreateEvaluation.Name, Doc: DocODataJSON, Needs: NeedsWrites, Evaluates: true,
		Requirement: "names a single evaluation of its prompt in @odata.context (…/evaluations/$entity)"}, func(t *T) {
		r := evaluationAttempt(t)
		obj := expectCreatedValid(t, r.Created, "")
		expectContext(t, "create evaluation", obj, evaluationsContext(r.SessionID, r.PromptID)+"/$entity")
	})
})
