package suites

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/schemas"
)

func pluginsPath(workspaceID string) string {
	return api.ListPlugins.Expand(map[string]string{api.WorkspaceID: workspaceID})
}

func listPluginsRequest(label, workspaceID string, pairs ...string) httpRequest {
	return getRequest(label, pluginsPath(workspaceID), query(pairs...))
}

func pluginsContext(workspaceID string) string {
	return workspacesContext + "('" + workspaceID + "')/plugins"
}

// namesOf returns the names of plugins (their key) in order.
func namesOf(items []map[string]any) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = stringOf(it["name"])
	}
	return out
}

// workspacePlugins is every plugin of the run's workspace, listed once and shared.
type workspacePlugins struct {
	Pages    []page
	Complete bool
}

func (w workspacePlugins) items() []map[string]any { return allItems(w.Pages) }

// listedPlugins lists the plugins of the run's workspace once, for the specs that filter them.
func listedPlugins(t *T) []map[string]any {
	GinkgoHelper()
	w := shared(t, "plugins", func(t *T) workspacePlugins {
		pages, complete := walk(t, listPluginsRequest("list plugins", env().cfg.Workspace), "")
		return workspacePlugins{pages, complete}
	})
	for _, p := range w.Pages {
		t.Uses(p.Exchange)
	}
	if !w.Complete {
		t.Fatalf("precondition failed: the plugins of workspace %q could not be listed", env().cfg.Workspace)
	}
	return w.items()
}

// pluginWhere returns the first listed plugin for which ok holds, or skips the spec.
func pluginWhere(t *T, what string, ok func(map[string]any) bool) map[string]any {
	GinkgoHelper()
	for _, p := range listedPlugins(t) {
		if ok(p) {
			return p
		}
	}
	t.Skipf("the workspace lists no plugin %s", what)
	return nil
}

// expectFiltered walks a $filter listing of plugins and checks that every plugin it lists holds
// keep, and that it lists every plugin of want.
func expectFiltered(t *T, filter string, keep func(map[string]any) bool, want []string) {
	GinkgoHelper()
	label := "list plugins with $filter=" + filter
	pages, complete := walk(t, listPluginsRequest(label, env().cfg.Workspace, "$filter", filter), "")
	if !complete {
		return
	}
	got := allItems(pages)
	for _, p := range got {
		if !keep(p) {
			t.Errorf("%s: plugin %q does not match the filter (%s)", label, stringOf(p["name"]), excerpt(mustJSON(p)))
		}
	}
	names := namesOf(got)
	for _, n := range want {
		if !contains(names, n) {
			t.Errorf("%s: expected plugin %q, which matches, among %v", label, n, names)
		}
	}
}

