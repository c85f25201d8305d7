package suites

import (
	"github.com/copilotconf/copilotconf/api"
	"net/http"

	"github.com/copilotconf/copilotconf/schemas"
)

var _ = describe("Create prompt", func() {
	conformance(Spec{ID: "PROMPT-CREATE-01", Level: Core, Operation: api.CreatePrompt.Name, Doc: api.CreatePrompt.Doc, Needs: NeedsWrites,
		Requirement: "returns 201 Created with the prompt, valid against the prompt schema, for the documented body"}, func(t *T) {
		expectCreatedValid(t, promptsOfDocumentedSession(t).First, schemas.Prompt)
	})

	conformance(Spec{ID: "PROMPT-CREATE-02", Level: Core, Operation: api.CreatePrompt.Name, Doc: api.CreatePrompt.Doc, Needs: NeedsWrites,
		Requirement: "returns type \"prompt\" and the content exactly as sent"}, func(t *T) {
		p := promptsOfDocumentedSession(t)
		for i, c := range []createdEntity{p.First, p.Second} {
			obj := expectCreatedValid(t, c, "")
			if got, _ := obj["type"].(string); got != "prompt" {
				t.Errorf("create prompt: expected type \"prompt\", got %s", describeMember(obj, "type"))
			}
			if got, _ := obj["content"].(string); got != p.Content[i] {
				t.Errorf("create prompt: expected content %q, got %s", p.Content[i], describeMember(obj, "content"))
			}
		}
	})

	conformance(Spec{ID: "PROMPT-CREATE-03", Level: Core, Operation: api.CreatePrompt.Name, Doc: DocPromptResource, Needs: NeedsWrites,
		Requirement: "sets createdDateTime and lastModifiedDateTime within the request window"}, func(t *T) {
		expectStampedWithin(t, "created prompt", promptsOfDocumentedSession(t).First)
	})

	conformance(Spec{ID: "PROMPT-CREATE-04", Level: Core, Operation: api.CreatePrompt.Name, Doc: api.CreatePrompt.Doc, Needs: NeedsWrites,
		Requirement: "answers an unknown session id with 404 and an OData error"}, func(t *T) {
		expectRejected(t, "create prompt in an unknown session", http.MethodPost, promptsPath(unknownID()),
			mustJSON(map[string]any{"type": "prompt", "content": runName("never stored")}), http.StatusNotFound)
	})

	conformance(Spec{ID: "PROMPT-CREATE-05", Level: OData, Operation: api.CreatePrompt.Name, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers malformed JSON with 400 and an OData error"}, func(t *T) {
		s := disposableSession(t)
		expectRejected(t, "create prompt with malformed JSON", http.MethodPost, promptsPath(s.ID), requestFixture(t, "malformed.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "PROMPT-CREATE-06", Level: Advisory, Operation: api.CreatePrompt.Name, Doc: api.CreatePrompt.Doc, Needs: NeedsWrites,
		Requirement: "answers a type other than \"prompt\" with 400 (only prompt is currently supported)"}, func(t *T) {
		s := disposableSession(t)
		expectRejected(t, "create prompt of type skill", http.MethodPost, promptsPath(s.ID), requestFixture(t, "prompt-unsupported-type.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "PROMPT-CREATE-07", Level: Advisory, Operation: api.CreatePrompt.Name, Doc: api.CreatePrompt.Doc, Needs: NeedsWrites,
		Requirement: "answers a body without content with 400"}, func(t *T) {
		s := disposableSession(t)
		expectRejected(t, "create prompt without content", http.MethodPost, promptsPath(s.ID), requestFixture(t, "prompt-missing-content.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "PROMPT-CREATE-08", Level: OData, Operation: api.CreatePrompt.Name, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers content of the wrong JSON type with 400 and an OData error"}, func(t *T) {
		s := disposableSession(t)
		expectRejected(t, "create prompt with numeric content", http.MethodPost, promptsPath(s.ID), requestFixture(t, "prompt-wrong-type.json"), http.StatusBadRequest)
	})
})
