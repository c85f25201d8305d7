package suites

import (
	"github.com/copilotconf/copilotconf/api"
	. "github.com/onsi/ginkgo/v2"
	"net/http"
	"sync"
	"time"

	"github.com/copilotconf/copilotconf/internal/httpclient"
)

// sharedCache memoises the objects specs share. Each is created once, by whichever spec needs
// it first, and never modified afterwards, so specs stay independent of order.
type sharedCache struct {
	mu    sync.Mutex
	items map[string]*sharedEntry
}

type sharedEntry struct {
	once  sync.Once
	value any
}

// shared returns the shared object under key, building it on first use. Builds of different keys may
// nest (a read-only run looks at prompts while it picks sessions).
func shared[F any](t *T, key string, build func(t *T) F) F {
	GinkgoHelper()
	c := &env().objects
	c.mu.Lock()
	if c.items == nil {
		c.items = map[string]*sharedEntry{}
	}
	e, ok := c.items[key]
	if !ok {
		e = &sharedEntry{}
		c.items[key] = e
	}
	c.mu.Unlock()
	e.once.Do(func() {
		if l := env().link; l != nil {
			e.value = sharedAcrossWorkers(t, l, key, build)
			return
		}
		e.value = build(t)
	})
	return e.value.(F)
}

// createdEntity is a shared object: the outcome of one create request, or in a read-only run
// an object that already existed (then Exchange is the request that found it).
type createdEntity struct {
	Exchange *httpclient.Exchange
	Body     map[string]any // nil when the response was not a JSON object
	ID       string
	Existing bool
	Op       string // the operation's label: "create session"
	Spec     string // the spec during which the create request ran
}

func (c createdEntity) ok() bool {
	GinkgoHelper()
	if c.Existing {
		return c.ID != ""
	}
	return c.Exchange != nil && c.Exchange.Status == http.StatusCreated && c.ID != ""
}

func (c createdEntity) window() window { return windowOf(c.Exchange) }

func create(t *T, label, path string, body any) createdEntity {
	GinkgoHelper()
	ex := env().do(t.ctx, jsonRequest(label, http.MethodPost, path, mustJSON(body)))
	op := "create"
	if o, _, ok := api.Match(http.MethodPost, path); ok {
		op = o.Label()
	}
	c := createdEntity{Exchange: ex, Op: op, Spec: t.spec.ID}
	if v, err := decodeJSON(ex.ResponseBody); err == nil {
		c.Body, _ = v.(map[string]any)
		c.ID, _ = c.Body["id"].(string)
	}
	return c
}

// requireCreated ends a spec whose precondition (a shared object) could not be had: a failure
// when the run could not create it, a skip when a read-only run found none.
func requireCreated(t *T, what string, c createdEntity) {
	GinkgoHelper()
	if c.Exchange != nil {
		t.Uses(c.Exchange)
	}
	switch {
	case c.ok():
	case env().cfg.ReadOnly:
		t.Skipf("read-only mode: the target has no existing object to use as %s", what)
	default:
		t.block(what, c)
	}
}

// namedSession is a session the run created, with the name it asked for.
type namedSession struct {
	createdEntity
	Name string
}

// documentedSession is created from the documented request body (with @odata.type) and a
// display name with non-ASCII text. It gets two prompts (promptsOfDocumentedSession).
func documentedSession(t *T) namedSession {
	GinkgoHelper()
	if env().cfg.ReadOnly {
		return existingSessions(t).WithPrompts
	}
	return shared(t, "session-documented", func(t *T) namedSession {
		name := runName("documented session · Sitzung Ünïcødé 会话 🛡️")
		body := map[string]any{"@odata.type": sessionType, "displayName": name}
		return namedSession{create(t, "create session (documented body)", sessionsPath(), body), name}
	})
}

// plainSession is created with only a displayName and never gets a prompt.
func plainSession(t *T) namedSession {
	GinkgoHelper()
	if env().cfg.ReadOnly {
		return existingSessions(t).Other
	}
	return shared(t, "session-plain", func(t *T) namedSession {
		name := plainSessionName()
		return namedSession{create(t, "create session", sessionsPath(), map[string]any{"displayName": name}), name}
	})
}

func plainSessionName() string { return runName("plain session") }

