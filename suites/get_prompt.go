package suites

import (
	"github.com/copilotconf/copilotconf/api"
	"net/http"

	"github.com/copilotconf/copilotconf/schemas"
)

var _ = describe("Get prompt", func() {
	conformance(Spec{ID: "PROMPT-GET-01", Level: Core, Operation: api.GetPrompt.Name, Doc: api.GetPrompt.Doc, Needs: NeedsObjects,
		Requirement: "returns 200 with the values create returned, valid against the prompt schema"}, func(t *T) {
		p := mustPrompts(t)
		ex := t.Do(getRequest("get prompt", promptPath(p.Session.ID, p.First.ID), nil))
		requireStatus(t, ex, http.StatusOK)
		got := expectValidBody(t, ex, schemas.Prompt)
		if got != nil {
			// lastModifiedDateTime may move when an evaluation is created, so it is not compared.
			expectSameValues(t, "get prompt", got, p.First.Body, "id", "type", "content", "createdDateTime")
		}
	})

	conformance(Spec{ID: "PROMPT-GET-02", Level: Core, Operation: api.GetPrompt.Name, Doc: api.GetPrompt.Doc, Needs: NeedsObjects,
		Requirement: "answers an unknown prompt id with 404 and an OData error"}, func(t *T) {
		s := mustSessions(t, documentedSession)[0]
		expectODataError(t, t.Do(getRequest("get an unknown prompt", promptPath(s.ID, unknownID()), nil)), http.StatusNotFound)
	})

	conformance(Spec{ID: "PROMPT-GET-03", Level: Core, Operation: api.GetPrompt.Name, Doc: api.GetPrompt.Doc, Needs: NeedsObjects,
		Requirement: "answers a prompt asked for under another session with 404"}, func(t *T) {
		p := mustPrompts(t)
		other := mustSessions(t, plainSession)[0]
		expectODataError(t, t.Do(getRequest("get a prompt under another session", promptPath(other.ID, p.First.ID), nil)), http.StatusNotFound)
	})

	conformance(Spec{ID: "PROMPT-GET-04", Level: OData, Operation: api.GetPrompt.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "returns only id and the selected properties with $select"}, func(t *T) {
		p := mustPrompts(t)
		ex := t.Do(getRequest("get prompt with $select=content", promptPath(p.Session.ID, p.First.ID), query("$select", "content")))
		requireStatus(t, ex, http.StatusOK)
		got := requireObject(t, ex)
		expectOnlyProperties(t, "get prompt with $select=content", got, []string{"id", "content"}, []string{"id", "content"})
		expectValid(t, "get prompt with $select=content", schemas.PromptSelect, got)
		expectSameValues(t, "get prompt with $select=content", got, p.First.Body, "id", "content")
	})

	conformance(Spec{ID: "PROMPT-GET-05", Level: OData, Operation: api.GetPrompt.Name, Doc: DocODataJSON, Needs: NeedsObjects,
		Requirement: "names a single prompt of its session in @odata.context (…/prompts/$entity)"}, func(t *T) {
		p := mustPrompts(t)
		ex := t.Do(getRequest("get prompt", promptPath(p.Session.ID, p.First.ID), nil))
		requireStatus(t, ex, http.StatusOK)
		expectContext(t, "get prompt", requireObject(t, ex), promptsContext(p.Session.ID)+"/$entity")
	})
})
