package suites

import (
	"fmt"
	"net/http"
	"sort"

	. "github.com/onsi/ginkgo/v2"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/matchers"
	"github.com/copilotconf/copilotconf/schemas"
)

// sample is one response body the schema specs look at.
type sample struct {
	what string
	kind string // "session" or "prompt": what the body (or its value items) holds
	body map[string]any
	raw  []byte // the body as received, for what decoding loses (member order)
}

// sampleExchange is one of the responses the schema specs share.
type sampleExchange struct {
	Kind     string               // "session" or "prompt"
	Exchange *httpclient.Exchange // its Label says what was asked
}

// sampleResponses fetches a session, a prompt and both collections (minimal and full
// metadata), once per run: each schema spec checks its own rule on the same responses.
func sampleResponses(t *T) []sample {
	GinkgoHelper()
	p := mustPrompts(t)
	fetched := shared(t, "schema-samples", func(t *T) []sampleExchange {
		full := http.Header{"Accept": {fullMetadata}}
		reqs := []struct {
			kind string
			req  httpRequest
		}{
			{"session", getRequest("get session", sessionPath(p.Session.ID), nil)},
			{"prompt", getRequest("get prompt", promptPath(p.Session.ID, p.First.ID), nil)},
			{"session", getRequest("list sessions", sessionsPath(), query("$top", "5"))},
			{"prompt", getRequest("list prompts", promptsPath(p.Session.ID), nil)},
			{"session", httpRequest{Method: http.MethodGet, Path: sessionPath(p.Session.ID), Header: full, Label: "get session with odata.metadata=full"}},
			{"prompt", httpRequest{Method: http.MethodGet, Path: promptsPath(p.Session.ID), Header: full, Label: "list prompts with odata.metadata=full"}},
		}
		out := make([]sampleExchange, 0, len(reqs))
		for _, r := range reqs {
			out = append(out, sampleExchange{r.kind, env().do(t.ctx, r.req)})
		}
		return out
	})
	var out []sample
	for _, f := range fetched {
		ex := f.Exchange
		t.Uses(ex)
		if expectStatus(t, ex, http.StatusOK) {
			if obj := expectObject(t, ex); obj != nil {
				out = append(out, sample{ex.Label, f.Kind, obj, ex.ResponseBody})
			}
		}
	}
	return append(out,
		sample{"the shared session as first received", "session", p.Session.Body, rawOf(p.Session.createdEntity)},
		sample{"the shared prompt as first received", "prompt", p.First.Body, rawOf(p.First)})
}

// rawOf is the body a shared object came in, when it came alone (not in a listing).
func rawOf(c createdEntity) []byte {
	GinkgoHelper()
	if c.Existing || c.Exchange == nil {
		return nil
	}
	return c.Exchange.ResponseBody
}

// entity is an object found in a sample together with where it was found and what it is.
type entity struct {
	where string
	kind  string // "session" or "prompt"
	obj   map[string]any
}

// entitiesIn finds the sessions and prompts in a sample, expanded prompts included.
func entitiesIn(s sample) []entity {
	GinkgoHelper()
	var out []entity
	var visit func(where, kind string, obj map[string]any)
	visit = func(where, kind string, obj map[string]any) {
		out = append(out, entity{where, kind, obj})
		if prompts, ok := obj["prompts"].([]any); ok {
			for i, p := range prompts {
				if po, ok := p.(map[string]any); ok {
					visit(fmt.Sprintf("%s/prompts/%d", where, i), "prompt", po)
				}
			}
		}
	}
	if items, ok := s.body["value"].([]any); ok {
		for i, it := range items {
			if obj, ok := it.(map[string]any); ok {
				visit(fmt.Sprintf("%s: /value/%d", s.what, i), s.kind, obj)
			}
		}
		return out
	}
	visit(s.what, s.kind, s.body)
	return out
}

var documentedProperties = map[string][]string{
	"session": {"id", "displayName", "createdDateTime", "lastModifiedDateTime", "prompts"},
	"prompt":  {"id", "type", "content", "skillName", "inputs", "skillInputDescriptors", "createdDateTime", "lastModifiedDateTime", "evaluations"},
}

var odataTypes = map[string]string{"session": sessionType, "prompt": promptType}

func timestampsOf(e entity) map[string]any {
	GinkgoHelper()
	out := map[string]any{}
	for _, name := range []string{"createdDateTime", "lastModifiedDateTime"} {
		if v, ok := e.obj[name]; ok {
			out[name] = v
		}
	}
	return out
}

