package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// collect follows next links from path and returns all ids in order and
// the pages.
func collect(t *testing.T, h *harness, path string, during func(page int)) ([]string, []result) {
	t.Helper()
	var got []string
	var pages []result
	r := h.do(http.MethodGet, path, "")
	for {
		mustStatus(t, r, http.StatusOK)
		pages = append(pages, r)
		got = append(got, ids(t, values(t, r))...)
		if during != nil {
			during(len(pages))
		}
		next, ok := r.body.Get("@odata.nextLink")
		if !ok {
			return got, pages
		}
		link := next.(string)
		if !strings.HasPrefix(link, h.root+"/") {
			t.Fatalf("nextLink %q is not absolute on the service root", link)
		}
		if len(pages) > 1000 {
			t.Fatalf("too many pages")
		}
		r = h.getURL(link)
	}
}

func TestPaging(t *testing.T) {
	h := newHarness(t, Options{})
	all := seed(t, h, nil, 45)
	newestFirst := reversed(all)

	// Default page size is 20.
	got, pages := collect(t, h, sessionsPth, nil)
	if !slices.Equal(got, newestFirst) {
		t.Fatalf("default paging visited %d ids, not every session once in order", len(got))
	}
	if n := []int{len(values(t, pages[0])), len(values(t, pages[1])), len(values(t, pages[2]))}; !slices.Equal(n, []int{20, 20, 5}) || len(pages) != 3 {
		t.Errorf("page sizes %v over %d pages", n, len(pages))
	}
	if pages[2].body.Has("@odata.nextLink") {
		t.Errorf("last page carries a nextLink")
	}
	keysEqual(t, "first page", pages[0].body, []string{"@odata.context", "value", "@odata.nextLink"})

	// $top sets the page size; an exact multiple has no empty trailing page.
	for top, wantPages := range map[int]int{1: 45, 7: 7, 15: 3, 45: 1, 100: 1} {
		got, pages := collect(t, h, fmt.Sprintf("%s?$top=%d", sessionsPth, top), nil)
		if !slices.Equal(got, newestFirst) || len(pages) != wantPages {
			t.Errorf("$top=%d: %d ids over %d pages (want all 45 over %d)", top, len(got), len(pages), wantPages)
		}
	}

	// nextLink keeps the other options, and they still apply on later pages.
	q := "?" + url.PathEscape("$filter=startswith(displayName,'s1') or displayName eq 's44'") +
		"&$select=displayName&$count=true&$top=4&$expand=prompts&custom=dropped"
	got, pages = collect(t, h, sessionsPth+q, nil)
	want := []string{newestFirst[0]}
	for i := 19; i >= 10; i-- {
		want = append(want, all[i])
	}
	if !slices.Equal(got, want) {
		t.Errorf("filtered paging got %d ids, want %d", len(got), len(want))
	}
	link := str(t, pages[0].body, "@odata.nextLink")
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	if u.Path != sessionsPth {
		t.Errorf("nextLink path %q", u.Path)
	}
	qv := u.Query()
	for k, v := range map[string]string{
		"$filter": "startswith(displayName,'s1') or displayName eq 's44'",
		"$select": "displayName", "$count": "true", "$top": "4", "$expand": "prompts",
	} {
		if qv.Get(k) != v {
			t.Errorf("nextLink %s = %q, want %q (%s)", k, qv.Get(k), v, link)
		}
	}
	if qv.Get("$skiptoken") == "" || qv.Has("custom") {
		t.Errorf("nextLink query %v", qv)
	}
	for i, p := range pages {
		if c := canon(t, get(t, p.body, "@odata.count")); c != "11" {
			t.Errorf("page %d: @odata.count %s, want 11 (total, not page size)", i, c)
		}
		keys := []string{"@odata.context", "@odata.count", "value", "@odata.nextLink"}
		if i == len(pages)-1 {
			keys = keys[:3]
		}
		keysEqual(t, fmt.Sprintf("page %d", i), p.body, keys)
		for _, it := range values(t, p) {
			keysEqual(t, "selected item", it, []string{"id", "displayName", "prompts"})
		}
	}
}

func TestPromptPaging(t *testing.T) {
	h := newHarness(t, Options{})
	sid := str(t, h.createSession("s"), "id")
	var all []string
	for i := 0; i < 23; i++ {
		all = append(all, str(t, h.createPrompt(sid, fmt.Sprintf("p%d", i)), "id"))
	}
	got, pages := collect(t, h, sessionsPth+"/"+sid+"/prompts", nil)
	if !slices.Equal(got, all) || len(pages) != 2 {
		t.Errorf("default prompt paging: %d ids over %d pages", len(got), len(pages))
	}
	got, pages = collect(t, h, sessionsPth+"/"+sid+"/prompts?$top=5&$count=true", nil)
	if !slices.Equal(got, all) || len(pages) != 5 {
		t.Errorf("prompt paging $top=5: %d ids over %d pages", len(got), len(pages))
	}
	if c := canon(t, get(t, pages[4].body, "@odata.count")); c != "23" {
		t.Errorf("count %s", c)
	}
}

func TestSkipTokenScope(t *testing.T) {
	h := newHarness(t, Options{Workspaces: []string{"default", "other"}})
	seed(t, h, nil, 3)
	for i := 0; i < 3; i++ {
		mustStatus(t, h.do(http.MethodPost, "/security/securityCopilot/workspaces/other/sessions", `{"displayName":"o"}`), http.StatusCreated)
	}
	sid := str(t, h.createSession("s"), "id")
	sid2 := str(t, h.createSession("s2"), "id")
	for i := 0; i < 3; i++ {
		h.createPrompt(sid, "p")
	}
	tokenOf := func(path string) string {
		r := h.do(http.MethodGet, path, "")
		u, _ := url.Parse(str(t, r.body, "@odata.nextLink"))
		return u.Query().Get("$skiptoken")
	}
	sessTok := tokenOf(sessionsPth + "?$top=1")
	promptTok := tokenOf(sessionsPth + "/" + sid + "/prompts?$top=1")
	other := newHarness(t, Options{})
	seed(t, other, nil, 3)
	otherTok := func() string {
		r := other.do(http.MethodGet, sessionsPth+"?$top=1", "")
		u, _ := url.Parse(str(t, r.body, "@odata.nextLink"))
		return u.Query().Get("$skiptoken")
	}()
	for _, c := range []struct{ path, token string }{
		{sessionsPth + "/" + sid + "/prompts", sessTok},                  // sessions token on a prompt list
		{sessionsPth, promptTok},                                         // prompt token on the session list
		{sessionsPth + "/" + sid2 + "/prompts", promptTok},               // another session's token
		{"/security/securityCopilot/workspaces/other/sessions", sessTok}, // another workspace's token
		{sessionsPth, otherTok},                                          // another server's token
		{sessionsPth, "djF8eHx5"},                                        // valid base64, wrong content
		{sessionsPth, sessTok + "x"},
	} {
		r := h.do(http.MethodGet, c.path+"?$skiptoken="+url.QueryEscape(c.token), "")
		expectError(t, r, http.StatusBadRequest, "badRequest")
	}
	mustStatus(t, h.do(http.MethodGet, sessionsPth+"?$skiptoken="+sessTok, ""), http.StatusOK)
	mustStatus(t, h.do(http.MethodGet, "/security/securityCopilot/workspaces/DEFAULT/sessions?skiptoken="+sessTok, ""), http.StatusOK)
}
