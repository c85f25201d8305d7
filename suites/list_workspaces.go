package suites

import (
	"net/http"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/schemas"
)

func workspacesPath() string { return api.ListWorkspaces.Expand(ids()) }

func listWorkspacesRequest(label string, pairs ...string) httpRequest {
	return getRequest(label, workspacesPath(), query(pairs...))
}

const workspacesContext = "security/securityCopilot/workspaces"

var _ = describe("List workspaces", func() {
	conformance(Spec{ID: "WS-LIST-01", Level: Core, Operation: api.ListWorkspaces.Name, Doc: api.ListWorkspaces.Doc,
		Requirement: "returns 200 with a value array of workspaces valid against the workspace schema"}, func(t *T) {
		walk(t, listWorkspacesRequest("list workspaces"), schemas.WorkspaceCollection)
	})

	conformance(Spec{ID: "WS-LIST-02", Level: Core, Operation: api.ListWorkspaces.Name, Doc: api.ListWorkspaces.Doc,
		Requirement: "lists the workspace the run uses (--workspace; by default \"default\", the one onboarding creates)"}, func(t *T) {
		pages, complete := walk(t, listWorkspacesRequest("list workspaces"), "")
		if ids := idsOf(allItems(pages)); complete && !contains(ids, env().cfg.Workspace) {
			t.Errorf("list workspaces: expected the workspace %q among the listed ones, got %v", env().cfg.Workspace, ids)
		}
	})

	conformance(Spec{ID: "WS-LIST-03", Level: OData, Operation: api.ListWorkspaces.Name, Doc: DocQueryParameters,
		Requirement: "gives the number of workspaces in @odata.count with $count=true"}, func(t *T) {
		pages, complete := walk(t, listWorkspacesRequest("list workspaces with $count=true", "$count", "true"), "")
		if complete && len(pages) > 0 {
			expectCount(t, "list workspaces with $count=true", pages[0].Body, len(allItems(pages)))
		}
	})

	conformance(Spec{ID: "WS-LIST-04", Level: OData, Operation: api.ListWorkspaces.Name, Doc: DocQueryParameters,
		Requirement: "returns only the selected properties with $select (id, the workspace's other property left out)"}, func(t *T) {
		ex := t.Do(listWorkspacesRequest("list workspaces with $select=id", "$select", "id"))
		requireStatus(t, ex, http.StatusOK)
		items, _ := valueArray(t, "list workspaces with $select", requireObject(t, ex))
		if len(items) == 0 {
			t.Errorf("list workspaces with $select=id: expected at least the run's workspace, got none")
		}
		for _, it := range items {
			expectOnlyProperties(t, "a workspace listed with $select=id", it, []string{"id"}, []string{"id"})
		}
	})

	conformance(Spec{ID: "WS-LIST-05", Level: OData, Operation: api.ListWorkspaces.Name, Doc: DocQueryParameters,
		Requirement: "lists exactly the workspace named by $filter=id eq '…'"}, func(t *T) {
		ws := env().cfg.Workspace
		pages, complete := walk(t, listWorkspacesRequest("list workspaces with $filter on id", "$filter", "id eq "+api.ODataString(ws)), "")
		if complete {
			expectSameSet(t, "list workspaces with $filter=id eq "+api.ODataString(ws), idsOf(allItems(pages)), []string{ws})
		}
	})

	conformance(Spec{ID: "WS-LIST-06", Level: Advisory, Operation: api.ListWorkspaces.Name, Doc: DocODataJSON,
		Requirement: "names the workspaces collection in @odata.context (the documented example has none)"}, func(t *T) {
		ex := t.Do(listWorkspacesRequest("list workspaces"))
		requireStatus(t, ex, http.StatusOK)
		expectContext(t, "list workspaces", requireObject(t, ex), workspacesContext)
	})
})
