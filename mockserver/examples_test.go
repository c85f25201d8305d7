package mockserver

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// The documented request bodies (Microsoft Graph beta docs), verbatim; the
// create-prompt body without the trailing comma the page prints.
const (
	docCreateSession = `{
  "@odata.type": "#microsoft.graph.security.securityCopilot.session",
  "displayName": "Who am I"
}`
	docUpdateSession = `{
  "@odata.type": "#microsoft.graph.security.securityCopilot.session",
  "displayName": "API Test: Who am I?"
}`
	docCreatePrompt = `{
  "@odata.type": "#microsoft.graph.security.securityCopilot.prompt",
  "type": "prompt",
  "content": "who am I"
}`
)

// TestDocumentedExamples replays the documented requests and checks that
// each response has the same members, in the same order, as the
// documented response (instance annotations such as @microsoft.graph.tips
// aside). When the repository's fixtures are present they are compared
// too, so a drift in either shows up here.
func TestDocumentedExamples(t *testing.T) {
	h := newHarness(t, Options{})
	cs := h.do(http.MethodPost, sessionsPth, docCreateSession)
	mustStatus(t, cs, http.StatusCreated)
	sid := str(t, cs.body, "id")
	us := h.do(http.MethodPatch, sessionsPth+"/"+sid, docUpdateSession)
	mustStatus(t, us, http.StatusOK)
	gs := h.do(http.MethodGet, sessionsPth+"/"+sid, "")
	cp := h.do(http.MethodPost, sessionsPth+"/"+sid+"/prompts", docCreatePrompt)
	mustStatus(t, cp, http.StatusCreated)
	pid := str(t, cp.body, "id")
	gp := h.do(http.MethodGet, sessionsPth+"/"+sid+"/prompts/"+pid, "")
	lp := h.do(http.MethodGet, sessionsPth+"/"+sid+"/prompts", "")
	ls := h.do(http.MethodGet, sessionsPth, "")

	ours := map[string]*jsonObject{
		"create-session.response.json": cs.body,
		"update-session.response.json": us.body,
		"get-session.response.json":    gs.body,
		"create-prompt.response.json":  cp.body,
		"get-prompt.response.json":     gp.body,
		"list-prompts.response.json":   lp.body,
		"list-sessions.response.json":  ls.body,
	}
	// Member order as documented.
	documented := map[string][]string{
		"create-session.response.json": sessionKeys,
		"update-session.response.json": sessionKeys,
		"get-session.response.json":    sessionKeys,
		"create-prompt.response.json":  promptKeys,
		"get-prompt.response.json":     promptKeys,
		"list-prompts.response.json":   {"@odata.context", "value"},
		"list-sessions.response.json":  {"@odata.context", "value"},
	}
	for name, want := range documented {
		keysEqual(t, name, ours[name], want)
	}
	keysEqual(t, "list-prompts item", values(t, lp)[0], promptFields)
	keysEqual(t, "list-sessions item", values(t, ls)[0], sessionKeys[1:])

	dir := filepath.Join("..", "fixtures", "examples")
	if _, err := os.Stat(dir); err != nil {
		t.Logf("fixtures not found at %s; compared with the embedded member lists only", dir)
		return
	}
	for name, o := range ours {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("fixture %s: %v", name, err)
			continue
		}
		doc, err := parseJSONObject(data)
		if err != nil {
			t.Errorf("fixture %s: %v", name, err)
			continue
		}
		compareShape(t, name, doc, o)
	}
	for name, body := range map[string]string{
		"create-session.request.json": docCreateSession,
		"update-session.request.json": docUpdateSession,
		"create-prompt.request.json":  docCreatePrompt,
	} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("fixture %s: %v", name, err)
			continue
		}
		a, err1 := parseJSONObject(data)
		b, err2 := parseJSONObject([]byte(body))
		if err1 != nil || err2 != nil || canon(t, a) != canon(t, b) {
			t.Errorf("fixture %s differs from the embedded documented body", name)
		}
	}
}

// compareShape checks member names and order recursively (values differ:
// ids and times are generated).
func compareShape(t *testing.T, name string, doc, ours *jsonObject) {
	t.Helper()
	var docKeys []string
	for _, k := range doc.Keys() {
		if k != "@microsoft.graph.tips" {
			docKeys = append(docKeys, k)
		}
	}
	if !slices.Equal(docKeys, ours.Keys()) {
		t.Errorf("%s: members %v, documented %v", name, ours.Keys(), docKeys)
		return
	}
	for _, k := range docKeys {
		dv, _ := doc.Get(k)
		ov, _ := ours.Get(k)
		switch d := dv.(type) {
		case *jsonObject:
			if o, ok := ov.(*jsonObject); ok {
				compareShape(t, name+"."+k, d, o)
			} else {
				t.Errorf("%s.%s: not an object", name, k)
			}
		case []any:
			o, ok := ov.([]any)
			if !ok {
				t.Errorf("%s.%s: not an array", name, k)
				continue
			}
			if len(d) > 0 && len(o) > 0 {
				if dobj, ok := d[0].(*jsonObject); ok {
					if oobj, ok := o[0].(*jsonObject); ok {
						compareShape(t, name+"."+k+"[0]", dobj, oobj)
					}
				}
			}
		}
	}
}