var _ = describe("Schema", func() {
	conformance(Spec{ID: "SCHEMA-01", Level: Advisory, Operation: Schema, Doc: DocSessionResource, Needs: NeedsObjects,
		Requirement: "writes timestamps in UTC with a literal Z and at most 7 fractional digits, as Graph does"}, func(t *T) {
		for _, s := range sampleResponses(t) {
			for _, e := range entitiesIn(s) {
				for name, v := range timestampsOf(e) {
					t.check(e.where+": "+name, v, matchers.BeGraphTimestamp())
				}
			}
		}
	})

	conformance(Spec{ID: "SCHEMA-02", Slow: true, Level: Core, Operation: Schema, Doc: DocSessionResource, Needs: NeedsObjects,
		Requirement: "writes every timestamp as a DateTimeOffset with an explicit offset, in UTC"}, func(t *T) {
		for _, s := range sampleResponses(t) {
			for _, e := range entitiesIn(s) {
				for name, v := range timestampsOf(e) {
					t.check(e.where+": "+name, v, matchers.BeUTCDateTimeOffset())
				}
			}
		}
	})

	conformance(Spec{ID: "SCHEMA-03", Level: Core, Operation: Schema, Doc: DocSessionResource, Needs: NeedsObjects,
		Requirement: "returns no properties beyond the documented ones (annotations aside)"}, func(t *T) {
		for _, s := range sampleResponses(t) {
			if _, isCollection := s.body["value"]; isCollection {
				expectOnlyProperties(t, s.what+" (collection)", s.body, []string{"value"}, nil)
			}
			for _, e := range entitiesIn(s) {
				expectOnlyProperties(t, e.where, e.obj, documentedProperties[e.kind], nil)
			}
		}
	})

	conformance(Spec{ID: "SCHEMA-04", Level: Core, Operation: Schema, Doc: DocSessionResource, Needs: NeedsObjects,
		Requirement: "gives the exact @odata.type of the resource whenever it writes one"}, func(t *T) {
		for _, s := range sampleResponses(t) {
			for _, e := range entitiesIn(s) {
				if _, ok := e.obj["@odata.type"]; ok {
					t.check(e.where, e.obj, matchers.HaveODataType(odataTypes[e.kind]))
				}
			}
		}
	})

	conformance(Spec{ID: "SCHEMA-05", Level: OData, Operation: Schema, Doc: DocODataJSON, Needs: NeedsObjects,
		Requirement: "writes @odata.context as the first member of the response object, entity or collection"}, func(t *T) {
		for _, s := range sampleResponses(t) {
			if _, has := s.body["@odata.context"]; !has || s.raw == nil {
				continue
			}
			t.check(s.what, s.raw, matchers.HaveODataContextFirst())
		}
	})
})

var _ = describe("Sessions and their prompts", func() {
	conformance(Spec{ID: "REL-01", Slow: true, Level: Core, Operation: Relationship, Doc: DocSessionResource, Needs: NeedsObjects,
		Requirement: "leaves the prompts navigation property out of a session unless it is expanded"}, func(t *T) {
		p := mustPrompts(t)
		got := getSession(t, "get a session that has prompts", p.Session.ID)
		if v, ok := got["prompts"]; ok {
			t.Errorf("get session without $expand: expected no \"prompts\" member, got %s", jsonText(v, true))
		}
		ex := t.Do(getRequest("list sessions", sessionsPath(), query("$filter", "displayName eq "+api.ODataString(p.Session.Name))))
		requireStatus(t, ex, http.StatusOK)
		items, _ := valueArray(t, "list sessions", requireObject(t, ex))
		for _, it := range items {
			if v, ok := it["prompts"]; ok {
				t.Errorf("list sessions without $expand: session %v has a \"prompts\" member %s", it["id"], jsonText(v, true))
			}
		}
	})

	conformance(Spec{ID: "REL-02", Level: Advisory, Operation: Relationship, Doc: DocQueryParameters, Needs: NeedsObjects,
		Requirement: "inlines exactly the session's own prompts with $expand=prompts (not documented for this API, so advisory)"}, func(t *T) {
		p := mustPrompts(t)
		got := getSession(t, "get session with $expand=prompts", p.Session.ID, "$expand", "prompts")
		raw, ok := got["prompts"].([]any)
		if !ok {
			t.Fatalf("get session with $expand=prompts: expected a \"prompts\" array, got %s", describeMember(got, "prompts"))
		}
		var ids []string
		for i, v := range raw {
			obj, _ := v.(map[string]any)
			expectValid(t, fmt.Sprintf("expanded prompt %d", i), schemas.Prompt, obj)
			id, _ := obj["id"].(string)
			ids = append(ids, id)
		}
		want := p.ids()
		if env().cfg.ReadOnly {
			listed, _ := walk(t, getRequest("list prompts", promptsPath(p.Session.ID), nil), "")
			want = idsOf(allItems(listed))
		}
		sort.Strings(ids)
		sort.Strings(want)
		if fmt.Sprint(ids) != fmt.Sprint(want) {
			t.Errorf("get session with $expand=prompts: expected exactly the prompts %v, got %v", want, ids)
		}
	})
})
