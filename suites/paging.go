package suites

import (
	"fmt"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/schemas"
)

// page is one page of a collection.
type page struct {
	Exchange *httpclient.Exchange
	Body     map[string]any
	Items    []map[string]any
	NextLink string
}

// walk requests a collection and follows @odata.nextLink until the last page. It records a
// problem (and stops) on a failed page, a body that is no collection, a next link that is not
// an absolute URL, a next link seen before, or more than MaxPages pages. Items are checked
// against itemKind unless it is empty.
func walk(t *T, first httpclient.Request, collectionKind schemas.Kind) ([]page, bool) {
	GinkgoHelper()
	return walkUntil(t, first, collectionKind, nil)
}

// walkUntil is walk that stops early, reporting success, once done holds for the pages seen
// so far: in a tenant with many sessions, a spec looking for one stops when it is found.
func walkUntil(t *T, first httpclient.Request, collectionKind schemas.Kind, done func(pages []page) bool) ([]page, bool) {
	GinkgoHelper()
	return walkFrom(t, first, nil, collectionKind, done)
}

// walkNarrowed walks narrowed, a listing a $filter confines to what the run can account for,
// so that its cost does not grow with the tenant; a target that refuses the $filter (400, 501)
// is walked whole instead, as whole.
func walkNarrowed(t *T, narrowed, whole httpclient.Request, collectionKind schemas.Kind, done func(pages []page) bool) ([]page, bool) {
	GinkgoHelper()
	ex := t.Do(narrowed)
	if ex.Status == http.StatusBadRequest || ex.Status == http.StatusNotImplemented {
		return walkUntil(t, whole, collectionKind, done)
	}
	return walkFrom(t, narrowed, ex, collectionKind, done)
}

// walkFrom walks from first; firstEx, when set, is its answer already received.
func walkFrom(t *T, first httpclient.Request, firstEx *httpclient.Exchange, collectionKind schemas.Kind, done func(pages []page) bool) ([]page, bool) {
	GinkgoHelper()
	var pages []page
	seen := map[string]bool{}
	req := first
	for n := 1; ; n++ {
		if n > env().cfg.MaxPages {
			t.Errorf("%s: still getting next links after %d pages; paging does not end (a tenant this large needs a higher --max-pages)", first.Label, env().cfg.MaxPages)
			return pages, false
		}
		ex := firstEx
		if n > 1 || ex == nil {
			ex = t.Do(req)
		}
		if !expectStatus(t, ex, http.StatusOK) {
			return pages, false
		}
		body := expectObject(t, ex)
		if body == nil {
			return pages, false
		}
		if collectionKind != "" {
			expectValid(t, fmt.Sprintf("%s page %d", first.Label, n), collectionKind, body)
		}
		items, ok := valueArray(t, fmt.Sprintf("%s page %d", first.Label, n), body)
		if !ok {
			return pages, false
		}
		p := page{Exchange: ex, Body: body, Items: items}
		raw, has := body["@odata.nextLink"]
		if has {
			link, isString := raw.(string)
			u, err := url.Parse(link)
			if !isString || err != nil || !u.IsAbs() {
				t.Errorf("%s page %d: @odata.nextLink must be an absolute URL, got %s", first.Label, n, jsonText(raw, true))
				return append(pages, p), false
			}
			p.NextLink = link
		}
		pages = append(pages, p)
		if p.NextLink == "" || (done != nil && done(pages)) {
			return pages, true
		}
		if seen[p.NextLink] {
			t.Errorf("%s page %d: @odata.nextLink repeats an earlier link (%s); paging would never end", first.Label, n, p.NextLink)
			return pages, false
		}
		seen[p.NextLink] = true
		req = httpclient.Request{Method: http.MethodGet, Path: p.NextLink, Label: fmt.Sprintf("%s (page %d)", first.Label, n+1)}
	}
}

// allItems flattens pages.
func allItems(pages []page) []map[string]any {
	GinkgoHelper()
	var out []map[string]any
	for _, p := range pages {
		out = append(out, p.Items...)
	}
	return out
}

// idsOf returns the ids of items in order (items without a string id give "").
func idsOf(items []map[string]any) []string {
	GinkgoHelper()
	out := make([]string, len(items))
	for i, it := range items {
		out[i], _ = it["id"].(string)
	}
	return out
}

func contains(list []string, s string) bool {
	GinkgoHelper()
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// sessionWindow is a $filter on createdDateTime that spans the creation of the given sessions
// (1 ms beyond the last, for a target that stores more digits than it writes). The span lies in
// the past once they exist, so two listings of it agree even while other clients create
// sessions, and it holds about as many sessions as the run made, whatever the tenant holds.
// ok is false when a session has no readable createdDateTime.
func sessionWindow(sessions ...namedSession) (filter string, ok bool) {
	GinkgoHelper()
	var from, to time.Time
	for i, s := range sessions {
		ts, err := parseTimestamp(s.Body["createdDateTime"])
		if err != nil {
			return "", false
		}
		if i == 0 || ts.Before(from) {
			from = ts
		}
		if i == 0 || ts.After(to) {
			to = ts
		}
	}
	if len(sessions) == 0 {
		return "", false
	}
	return "createdDateTime ge " + api.ODataTime(from) + " and createdDateTime le " + api.ODataTime(to.Add(time.Millisecond)), true
}

// firstPages stops a walk after n pages.
func firstPages(n int) func(pages []page) bool {
	GinkgoHelper()
	return func(pages []page) bool { return len(pages) >= n }
}