// mustSessions returns the given shared sessions or ends the spec when one is missing.
func mustSessions(t *T, fns ...func(*T) namedSession) []namedSession {
	GinkgoHelper()
	out := make([]namedSession, 0, len(fns))
	for _, fn := range fns {
		s := fn(t)
		requireCreated(t, "a shared session", s.createdEntity)
		out = append(out, s)
	}
	return out
}

// promptPair is the two prompts created in the documented session (in a read-only run, the
// first two prompts of an existing session).
type promptPair struct {
	Session namedSession
	First   createdEntity // created from the documented request body
	Second  createdEntity
	Content [2]string
}

// ids returns the ids of the prompts the pair holds.
func (p promptPair) ids() []string {
	GinkgoHelper()
	var out []string
	for _, c := range []createdEntity{p.First, p.Second} {
		if c.ok() {
			out = append(out, c.ID)
		}
	}
	return out
}

func promptsOfDocumentedSession(t *T) promptPair {
	GinkgoHelper()
	s := mustSessions(t, documentedSession)[0]
	if env().cfg.ReadOnly {
		return existingPrompts(t, s)
	}
	p := shared(t, "prompts-documented", func(t *T) promptPair {
		first := runName("who am I")
		second := runName("second prompt ✓")
		return promptPair{
			Session: s,
			First: create(t, "create prompt (documented body)", promptsPath(s.ID),
				map[string]any{"@odata.type": promptType, "type": "prompt", "content": first}),
			Second:  create(t, "create prompt", promptsPath(s.ID), map[string]any{"type": "prompt", "content": second}),
			Content: [2]string{first, second},
		}
	})
	return p
}

// mustPrompts returns the shared prompts, ending the spec when there is not even one.
func mustPrompts(t *T) promptPair {
	GinkgoHelper()
	p := promptsOfDocumentedSession(t)
	requireCreated(t, "the first shared prompt", p.First)
	if !env().cfg.ReadOnly {
		requireCreated(t, "the second shared prompt", p.Second)
	}
	return p
}

// mustTwoPrompts is mustPrompts for specs that need two prompts in one session.
func mustTwoPrompts(t *T) promptPair {
	GinkgoHelper()
	p := mustPrompts(t)
	requireCreated(t, "a second prompt in the same session", p.Second)
	return p
}

// updateFlow is one session taken through GET, PATCH and GET again.
type updateFlow struct {
	Created  createdEntity
	Before   *httpclient.Exchange
	Patch    *httpclient.Exchange
	After    *httpclient.Exchange
	NewName  string
	PatchAt  window
	Patched  map[string]any
	AfterObj map[string]any
}

func (u updateFlow) exchanges() []*httpclient.Exchange {
	GinkgoHelper()
	return []*httpclient.Exchange{u.Created.Exchange, u.Before, u.Patch, u.After}
}

func updatedSession(t *T) updateFlow {
	GinkgoHelper()
	u := shared(t, "session-updated", func(t *T) updateFlow {
		var u updateFlow
		u.Created = create(t, "create session to update", sessionsPath(), map[string]any{"displayName": runName("session to update")})
		if !u.Created.ok() {
			return u
		}
		u.Before = env().do(t.ctx, getRequest("get session before the update", sessionPath(u.Created.ID), nil))
		// Let the clock move so that a later lastModifiedDateTime is observable at any precision.
		time.Sleep(20 * time.Millisecond)
		u.NewName = runName("updated session ✎")
		u.Patch = env().do(t.ctx, jsonRequest("update session", http.MethodPatch, sessionPath(u.Created.ID),
			mustJSON(map[string]any{"@odata.type": sessionType, "displayName": u.NewName})))
		u.PatchAt = windowOf(u.Patch)
		if v, err := decodeJSON(u.Patch.ResponseBody); err == nil {
			u.Patched, _ = v.(map[string]any)
		}
		u.After = env().do(t.ctx, getRequest("get session after the update", sessionPath(u.Created.ID), nil))
		if v, err := decodeJSON(u.After.ResponseBody); err == nil {
			u.AfterObj, _ = v.(map[string]any)
		}
		return u
	})
	requireCreated(t, "the session to update", u.Created)
	t.Uses(u.exchanges()...)
	return u
}

