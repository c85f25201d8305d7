package suites

import (
	"net/http"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/schemas"
)

func listEvaluationsRequest(label, sessionID, promptID string, pairs ...string) httpRequest {
	return getRequest(label, evaluationsPath(sessionID, promptID), query(pairs...))
}

var _ = describe("List evaluations", func() {
	conformance(Spec{ID: "EVAL-LIST-01", Level: Core, Operation: api.ListEvaluations.Name, Doc: api.ListEvaluations.Doc, Needs: NeedsObjects,
		Requirement: "returns 200 with a value array of evaluations valid against the evaluation schema (a collection, not the single evaluation the documented example shows)"}, func(t *T) {
		p := mustPrompts(t)
		walk(t, listEvaluationsRequest("list evaluations", p.Session.ID, p.First.ID), schemas.EvaluationCollection)
	})

	conformance(Spec{ID: "EVAL-LIST-02", Level: Core, Operation: api.ListEvaluations.Name, Doc: api.ListEvaluations.Doc, Needs: NeedsWrites, Evaluates: true,
		Requirement: "scopes evaluations to their prompt: listed under their own prompt and under no other"}, func(t *T) {
		r := evaluatedPrompt(t)
		second := secondEvaluation(t)
		p := mustTwoPrompts(t)
		own, complete := walk(t, listEvaluationsRequest("list evaluations of the prompt that owns them", r.SessionID, r.PromptID), "")
		if complete {
			expectSubset(t, "list evaluations of their prompt", []string{r.Created.ID, second.ID}, idsOf(allItems(own)))
		}
		foreign, _ := walk(t, listEvaluationsRequest("list evaluations of another prompt of the session", p.Session.ID, p.Second.ID), "")
		for _, id := range idsOf(allItems(foreign)) {
			if id == r.Created.ID || id == second.ID {
				t.Errorf("list evaluations: evaluation %q of prompt %q is also listed under prompt %q", id, r.PromptID, p.Second.ID)
			}
		}
	})

	conformance(Spec{ID: "EVAL-LIST-03", Level: Core, Operation: api.ListEvaluations.Name, Doc: api.ListEvaluations.Doc, Needs: NeedsObjects,
		Requirement: "answers an unknown prompt id with 404 and an OData error"}, func(t *T) {
		s := mustSessions(t, documentedSession)[0]
		expectODataError(t, t.Do(listEvaluationsRequest("list evaluations of an unknown prompt", s.ID, unknownID())), http.StatusNotFound)
	})

	conformance(Spec{ID: "EVAL-LIST-04", Level: OData, Operation: api.ListEvaluations.Name, Doc: DocPaging, Needs: NeedsWrites, Evaluates: true,
		Requirement: "bounds a page by $top and gives @odata.nextLink when more evaluations exist"}, func(t *T) {
		r := evaluatedPrompt(t)
		second := secondEvaluation(t)
		pages, complete := walk(t, listEvaluationsRequest("list evaluations with $top=1", r.SessionID, r.PromptID, "$top", "1"), "")
		if len(pages) == 0 {
			return
		}
		if n := len(pages[0].Items); n != 1 {
			t.Errorf("list evaluations with $top=1: expected 1 evaluation on the first page (the prompt has at least 2), got %d", n)
		}
		if pages[0].NextLink == "" {
			t.Errorf("list evaluations with $top=1: expected an @odata.nextLink on the first page (the prompt has at least 2 evaluations), got none")
		}
		if complete {
			ids := idsOf(allItems(pages))
			expectNoDuplicates(t, "evaluations across pages", ids)
			expectSubset(t, "evaluations across pages of 1", []string{r.Created.ID, second.ID}, ids)
		}
	})

	conformance(Spec{ID: "EVAL-LIST-05", Level: OData, Operation: api.ListEvaluations.Name, Doc: DocQueryParameters, Needs: NeedsWrites, Evaluates: true,
		Requirement: "gives the number of the prompt's evaluations in @odata.count with $count=true"}, func(t *T) {
		r := evaluatedPrompt(t)
		pages, complete := walk(t, listEvaluationsRequest("list evaluations with $count=true", r.SessionID, r.PromptID, "$count", "true"), "")
		if complete && len(pages) > 0 {
			expectCount(t, "list evaluations with $count=true", pages[0].Body, len(allItems(pages)))
		}
	})

	conformance(Spec{ID: "EVAL-LIST-06", Level: OData, Operation: api.ListEvaluations.Name, Doc: DocQueryParameters, Needs: NeedsWrites, Evaluates: true,
		Requirement: "returns only id and the selected properties with $select"}, func(t *T) {
		r := evaluatedPrompt(t)
		ex := t.Do(listEvaluationsRequest("list evaluations with $select=state", r.SessionID, r.PromptID, "$select", "state"))
		requireStatus(t, ex, http.StatusOK)
		items, _ := valueArray(t, "list evaluations with $select", requireObject(t, ex))
		if len(items) == 0 {
			t.Errorf("list evaluations with $select=state: expected the prompt's evaluations, got none")
		}
		for _, it := range items {
			expectOnlyProperties(t, "an evaluation listed with $select=state", it, []string{"id", "state"}, []string{"id", "state"})
		}
	})

	conformance(Spec{ID: "EVAL-LIST-07", Level: OData, Operation: api.ListEvaluations.Name, Doc: DocQueryParameters, Needs: NeedsWrites, Evaluates: true,
		Requirement: "lists only evaluations in the state named by $filter=state eq '…'"}, func(t *T) {
		r := mustFinalEvaluation(t)
		label := "list evaluations with $filter=state eq '" + r.Final + "'"
		pages, complete := walk(t, listEvaluationsRequest(label, r.SessionID, r.PromptID, "$filter", "state eq "+api.ODataString(r.Final)), "")
		if !complete {
			return
		}
		items := allItems(pages)
		for _, it := range items {
			if stringOf(it["state"]) != r.Final {
				t.Errorf("%s: evaluation %q is listed with %s", label, stringOf(it["id"]), describeMember(it, "state"))
			}
		}
		expectSubset(t, label, []string{r.Created.ID}, idsOf(items))
	})

	conformance(Spec{ID: "EVAL-LIST-08", Level: OData, Operation: api.ListEvaluations.Name, Doc: DocODataJSON, Needs: NeedsObjects,
		Requirement: "names the prompt's evaluations collection in @odata.context"}, func(t *T) {
		p := mustPrompts(t)
		ex := t.Do(listEvaluationsRequest("list evaluations", p.Session.ID, p.First.ID))
		requireStatus(t, ex, http.StatusOK)
		expectContext(t, "list evaluations", requireObject(t, ex), evaluationsContext(p.Session.ID, p.First.ID))
	})
})
