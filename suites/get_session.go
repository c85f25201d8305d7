package suites

import (
	"github.com/copilotconf/copilotconf/api"
	. "github.com/onsi/ginkgo/v2"
	"net/http"

	"github.com/copilotconf/copilotconf/schemas"
)

var sessionProperties = []string{"id", "displayName", "createdDateTime", "lastModifiedDateTime"}

// getSession fetches a session with optional query pairs and checks for 200 and a JSON object.
func getSession(t *T, label, id string, pairs ...string) map[string]any {
	GinkgoHelper()
	ex := t.Do(getRequest(label, sessionPath(id), query(pairs...)))
	requireStatus(t, ex, http.StatusOK)
	return requireObject(t, ex)
}

var _ = describe("Get session", func() {
	conformance(Spec{ID: "SESS-GET-01", Level: Core, Operation: api.GetSession.Name, Doc: api.GetSession.Doc, Needs: NeedsObjects,
		Requirement: "returns 200 with the values create returned, valid against the session schema"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		got := getSession(t, "get session", s.ID)
		expectValid(t, "get session response body", schemas.Session, got)
		expectSameValues(t, "get session", got, s.Body, sessionProperties...)
	})

	conformance(Spec{ID: "SESS-GET-02", Level: Core, Operation: api.GetSession.Name, Doc: api.GetSession.Doc,
		Requirement: "answers an unknown session id with 404 and an OData error"}, func(t *T) {
		expectODataError(t, t.Do(getRequest("get an unknown session", sessionPath(unknownID()), nil)), http.StatusNotFound)
	})

	conformance(Spec{ID: "SESS-GET-03", Level: OData, Operation: api.GetSession.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "returns only id and the selected properties with $select"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		got := getSession(t, "get session with $select=displayName", s.ID, "$select", "displayName")
		expectOnlyProperties(t, "get session with $select=displayName", got, []string{"id", "displayName"}, []string{"id", "displayName"})
		expectValid(t, "get session with $select=displayName", schemas.SessionSelect, got)
		expectSameValues(t, "get session with $select=displayName", got, s.Body, "id", "displayName")
	})

	conformance(Spec{ID: "SESS-GET-04", Level: OData, Operation: api.GetSession.Name, Doc: DocODataJSON, Needs: NeedsObjects,
		Requirement: "carries the exact @odata.type when odata.metadata=full is asked for"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		req := getRequest("get session with odata.metadata=full", sessionPath(s.ID), nil)
		req.Header = http.Header{"Accept": {fullMetadata}}
		ex := t.Do(req)
		requireStatus(t, ex, http.StatusOK)
		obj := requireObject(t, ex)
		if got, _ := obj["@odata.type"].(string); got != sessionType {
			t.Errorf("get session with odata.metadata=full: expected @odata.type %q, got %s", sessionType, describeMember(obj, "@odata.type"))
		}
		expectValid(t, "get session with odata.metadata=full", schemas.Session, obj)
	})

	conformance(Spec{ID: "SESS-GET-05", Level: OData, Operation: api.GetSession.Name, Doc: DocODataJSON, Needs: NeedsObjects,
		Requirement: "names a single session in @odata.context (…/sessions/$entity)"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		expectContext(t, "get session", getSession(t, "get session", s.ID), sessionsContext()+"/$entity")
	})
})
