package suites

import (
	"github.com/copilotconf/copilotconf/api"
	. "github.com/onsi/ginkgo/v2"
	"net/http"
	"time"

	"github.com/copilotconf/copilotconf/schemas"
)

func listSessionsRequest(label string, pairs ...string) httpRequest {
	GinkgoHelper()
	return getRequest(label, sessionsPath(), query(pairs...))
}

func sessionsContext() string {
	GinkgoHelper()
	return "security/securityCopilot/workspaces('" + env().cfg.Workspace + "')/sessions"
}

var _ = describe("List sessions", func() {
	conformance(Spec{ID: "SESS-LIST-01", Level: Core, Operation: api.ListSessions.Name, Doc: api.ListSessions.Doc,
		Requirement: "returns 200 with a collection whose value is an array"}, func(t *T) {
		ex := t.Do(listSessionsRequest("list sessions"))
		requireStatus(t, ex, http.StatusOK)
		if obj := expectObject(t, ex); obj != nil {
			valueArray(t, "list sessions", obj)
		}
	})

	conformance(Spec{ID: "SESS-LIST-02", Level: Core, Operation: api.ListSessions.Name, Doc: DocSessionResource,
		Requirement: "returns a collection valid against the schema, every item a valid session"}, func(t *T) {
		// Two pages of 50 show the shape; walking a large tenant whole would show it no better.
		walkUntil(t, listSessionsRequest("list sessions", "$top", "50"), schemas.SessionCollection, firstPages(2))
	})

	conformance(Spec{ID: "SESS-LIST-03", Level: Core, Operation: api.ListSessions.Name, Doc: api.ListSessions.Doc, Needs: NeedsWrites,
		Requirement: "lists a session the run created (following @odata.nextLink)"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		found := func(pages []page) bool { return contains(idsOf(allItems(pages)), s.ID) }
		whole := listSessionsRequest("list sessions")
		var pages []page
		if window, ok := sessionWindow(s); ok {
			pages, _ = walkNarrowed(t, listSessionsRequest("list sessions created when the run's session was", "$filter", window), whole, "", found)
		} else {
			pages, _ = walkUntil(t, whole, "", found)
		}
		if !contains(idsOf(allItems(pages)), s.ID) {
			t.Errorf("list sessions: the session created by this run (id %q) is not in the %d listed", s.ID, len(allItems(pages)))
		}
	})

	conformance(Spec{ID: "SESS-LIST-04", Level: OData, Operation: api.ListSessions.Name, Doc: DocODataJSON,
		Requirement: "names the sessions collection in @odata.context"}, func(t *T) {
		ex := t.Do(listSessionsRequest("list sessions", "$top", "1"))
		requireStatus(t, ex, http.StatusOK)
		expectContext(t, "list sessions", requireObject(t, ex), sessionsContext())
	})

	conformance(Spec{ID: "SESS-LIST-05", Level: OData, Operation: api.ListSessions.Name, Doc: DocPaging, Needs: NeedsObjects,
		Requirement: "bounds a page by $top and gives @odata.nextLink when more sessions exist"}, func(t *T) {
		mustSessions(t, documentedSession, plainSession)
		ex := t.Do(listSessionsRequest("list sessions with $top=1", "$top", "1"))
		requireStatus(t, ex, http.StatusOK)
		obj := requireObject(t, ex)
		if items, ok := valueArray(t, "list sessions with $top=1", obj); ok && len(items) != 1 {
			t.Errorf("list sessions with $top=1: expected exactly 1 item (at least 2 sessions exist), got %d", len(items))
		}
		if link, _ := obj["@odata.nextLink"].(string); link == "" {
			t.Errorf("list sessions with $top=1: expected an @odata.nextLink string (at least 2 sessions exist), got %s", describeMember(obj, "@odata.nextLink"))
		}
	})

	conformance(Spec{ID: "SESS-LIST-06", Slow: true, Level: OData, Operation: api.ListSessions.Name, Doc: DocPaging, Needs: NeedsObjects,
		Requirement: "visits every session exactly once when next links are followed"}, func(t *T) {
		want := mustSessions(t, documentedSession, plainSession)
		window, ok := sessionWindow(want...)
		if !ok {
			t.Fatalf("the shared sessions have no readable createdDateTime to narrow the listing to")
		}
		// The reference listing comes first: sessions are never removed, so every session it
		// holds must turn up in the pages of 1 that follow, while one that another client (or
		// another spec) was still creating may appear in those alone.
		reference, referenceComplete := walk(t, listSessionsRequest("list the run's sessions with the default page size", "$filter", window), "")
		pages, complete := walk(t, listSessionsRequest("list the run's sessions with $top=1", "$filter", window, "$top", "1"), "")
		ids := idsOf(allItems(pages))
		expectNoDuplicates(t, "sessions across pages of 1", ids)
		for i, p := range pages {
			if len(p.Items) > 1 {
				t.Errorf("paging: page %d has %d items, more than $top=1", i+1, len(p.Items))
			}
		}
		if !complete {
			return
		}
		for _, s := range want {
			if !contains(ids, s.ID) {
				t.Errorf("paging: session %q created by this run was never listed in %d pages", s.ID, len(pages))
			}
		}
		if referenceComplete {
			expectSubset(t, "sessions listed with the default page size, then in pages of 1", idsOf(allItems(reference)), ids)
		}
	})

	conformance(Spec{ID: "SESS-LIST-07", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "gives the total in @odata.count with $count=true"}, func(t *T) {
		want := mustSessions(t, documentedSession, plainSession)
		window, ok := sessionWindow(want...)
		if !ok {
			t.Fatalf("the shared sessions have no readable createdDateTime to narrow the listing to")
		}
		ex := t.Do(listSessionsRequest("list the run's sessions with $count=true and $top=1", "$filter", window, "$count", "true", "$top", "1"))
		requireStatus(t, ex, http.StatusOK)
		counted := requireObject(t, ex)
		pages, complete := walk(t, listSessionsRequest("list every session of the run", "$filter", window), "")
		if complete {
			expectCount(t, "list the run's sessions with $count=true and $top=1", counted, len(allItems(pages)))
		}
	})

	conformance(Spec{ID: "SESS-LIST-08", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "returns only id and the selected properties with $select"}, func(t *T) {
		mustSessions(t, plainSession)
		ex := t.Do(listSessionsRequest("list sessions with $select=displayName", "$select", "displayName", "$top", "5"))
		requireStatus(t, ex, http.StatusOK)
		items, _ := valueArray(t, "list sessions with $select", requireObject(t, ex))
		if len(items) == 0 {
			t.Errorf("list sessions with $select: expected at least one session, got none")
		}
		for _, it := range items {
			expectOnlyProperties(t, "a session listed with $select=displayName", it, []string{"id", "displayName"}, []string{"id", "displayName"})
			expectValid(t, "a session listed with $select=displayName", schemas.SessionSelect, it)
		}
	})

	conformance(Spec{ID: "SESS-LIST-09", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "returns exactly the sessions whose displayName matches $filter eq"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		if s.Name == "" {
			t.Skipf("read-only mode: the existing session has no displayName to filter on")
		}
		pages, _ := walk(t, listSessionsRequest("list sessions with $filter", "$filter", "displayName eq "+api.ODataString(s.Name)), "")
		items := allItems(pages)
		if !contains(idsOf(items), s.ID) {
			t.Errorf("$filter displayName eq %s: the matching session %q is missing", api.ODataString(s.Name), s.ID)
		}
		for _, it := range items {
			if name, _ := it["displayName"].(string); name != s.Name {
				t.Errorf("$filter displayName eq %s: got session %v named %s", api.ODataString(s.Name), it["id"], jsonText(it["displayName"], true))
			}
		}
	})

	conformance(Spec{ID: "SESS-LIST-10", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters,
		Requirement: "answers a $filter with no match with 200 and an empty value array"}, func(t *T) {
		ex := t.Do(listSessionsRequest("list sessions with a $filter matching nothing", "$filter", "displayName eq "+api.ODataString(runName("no such session "+unknownID()))))
		requireStatus(t, ex, http.StatusOK)
		if items, ok := valueArray(t, "empty $filter result", requireObject(t, ex)); ok && len(items) != 0 {
			t.Errorf("a $filter that matches nothing: expected \"value\": [], got %d items", len(items))
		}
	})

	conformance(Spec{ID: "SESS-LIST-11", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "accepts query options without the $ prefix (top=1 means $top=1)"}, func(t *T) {
		mustSessions(t, documentedSession, plainSession)
		ex := t.Do(listSessionsRequest("list sessions with top=1", "top", "1"))
		requireStatus(t, ex, http.StatusOK)
		if items, ok := valueArray(t, "list sessions with top=1", requireObject(t, ex)); ok && len(items) != 1 {
			t.Errorf("list sessions with top=1: expected exactly 1 item (at least 2 sessions exist), got %d", len(items))
		}
	})

	conformance(Spec{ID: "SESS-LIST-12", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "returns exactly the sessions created in a createdDateTime range given by $filter ge and le"}, func(t *T) {
		s := mustSessions(t, plainSession)[0]
		created, ok := expectTimestamp(t, "the created session", s.Body, "createdDateTime")
		if !ok {
			t.FailNow()
		}
		from, to := created.Add(-time.Second), created.Add(time.Second)
		filter := "createdDateTime ge " + api.ODataTime(from) + " and createdDateTime le " + api.ODataTime(to)
		pages, _ := walk(t, listSessionsRequest("list sessions with a createdDateTime range", "$filter", filter), "")
		items := allItems(pages)
		if !contains(idsOf(items), s.ID) {
			t.Errorf("$filter %s: the session %q created at %s is missing", filter, s.ID, s.Body["createdDateTime"])
		}
		for _, it := range items {
			if ts, err := parseTimestamp(it["createdDateTime"]); err != nil || ts.Before(from) || ts.After(to) {
				t.Errorf("$filter %s: got session %v created at %s, outside the range", filter, it["id"], jsonText(it["createdDateTime"], true))
			}
		}
	})

	conformance(Spec{ID: "SESS-LIST-13", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters,
		Requirement: "answers a $top that is not a positive integer (-1, abc) with 400 and an OData error"}, func(t *T) {
		for _, top := range []string{"-1", "abc"} {
			expectODataError(t, t.Do(listSessionsRequest("list sessions with $top="+top, "$top", top)), http.StatusBadRequest)
		}
	})

	conformance(Spec{ID: "SESS-LIST-14", Level: OData, Operation: api.ListSessions.Name, Doc: DocQueryParameters,
		Requirement: "answers a $select naming a property the session does not have with 400 and an OData error"}, func(t *T) {
		expectODataError(t, t.Do(listSessionsRequest("list sessions with $select=noSuchProperty", "$select", "noSuchProperty")), http.StatusBadRequest)
	})
})
