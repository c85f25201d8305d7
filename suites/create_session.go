package suites

import (
	"bytes"
	"net/http"

	. "github.com/onsi/ginkgo/v2"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/fixtures"
	"github.com/copilotconf/copilotconf/matchers"
	"github.com/copilotconf/copilotconf/schemas"
)

// expectCreatedValid checks a create response: 201 and a JSON object, valid against kind unless
// kind is empty. It ends the spec when there is no created object to look at.
func expectCreatedValid(t *T, c createdEntity, kind schemas.Kind) map[string]any {
	GinkgoHelper()
	t.Uses(c.Exchange)
	requireStatus(t, c.Exchange, http.StatusCreated)
	obj := requireObject(t, c.Exchange)
	if kind != "" {
		expectValid(t, c.Exchange.Label+" response body", kind, obj)
	}
	return obj
}

// expectStampedWithin checks that a created object's createdDateTime and lastModifiedDateTime
// lie in the window of the request that created it.
func expectStampedWithin(t *T, what string, c createdEntity) {
	GinkgoHelper()
	obj := expectCreatedValid(t, c, "")
	for _, name := range []string{"createdDateTime", "lastModifiedDateTime"} {
		if ts, ok := expectTimestamp(t, what, obj, name); ok {
			expectWithin(t, what+" "+name, ts, c.window())
		}
	}
}

// expectRejected sends a request the API must refuse and checks for an OData error.
func expectRejected(t *T, label, method, path string, body []byte, status int) {
	GinkgoHelper()
	ex := t.Do(jsonRequest(label, method, path, body))
	expectODataError(t, ex, status)
}

// requestFixture loads a deliberately bad request body. Names in it ("copilotconf ...") get
// the run id, so that an object a non-conformant target creates from it can be found.
func requestFixture(t *T, name string) []byte {
	GinkgoHelper()
	b, err := fixtures.Request(name)
	if err != nil {
		t.Fatalf("loading request fixture %s: %v", name, err)
	}
	return bytes.ReplaceAll(b, []byte(`"copilotconf `), []byte(`"`+runName("")))
}