// disposableSession is created for specs that send requests which could change or remove a
// session on a non-conformant target (DELETE, read-only properties), or add prompts to it (bad
// prompt bodies): no spec counts its prompts, so what such a target does to it cannot change
// another spec's verdict, in any order. It is created from the same body as the plain session,
// so that the two show whether ids depend on the request.
func disposableSession(t *T) createdEntity {
	GinkgoHelper()
	c := shared(t, "session-disposable", func(t *T) createdEntity {
		return create(t, "create disposable session (the plain session's body again)", sessionsPath(), map[string]any{"displayName": plainSessionName()})
	})
	requireCreated(t, "a disposable session", c)
	return c
}

// existing is what a read-only run found on the target.
type existing struct {
	WithPrompts namedSession // --session-id, or the first listed session with the most prompts (up to 2)
	Other       namedSession // another listed session
}

// maxSessionProbes bounds how many listed sessions a read-only run asks for their prompts.
const maxSessionProbes = 10

// maxWorkspaceProbes bounds how many listed workspaces a spec lists the plugins of.
const maxWorkspaceProbes = 5

// existingSessions picks the sessions a read-only run reads, once.
func existingSessions(t *T) existing {
	GinkgoHelper()
	return shared(t, "existing-sessions", func(t *T) existing {
		var found existing
		list := env().do(t.ctx, getRequest("list existing sessions", sessionsPath(), nil))
		var items []map[string]any
		if v, err := decodeJSON(list.ResponseBody); err == nil && list.Status == http.StatusOK {
			obj, _ := v.(map[string]any)
			for _, it := range asArray(obj["value"]) {
				if m, ok := it.(map[string]any); ok {
					items = append(items, m)
				}
			}
		}
		asSession := func(ex *httpclient.Exchange, item map[string]any) namedSession {
			id, _ := item["id"].(string)
			name, _ := item["displayName"].(string)
			return namedSession{createdEntity{Exchange: ex, Body: item, ID: id, Existing: true}, name}
		}
		if id := env().cfg.SessionID; id != "" {
			get := env().do(t.ctx, getRequest("get the session named by --session-id", sessionPath(id), nil))
			v, _ := decodeJSON(get.ResponseBody)
			obj, _ := v.(map[string]any)
			if get.Status == http.StatusOK && obj != nil {
				found.WithPrompts = asSession(get, obj)
			} else {
				found.WithPrompts = namedSession{createdEntity: createdEntity{Exchange: get, Existing: true}}
			}
		} else {
			best := -1
			for i, item := range items {
				if i >= maxSessionProbes || best >= 2 {
					break
				}
				s := asSession(list, item)
				n := len(existingPrompts(t, s).ids())
				if n > best {
					best, found.WithPrompts = n, s
				}
			}
			if best < 0 {
				found.WithPrompts = namedSession{createdEntity: createdEntity{Exchange: list, Existing: true}}
			}
		}
		found.Other = namedSession{createdEntity: createdEntity{Exchange: list, Existing: true}}
		for _, item := range items {
			if s := asSession(list, item); s.ID != "" && s.ID != found.WithPrompts.ID {
				found.Other = s
				break
			}
		}
		return found
	})
}

// existingPrompts returns the first two prompts of an existing session, once per session.
func existingPrompts(t *T, s namedSession) promptPair {
	GinkgoHelper()
	return shared(t, "existing-prompts-"+s.ID, func(t *T) promptPair {
		p := promptPair{Session: s,
			First: createdEntity{Existing: true}, Second: createdEntity{Existing: true}}
		if s.ID == "" {
			return p
		}
		ex := env().do(t.ctx, getRequest("list the prompts of an existing session", promptsPath(s.ID), query("$top", "2")))
		p.First.Exchange, p.Second.Exchange = ex, ex
		v, _ := decodeJSON(ex.ResponseBody)
		obj, _ := v.(map[string]any)
		for i, it := range asArray(obj["value"]) {
			item, ok := it.(map[string]any)
			if !ok || i > 1 {
				continue
			}
			c := createdEntity{Exchange: ex, Body: item, Existing: true}
			c.ID, _ = item["id"].(string)
			p.Content[i], _ = item["content"].(string)
			if i == 0 {
				p.First = c
			} else {
				p.Second = c
			}
		}
		return p
	})
}

func asArray(v any) []any {
	GinkgoHelper()
	a, _ := v.([]any)
	return a
}
