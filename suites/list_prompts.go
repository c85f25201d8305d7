package suites

import (
	"github.com/copilotconf/copilotconf/api"
	. "github.com/onsi/ginkgo/v2"
	"net/http"

	"github.com/copilotconf/copilotconf/schemas"
)

func listPromptsRequest(label, sessionID string, pairs ...string) httpRequest {
	GinkgoHelper()
	return getRequest(label, promptsPath(sessionID), query(pairs...))
}

func promptsContext(sessionID string) string {
	GinkgoHelper()
	return "security/securityCopilot/workspaces('" + env().cfg.Workspace + "')/sessions('" + sessionID + "')/prompts"
}

var _ = describe("List prompts", func() {
	conformance(Spec{ID: "PROMPT-LIST-01", Level: Core, Operation: api.ListPrompts.Name, Doc: api.ListPrompts.Doc, Needs: NeedsObjects,
		Requirement: "returns 200 with a value array of prompts valid against the prompt schema"}, func(t *T) {
		p := mustPrompts(t)
		walk(t, listPromptsRequest("list prompts", p.Session.ID), schemas.PromptCollection)
	})

	conformance(Spec{ID: "PROMPT-LIST-02", Level: Core, Operation: api.ListPrompts.Name, Doc: api.ListPrompts.Doc, Needs: NeedsWrites,
		Requirement: "lists no prompts for a new session"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		pages, _ := walk(t, listPromptsRequest("list prompts of a new session", s.ID), "")
		if n := len(allItems(pages)); n != 0 || len(pages) == 0 {
			t.Errorf("list prompts of a session that has none: expected \"value\": [], got %d prompts", n)
		}
	})

	conformance(Spec{ID: "PROMPT-LIST-03", Level: Core, Operation: api.ListPrompts.Name, Doc: api.ListPrompts.Doc, Needs: NeedsObjects,
		Requirement: "scopes prompts to their session: listed in their own session and in no other"}, func(t *T) {
		p := mustPrompts(t)
		other := mustSessions(t, plainSession)[0]
		own, _ := walk(t, listPromptsRequest("list prompts of the session that owns them", p.Session.ID), "")
		ownIDs := idsOf(allItems(own))
		for _, id := range p.ids() {
			if !contains(ownIDs, id) {
				t.Errorf("list prompts: prompt %q is missing from its own session %q (listed: %v)", id, p.Session.ID, ownIDs)
			}
		}
		foreign, _ := walk(t, listPromptsRequest("list prompts of another session", other.ID), "")
		for _, id := range idsOf(allItems(foreign)) {
			if contains(p.ids(), id) {
				t.Errorf("list prompts: prompt %q of session %q is also listed under session %q", id, p.Session.ID, other.ID)
			}
		}
	})

	conformance(Spec{ID: "PROMPT-LIST-04", Level: Core, Operation: api.ListPrompts.Name, Doc: api.ListPrompts.Doc,
		Requirement: "answers an unknown session id with 404 and an OData error"}, func(t *T) {
		expectODataError(t, t.Do(listPromptsRequest("list prompts of an unknown session", unknownID())), http.StatusNotFound)
	})

	conformance(Spec{ID: "PROMPT-LIST-05", Level: OData, Operation: api.ListPrompts.Name, Doc: DocPaging, Needs: NeedsObjects,
		Requirement: "bounds a page by $top and gives @odata.nextLink when more prompts exist"}, func(t *T) {
		p := mustTwoPrompts(t)
		pages, _ := walk(t, listPromptsRequest("list prompts with $top=1", p.Session.ID, "$top", "1"), "")
		if len(pages) == 0 {
			return
		}
		if n := len(pages[0].Items); n != 1 {
			t.Errorf("list prompts with $top=1: expected 1 prompt on the first page (the session has at least 2), got %d", n)
		}
		if pages[0].NextLink == "" {
			t.Errorf("list prompts with $top=1: expected an @odata.nextLink on the first page (the session has at least 2 prompts), got none")
		}
		ids := idsOf(allItems(pages))
		expectNoDuplicates(t, "prompts across pages", ids)
		for _, id := range p.ids() {
			if !contains(ids, id) {
				t.Errorf("list prompts with $top=1: prompt %q never appeared across %d pages (%v)", id, len(pages), ids)
			}
		}
		if !env().cfg.ReadOnly && len(ids) != 2 {
			t.Errorf("list prompts with $top=1: expected the session's 2 prompts across all pages, got %d (%v)", len(ids), ids)
		}
	})

	conformance(Spec{ID: "PROMPT-LIST-06", Level: OData, Operation: api.ListPrompts.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "gives the number of the session's prompts in @odata.count with $count=true"}, func(t *T) {
		p := mustPrompts(t)
		pages, complete := walk(t, listPromptsRequest("list prompts with $count=true", p.Session.ID, "$count", "true"), "")
		if complete && len(pages) > 0 {
			expectCount(t, "list prompts with $count=true", pages[0].Body, len(allItems(pages)))
		}
	})

	conformance(Spec{ID: "PROMPT-LIST-07", Level: OData, Operation: api.ListPrompts.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "returns only id and the selected properties with $select"}, func(t *T) {
		p := mustPrompts(t)
		ex := t.Do(listPromptsRequest("list prompts with $select=content", p.Session.ID, "$select", "content"))
		requireStatus(t, ex, http.StatusOK)
		items, _ := valueArray(t, "list prompts with $select", requireObject(t, ex))
		if len(items) == 0 {
			t.Errorf("list prompts with $select=content: expected the session's prompts, got none")
		}
		for _, it := range items {
			expectOnlyProperties(t, "a prompt listed with $select=content", it, []string{"id", "content"}, []string{"id", "content"})
			expectValid(t, "a prompt listed with $select=content", schemas.PromptSelect, it)
		}
	})

	conformance(Spec{ID: "PROMPT-LIST-08", Level: OData, Operation: api.ListPrompts.Name, Doc: DocODataJSON, Needs: NeedsObjects,
		Requirement: "names the session's prompts collection in @odata.context"}, func(t *T) {
		p := mustPrompts(t)
		ex := t.Do(listPromptsRequest("list prompts", p.Session.ID))
		requireStatus(t, ex, http.StatusOK)
		expectContext(t, "list prompts", requireObject(t, ex), promptsContext(p.Session.ID))
	})
})
