package suites

import (
	"github.com/copilotconf/copilotconf/api"
	"net/http"

	"github.com/copilotconf/copilotconf/schemas"
)

var _ = describe("Update session", func() {
	conformance(Spec{ID: "SESS-UPDATE-01", Slow: true, Level: Core, Operation: api.UpdateSession.Name, Doc: api.UpdateSession.Doc, Needs: NeedsWrites,
		Requirement: "returns 200 with the updated session carrying the new displayName"}, func(t *T) {
		u := updatedSession(t)
		requireStatus(t, u.Patch, http.StatusOK)
		obj := requireObject(t, u.Patch)
		expectValid(t, "update session response body", schemas.Session, obj)
		if got, _ := obj["displayName"].(string); got != u.NewName {
			t.Errorf("update session: expected displayName %q, got %s", u.NewName, describeMember(obj, "displayName"))
		}
	})

	conformance(Spec{ID: "SESS-UPDATE-02", Level: Core, Operation: api.UpdateSession.Name, Doc: DocSessionResource, Needs: NeedsWrites,
		Requirement: "moves lastModifiedDateTime forward and keeps id and createdDateTime"}, func(t *T) {
		u := updatedSession(t)
		requireStatus(t, u.Patch, http.StatusOK)
		patched := requireObject(t, u.Patch)
		expectSameValues(t, "update session (compared with create)", patched, u.Created.Body, "id", "createdDateTime")
		before, ok1 := expectTimestamp(t, "created session", u.Created.Body, "lastModifiedDateTime")
		after, ok2 := expectTimestamp(t, "updated session", patched, "lastModifiedDateTime")
		if ok1 && ok2 && !after.After(before) {
			t.Errorf("update session: expected lastModifiedDateTime later than %s, got %s", u.Created.Body["lastModifiedDateTime"], patched["lastModifiedDateTime"])
		}
		if ok2 {
			expectWithin(t, "updated session lastModifiedDateTime", after, u.PatchAt)
		}
	})

	conformance(Spec{ID: "SESS-UPDATE-03", Level: Core, Operation: api.UpdateSession.Name, Doc: api.UpdateSession.Doc, Needs: NeedsWrites,
		Requirement: "makes the change visible to a following GET"}, func(t *T) {
		u := updatedSession(t)
		requireStatus(t, u.After, http.StatusOK)
		after := requireObject(t, u.After)
		if got, _ := after["displayName"].(string); got != u.NewName {
			t.Errorf("get session after the update: expected displayName %q, got %s", u.NewName, describeMember(after, "displayName"))
		}
		if u.Patched != nil {
			expectSameValues(t, "get session after the update (compared with the PATCH response)", after, u.Patched, sessionProperties...)
		}
	})

	conformance(Spec{ID: "SESS-UPDATE-04", Level: Core, Operation: api.UpdateSession.Name, Doc: api.UpdateSession.Doc, Needs: NeedsWrites,
		Requirement: "answers an unknown session id with 404 and an OData error"}, func(t *T) {
		expectRejected(t, "update an unknown session", http.MethodPatch, sessionPath(unknownID()),
			mustJSON(map[string]any{"displayName": runName("never stored")}), http.StatusNotFound)
	})

	conformance(Spec{ID: "SESS-UPDATE-05", Level: OData, Operation: api.UpdateSession.Name, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers malformed JSON with 400 and an OData error"}, func(t *T) {
		u := updatedSession(t)
		expectRejected(t, "update session with malformed JSON", http.MethodPatch, sessionPath(u.Created.ID), requestFixture(t, "malformed.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "SESS-UPDATE-06", Level: OData, Operation: api.UpdateSession.Name, Doc: DocSessionResource, Needs: NeedsWrites,
		Requirement: "never applies read-only properties (id, createdDateTime, lastModifiedDateTime) sent in the body"}, func(t *T) {
		u := updatedSession(t)
		body := requestFixture(t, "session-readonly-properties.json")
		sent, _ := decodeJSON(body)
		patch := t.Do(jsonRequest("update session with read-only properties", http.MethodPatch, sessionPath(u.Created.ID), body))
		if patch.Status != http.StatusOK {
			expectODataError(t, patch, http.StatusBadRequest)
		}
		got := getSession(t, "get session after sending read-only properties", u.Created.ID)
		expectSameValues(t, "session after sending read-only properties", got, u.Created.Body, "id", "createdDateTime")
		if sentObj, ok := sent.(map[string]any); ok {
			if v, has := sentObj["lastModifiedDateTime"]; has && jsonEqual(got["lastModifiedDateTime"], v) {
				t.Errorf("session after sending read-only properties: lastModifiedDateTime took the value the client sent (%v)", v)
			}
		}
	})
})