var _ = describe("Create session", func() {
	conformance(Spec{ID: "SESS-CREATE-01", Level: Core, Operation: api.CreateSession.Name, Doc: api.CreateSession.Doc, Needs: NeedsWrites,
		Requirement: "returns 201 Created with the created session, valid against the session schema"}, func(t *T) {
		expectCreatedValid(t, plainSession(t).createdEntity, schemas.Session)
	})

	conformance(Spec{ID: "SESS-CREATE-02", Level: Core, Operation: api.CreateSession.Name, Doc: api.CreateSession.Doc, Needs: NeedsWrites,
		Requirement: "echoes displayName exactly, non-ASCII text included"}, func(t *T) {
		s := documentedSession(t)
		obj := expectCreatedValid(t, s.createdEntity, "")
		if got, _ := obj["displayName"].(string); got != s.Name {
			t.Errorf("create session: expected displayName %q, got %s", s.Name, describeMember(obj, "displayName"))
		}
	})

	conformance(Spec{ID: "SESS-CREATE-03", Level: Core, Operation: api.CreateSession.Name, Doc: DocSessionResource, Needs: NeedsWrites,
		Requirement: "gives every created session its own non-empty id"}, func(t *T) {
		sessions := mustSessions(t, documentedSession, plainSession)
		u := updatedSession(t)
		ids := []string{sessions[0].ID, sessions[1].ID, u.Created.ID}
		expectNoDuplicates(t, "ids of three created sessions", ids)
	})

	conformance(Spec{ID: "SESS-CREATE-13", Level: Core, Operation: api.CreateSession.Name, Doc: DocSessionResource, Needs: NeedsWrites,
		Requirement: "assigns ids that do not depend on the request: two creates with the same body get different ids"}, func(t *T) {
		first := plainSession(t)
		requireCreated(t, "a shared session", first.createdEntity)
		second := disposableSession(t)
		if first.Body["displayName"] != second.Body["displayName"] {
			t.Fatalf("the two sessions were meant to be created from the same body; got names %s and %s", jsonText(first.Body["displayName"], true), jsonText(second.Body["displayName"], true))
		}
		if first.ID == second.ID {
			t.Errorf("two creates with the same body %s both got the id %q", first.Exchange.RequestBody, first.ID)
		}
	})

	conformance(Spec{ID: "SESS-CREATE-04", Level: Core, Operation: api.CreateSession.Name, Doc: DocSessionResource, Needs: NeedsWrites,
		Requirement: "sets createdDateTime equal to lastModifiedDateTime, within the request window"}, func(t *T) {
		s := plainSession(t)
		obj := expectCreatedValid(t, s.createdEntity, "")
		created, ok1 := expectTimestamp(t, "created session", obj, "createdDateTime")
		modified, ok2 := expectTimestamp(t, "created session", obj, "lastModifiedDateTime")
		if ok1 && ok2 && !created.Equal(modified) {
			t.Errorf("created session: expected createdDateTime (%s) to equal lastModifiedDateTime (%s)", obj["createdDateTime"], obj["lastModifiedDateTime"])
		}
		if ok1 {
			expectWithin(t, "created session createdDateTime", created, s.window())
		}
	})

	conformance(Spec{ID: "SESS-CREATE-05", Level: Core, Operation: api.CreateSession.Name, Doc: api.CreateSession.Doc, Needs: NeedsWrites,
		Requirement: "accepts the documented request body, which carries @odata.type"}, func(t *T) {
		expectCreatedValid(t, documentedSession(t).createdEntity, schemas.Session)
	})

	conformance(Spec{ID: "SESS-CREATE-06", Level: OData, Operation: api.CreateSession.Name, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers malformed JSON with 400 and an OData error"}, func(t *T) {
		expectRejected(t, "create session with malformed JSON", http.MethodPost, sessionsPath(), requestFixture(t, "malformed.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "SESS-CREATE-07", Level: OData, Operation: api.CreateSession.Name, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers a displayName of the wrong JSON type with 400 and an OData error"}, func(t *T) {
		expectRejected(t, "create session with a numeric displayName", http.MethodPost, sessionsPath(), requestFixture(t, "session-wrong-type.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "SESS-CREATE-08", Level: Advisory, Operation: api.CreateSession.Name, Doc: api.CreateSession.Doc, Needs: NeedsWrites,
		Requirement: "answers a body without the required displayName with 400"}, func(t *T) {
		expectRejected(t, "create session without displayName", http.MethodPost, sessionsPath(), requestFixture(t, "session-missing-displayname.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "SESS-CREATE-09", Level: Advisory, Operation: api.CreateSession.Name, Doc: DocErrors, Needs: NeedsWrites,
		Requirement: "answers a body with an undocumented property with 400"}, func(t *T) {
		expectRejected(t, "create session with an unknown property", http.MethodPost, sessionsPath(), requestFixture(t, "session-unknown-property.json"), http.StatusBadRequest)
	})

	conformance(Spec{ID: "SESS-CREATE-10", Level: Advisory, Operation: api.CreateSession.Name, Doc: DocODataProtocol, Needs: NeedsWrites,
		Requirement: "sends a Location header with the new session's URL"}, func(t *T) {
		s := plainSession(t)
		expectCreatedValid(t, s.createdEntity, "")
		t.check("create session", s.Exchange, matchers.HaveLocationOf(s.ID))
	})

	conformance(Spec{ID: "SESS-CREATE-11", Level: Core, Operation: api.CreateSession.Name, Doc: api.CreateSession.Doc, Needs: NeedsWrites,
		Requirement: "answers with Content-Type application/json"}, func(t *T) {
		s := plainSession(t)
		expectCreatedValid(t, s.createdEntity, "")
		expectJSONMediaType(t, s.Exchange)
	})

	conformance(Spec{ID: "SESS-CREATE-12", Level: OData, Operation: api.CreateSession.Name, Doc: DocODataJSON, Needs: NeedsWrites,
		Requirement: "names a single session in @odata.context (…/sessions/$entity)"}, func(t *T) {
		s := plainSession(t)
		obj := expectCreatedValid(t, s.createdEntity, "")
		expectContext(t, "create session", obj, sessionsContext()+"/$entity")
	})
})
