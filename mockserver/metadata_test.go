package mockserver_test

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/copilotconf/copilotconf/mockserver"
)

// csdl is the part of a CSDL XML document the test reads.
type csdl struct {
	XMLName xml.Name `xml:"Edmx"`
	Version string   `xml:"Version,attr"`
	Schemas []struct {
		Namespace   string `xml:"Namespace,attr"`
		Alias       string `xml:"Alias,attr"`
		EntityTypes []struct {
			Name       string `xml:"Name,attr"`
			BaseType   string `xml:"BaseType,attr"`
			Properties []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"Type,attr"`
			} `xml:"Property"`
			Navigation []struct {
				Name           string `xml:"Name,attr"`
				Type           string `xml:"Type,attr"`
				ContainsTarget bool   `xml:"ContainsTarget,attr"`
			} `xml:"NavigationProperty"`
		} `xml:"EntityType"`
		ComplexTypes []struct {
			Name       string `xml:"Name,attr"`
			Properties []struct {
				Type string `xml:"Type,attr"`
			} `xml:"Property"`
		} `xml:"ComplexType"`
		EnumTypes []struct {
			Name string `xml:"Name,attr"`
		} `xml:"EnumType"`
		Container *struct {
			Singletons []struct {
				Name string `xml:"Name,attr"`
				Type string `xml:"Type,attr"`
			} `xml:"Singleton"`
		} `xml:"EntityContainer"`
	} `xml:"DataServices>Schema"`
}

// model is the document as lookups: types by qualified name, navigation by type, singletons.
type model struct {
	types      map[string]string            // qualified name → "entity", "complex" or "enum"
	navigation map[string]map[string]string // entity type → navigation property → target (Collection() kept)
	base       map[string]string            // entity type → base type
	singletons map[string]string            // name → type
	aliases    map[string]string            // alias → namespace
}

func readModel(t *testing.T, doc []byte) model {
	t.Helper()
	var c csdl
	if err := xml.Unmarshal(doc, &c); err != nil || c.Version != "4.0" || len(c.Schemas) == 0 {
		t.Fatalf("the metadata is not a CSDL 4.0 document: %v", err)
	}
	m := model{types: map[string]string{}, navigation: map[string]map[string]string{}, base: map[string]string{},
		singletons: map[string]string{}, aliases: map[string]string{}}
	for _, s := range c.Schemas {
		if s.Alias != "" {
			m.aliases[s.Alias] = s.Namespace
		}
	}
	var refs []string
	for _, s := range c.Schemas {
		for _, e := range s.EntityTypes {
			name := s.Namespace + "." + e.Name
			m.types[name], m.navigation[name] = "entity", map[string]string{}
			if e.BaseType != "" {
				m.base[name] = m.qualify(e.BaseType)
				refs = append(refs, e.BaseType)
			}
			for _, p := range e.Properties {
				refs = append(refs, p.Type)
			}
			for _, n := range e.Navigation {
				if !n.ContainsTarget {
					t.Errorf("%s.%s: the API's navigation is containment", name, n.Name)
				}
				m.navigation[name][n.Name] = n.Type
				refs = append(refs, n.Type)
			}
		}
		for _, ct := range s.ComplexTypes {
			m.types[s.Namespace+"."+ct.Name] = "complex"
			for _, p := range ct.Properties {
				refs = append(refs, p.Type)
			}
		}
		for _, en := range s.EnumTypes {
			m.types[s.Namespace+"."+en.Name] = "enum"
		}
		if s.Container != nil {
			for _, sg := range s.Container.Singletons {
				m.singletons[sg.Name] = m.qualify(sg.Type)
			}
		}
	}
	for _, r := range refs {
		if name := m.qualify(strings.TrimSuffix(strings.TrimPrefix(r, "Collection("), ")")); !strings.HasPrefix(name, "Edm.") && m.types[name] == "" {
			t.Errorf("the metadata refers to the type %q, which it does not declare", r)
		}
	}
	return m
}

// qualify writes a type name with its namespace, not its alias.
func (m model) qualify(name string) string {
	if i := strings.Index(name, "."); i > 0 {
		if ns, ok := m.aliases[name[:i]]; ok {
			return ns + name[i:]
		}
	}
	return name
}

// nav finds a navigation property of an entity type or its base types.
func (m model) nav(typ, name string) (string, bool) {
	for ; typ != ""; typ = m.base[typ] {
		if target, ok := m.navigation[typ][name]; ok {
			return target, true
		}
	}
	return "", false
}

// resolve follows a context URL's fragment (after $metadata#) through the container and the
// navigation properties: a key predicate ('…') picks one entity of a collection, a $select
// list (…) may follow the last one, and $entity ends a path that names a collection.
func (m model) resolve(fragment string) error {
	segments := strings.Split(fragment, "/")
	typ, ok := m.singletons[segments[0]]
	if !ok {
		return fmt.Errorf("%q does not start at a singleton of the container", fragment)
	}
	collection := false
	rest := segments[1:]
	for i, seg := range rest {
		last := i == len(rest)-1 || i == len(rest)-2 && rest[len(rest)-1] == "$entity"
		if seg == "$entity" {
			if i != len(rest)-1 || !collection {
				return fmt.Errorf("%q: $entity must end a path that names a collection", fragment)
			}
			return nil
		}
		name, paren, hasParen := strings.Cut(seg, "(")
		target, ok := m.nav(typ, name)
		if !ok {
			return fmt.Errorf("%q: %s has no navigation property %q", fragment, typ, name)
		}
		collection = strings.HasPrefix(target, "Collection(")
		typ = m.qualify(strings.TrimSuffix(strings.TrimPrefix(target, "Collection("), ")"))
		switch {
		case !hasParen:
		case !collection || !strings.HasSuffix(paren, ")"):
			return fmt.Errorf("%q: %q puts parentheses after something that is not a collection", fragment, seg)
		case strings.HasPrefix(paren, "'"):
			collection = false // a key predicate: one entity
		case !last:
			return fmt.Errorf("%q: a $select list (%s) may only follow the last segment", fragment, paren)
		}
	}
	return nil
}

// The metadata is CSDL 4.0 whose every type reference resolves, and every @odata.context and
// @odata.type the server writes, for each of the twelve operations, resolves in it.
func TestMetadataResolvesWhatTheServerWrites(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Token: "t", EvaluationDelays: mockserver.EvaluationDelays{Running: 1, Final: 1}})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/$metadata") // no token: $metadata is public on Graph
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("GET /$metadata: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	m := readModel(t, doc)

	call := func(method, path, body string, full bool) map[string]any {
		t.Helper()
		req, _ := http.NewRequest(method, ts.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer t")
		req.Header.Set("Content-Type", "application/json")
		if full {
			req.Header.Set("Accept", "application/json;odata.metadata=full")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var obj map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&obj); err != nil || resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, err)
		}
		return obj
	}
	check := func(what string, obj map[string]any) {
		t.Helper()
		ctx, _ := obj["@odata.context"].(string)
		_, fragment, ok := strings.Cut(ctx, "$metadata#")
		if !ok {
			t.Errorf("%s: no @odata.context naming the metadata: %q", what, ctx)
		} else if err := m.resolve(fragment); err != nil {
			t.Errorf("%s: %v", what, err)
		}
		entities := []any{obj}
		if v, ok := obj["value"].([]any); ok {
			entities = v
		}
		for _, e := range entities {
			if typ, ok := e.(map[string]any)["@odata.type"].(string); ok && m.types[strings.TrimPrefix(typ, "#")] != "entity" {
				t.Errorf("%s: @odata.type %q is no entity type of the metadata", what, typ)
			}
		}
	}
	root := "/security/securityCopilot/workspaces/default"
	for _, full := range []bool{false, true} {
		s := call("POST", root+"/sessions", `{"displayName":"metadata"}`, full)
		check("create session", s)
		sid := s["id"].(string)
		p := call("POST", root+"/sessions/"+sid+"/prompts", `{"type":"prompt","content":"who am I"}`, full)
		check("create prompt", p)
		pid := p["id"].(string)
		e := call("POST", root+"/sessions/"+sid+"/prompts/"+pid+"/evaluations", `{}`, full)
		check("create evaluation", e)
		for what, path := range map[string]string{
			"list workspaces":                  "/security/securityCopilot/workspaces",
			"list plugins":                     root + "/plugins",
			"list sessions":                    root + "/sessions",
			"list sessions with $select":       root + "/sessions?$select=displayName",
			"get session":                      root + "/sessions/" + sid,
			"get session with $select":         root + "/sessions/" + sid + "?$select=displayName",
			"list prompts":                     root + "/sessions/" + sid + "/prompts",
			"get prompt":                       root + "/sessions/" + sid + "/prompts/" + pid,
			"get prompt with $select":          root + "/sessions/" + sid + "/prompts/" + pid + "?$select=content",
			"list evaluations":                 root + "/sessions/" + sid + "/prompts/" + pid + "/evaluations",
			"get evaluation":                   root + "/sessions/" + sid + "/prompts/" + pid + "/evaluations/" + e["id"].(string),
			"list evaluations with $select":    root + "/sessions/" + sid + "/prompts/" + pid + "/evaluations?$select=state",
			"list plugins with $select":        root + "/plugins?$select=displayName",
			"list workspaces with $select":     "/security/securityCopilot/workspaces?$select=id",
			"get session with $expand=prompts": root + "/sessions/" + sid + "?$expand=prompts",
		} {
			check(what, call("GET", path, "", full && !strings.Contains(path, "$select")))
		}
		check("update session", call("PATCH", root+"/sessions/"+sid, `{"displayName":"renamed"}`, full))
	}
}

// The resolver refuses what the metadata does not describe, so the test above can fail.
func TestMetadataResolverRefuses(t *testing.T) {
	m := readModel(t, mockserver.Metadata)
	for _, bad := range []string{
		"securityCopilot/workspaces",                                        // not a singleton
		"security/securityCopilot/workspaces('default')/notes",              // no such navigation
		"security/securityCopilot('x')/workspaces",                          // a key on a single entity
		"security/securityCopilot/workspaces('default')/$entity",            // $entity after one entity
		"security/securityCopilot/workspaces(id)/sessions",                  // a select list in the middle
		"security/securityCopilot/workspaces('default')/sessions/$entity/x", // past $entity
	} {
		if err := m.resolve(bad); err == nil {
			t.Errorf("%q resolved", bad)
		}
	}
}