var _ = describe("List plugins", func() {
	conformance(Spec{ID: "PLUGIN-LIST-01", Level: Core, Operation: api.ListPlugins.Name, Doc: api.ListPlugins.Doc,
		Requirement: "returns 200 with a value array of plugins valid against the plugin schema"}, func(t *T) {
		walk(t, listPluginsRequest("list plugins", env().cfg.Workspace), schemas.PluginCollection)
	})

	conformance(Spec{ID: "PLUGIN-LIST-02", Level: Core, Operation: api.ListPlugins.Name, Doc: api.ListPlugins.Doc,
		Requirement: "answers an unknown workspace id with 404 and an OData error"}, func(t *T) {
		expectODataError(t, t.Do(listPluginsRequest("list plugins of an unknown workspace", unknownID())), http.StatusNotFound)
	})

	conformance(Spec{ID: "PLUGIN-LIST-03", Level: Core, Operation: api.ListPlugins.Name, Doc: DocPluginResource,
		Requirement: "names each plugin of a workspace once: name is the plugin's key"}, func(t *T) {
		names := namesOf(listedPlugins(t))
		for i, n := range names {
			if n == "" {
				t.Errorf("list plugins: the plugin at position %d has no name (the key)", i)
			}
		}
		expectNoDuplicates(t, "plugin names across pages", names)
	})

	conformance(Spec{ID: "PLUGIN-LIST-04", Level: Core, Operation: api.ListPlugins.Name, Doc: api.ListPlugins.Doc,
		Requirement: "lists the plugins of every workspace List workspaces returns, under that workspace"}, func(t *T) {
		pages, complete := walkUntil(t, listWorkspacesRequest("list workspaces"), "", firstPages(1))
		if !complete {
			return
		}
		for i, ws := range idsOf(allItems(pages)) {
			if i == maxWorkspaceProbes {
				break
			}
			ex := t.Do(listPluginsRequest("list plugins of workspace "+ws, ws))
			if !expectStatus(t, ex, http.StatusOK) {
				continue
			}
			obj := expectObject(t, ex)
			if obj == nil {
				continue
			}
			expectValid(t, "list plugins of workspace "+ws, schemas.PluginCollection, obj)
			if ctx, ok := obj["@odata.context"].(string); ok && !strings.Contains(ctx, "workspaces('"+ws+"')/plugins") {
				t.Errorf("list plugins of workspace %q: @odata.context %q names another workspace's plugins", ws, ctx)
			}
		}
	})

	conformance(Spec{ID: "PLUGIN-LIST-05", Level: OData, Operation: api.ListPlugins.Name, Doc: api.ListPlugins.Doc,
		Requirement: "lists exactly the plugin named by $filter=name eq '…' (the documented request)"}, func(t *T) {
		p := pluginWhere(t, "with a name", func(p map[string]any) bool { return stringOf(p["name"]) != "" })
		name := stringOf(p["name"])
		expectFiltered(t, "name eq "+api.ODataString(name), func(p map[string]any) bool { return stringOf(p["name"]) == name }, []string{name})
	})

	conformance(Spec{ID: "PLUGIN-LIST-06", Level: OData, Operation: api.ListPlugins.Name, Doc: api.ListPlugins.Doc,
		Requirement: "lists the plugins whose name contains a text with $filter=contains(name,'…')"}, func(t *T) {
		p := pluginWhere(t, "with a name of 3 characters or more", func(p map[string]any) bool { return len([]rune(stringOf(p["name"]))) >= 3 })
		name := []rune(stringOf(p["name"]))
		part := string(name[1 : len(name)-1])
		expectFiltered(t, "contains(name,"+api.ODataString(part)+")", func(p map[string]any) bool {
			return strings.Contains(strings.ToLower(stringOf(p["name"])), strings.ToLower(part))
		}, []string{string(name)})
	})

	conformance(Spec{ID: "PLUGIN-LIST-07", Level: OData, Operation: api.ListPlugins.Name, Doc: api.ListPlugins.Doc,
		Requirement: "lists exactly the enabled, or the disabled, plugins with $filter=isEnabled eq true or false"}, func(t *T) {
		all := listedPlugins(t)
		for _, enabled := range []bool{true, false} {
			var want []string
			for _, p := range all {
				if p["isEnabled"] == enabled {
					want = append(want, stringOf(p["name"]))
				}
			}
			literal := "false"
			if enabled {
				literal = "true"
			}
			expectFiltered(t, "isEnabled eq "+literal, func(p map[string]any) bool { return p["isEnabled"] == enabled }, want)
		}
	})

	conformance(Spec{ID: "PLUGIN-LIST-08", Level: OData, Operation: api.ListPlugins.Name, Doc: api.ListPlugins.Doc,
		Requirement: "lists the plugins with that display name with $filter=displayName eq '…'"}, func(t *T) {
		p := pluginWhere(t, "with a display name", func(p map[string]any) bool { return stringOf(p["displayName"]) != "" })
		dn := stringOf(p["displayName"])
		expectFiltered(t, "displayName eq "+api.ODataString(dn), func(p map[string]any) bool { return stringOf(p["displayName"]) == dn },
			[]string{stringOf(p["name"])})
	})

	conformance(Spec{ID: "PLUGIN-LIST-09", Level: OData, Operation: api.ListPlugins.Name, Doc: DocPaging,
		Requirement: "bounds a page by $top and gives @odata.nextLink when more plugins exist"}, func(t *T) {
		all := namesOf(listedPlugins(t))
		if len(all) < 2 {
			t.Skipf("the workspace lists %d plugin(s); paging needs 2", len(all))
		}
		pages, complete := walk(t, listPluginsRequest("list plugins with $top=1", env().cfg.Workspace, "$top", "1"), "")
		if len(pages) == 0 {
			return
		}
		if n := len(pages[0].Items); n != 1 {
			t.Errorf("list plugins with $top=1: expected 1 plugin on the first page (the workspace has %d), got %d", len(all), n)
		}
		if pages[0].NextLink == "" {
			t.Errorf("list plugins with $top=1: expected an @odata.nextLink on the first page (the workspace has %d plugins), got none", len(all))
		}
		if complete {
			names := namesOf(allItems(pages))
			expectNoDuplicates(t, "plugins across pages", names)
			expectSameSet(t, "plugins across pages of 1", names, all)
		}
	})

	conformance(Spec{ID: "PLUGIN-LIST-10", Level: OData, Operation: api.ListPlugins.Name, Doc: DocQueryParameters,
		Requirement: "gives the number of the workspace's plugins in @odata.count with $count=true"}, func(t *T) {
		pages, complete := walk(t, listPluginsRequest("list plugins with $count=true", env().cfg.Workspace, "$count", "true"), "")
		if complete && len(pages) > 0 {
			expectCount(t, "list plugins with $count=true", pages[0].Body, len(allItems(pages)))
		}
	})

	conformance(Spec{ID: "PLUGIN-LIST-11", Level: OData, Operation: api.ListPlugins.Name, Doc: DocQueryParameters,
		Requirement: "returns only the key (name) and the selected properties with $select"}, func(t *T) {
		ex := t.Do(listPluginsRequest("list plugins with $select=displayName", env().cfg.Workspace, "$select", "displayName"))
		requireStatus(t, ex, http.StatusOK)
		items, _ := valueArray(t, "list plugins with $select", requireObject(t, ex))
		for _, it := range items {
			expectOnlyProperties(t, "a plugin listed with $select=displayName", it, []string{"name", "displayName"}, []string{"name", "displayName"})
		}
	})

	conformance(Spec{ID: "PLUGIN-LIST-12", Level: OData, Operation: api.ListPlugins.Name, Doc: DocODataJSON,
		Requirement: "names the workspace's plugins collection in @odata.context"}, func(t *T) {
		ex := t.Do(listPluginsRequest("list plugins", env().cfg.Workspace))
		requireStatus(t, ex, http.StatusOK)
		expectContext(t, "list plugins", requireObject(t, ex), pluginsContext(env().cfg.Workspace))
	})
})
