package suites

import (
	"net/http"
	"sync"
	"time"

	"github.com/copilotconf/copilotconf/internal/httpclient"
)

// fixtureCache memoises the objects specs share. Each is created once, by whichever spec needs
// it first, and never modified afterwards, so specs stay independent of order.
type fixtureCache struct {
	mu    sync.Mutex
	items map[string]any
}

// shared returns the fixture under key, building it on first use.
func shared[F any](t *T, key string, build func(t *T) F) F {
	c := &env().fixtures
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[string]any{}
	}
	if f, ok := c.items[key]; ok {
		return f.(F)
	}
	f := build(t)
	c.items[key] = f
	return f
}

// createdEntity is the outcome of one create request.
type createdEntity struct {
	Exchange *httpclient.Exchange
	Body     map[string]any // nil when the response was not a JSON object
	ID       string
}

func (c createdEntity) ok() bool { return c.Exchange.Status == http.StatusCreated && c.ID != "" }

func (c createdEntity) window() window { return windowOf(c.Exchange) }

func create(t *T, label, path string, body any) createdEntity {
	ex := env().do(t.ctx, jsonRequest(label, http.MethodPost, path, mustJSON(body)))
	c := createdEntity{Exchange: ex}
	if v, err := decodeJSON(ex.ResponseBody); err == nil {
		c.Body, _ = v.(map[string]any)
		c.ID, _ = c.Body["id"].(string)
	}
	return c
}

// requireCreated ends a spec whose precondition (a shared object) could not be created.
func requireCreated(t *T, what string, c createdEntity) {
	t.Uses(c.Exchange)
	if !c.ok() {
		t.Fatalf("precondition failed: could not create %s (expected 201 Created with an id, got %s)", what, describeStatus(c.Exchange))
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
	return shared(t, "session-documented", func(t *T) namedSession {
		name := runName("documented session · Sitzung Ünïcødé 会话 🛡️")
		body := map[string]any{"@odata.type": sessionType, "displayName": name}
		return namedSession{create(t, "create session (documented body)", sessionsPath(), body), name}
	})
}

// plainSession is created with only a displayName and never gets a prompt.
func plainSession(t *T) namedSession {
	return shared(t, "session-plain", func(t *T) namedSession {
		name := runName("plain session")
		return namedSession{create(t, "create session", sessionsPath(), map[string]any{"displayName": name}), name}
	})
}

// mustSessions returns the given shared sessions or ends the spec when one is missing.
func mustSessions(t *T, fns ...func(*T) namedSession) []namedSession {
	out := make([]namedSession, 0, len(fns))
	for _, fn := range fns {
		s := fn(t)
		requireCreated(t, "a shared session", s.createdEntity)
		out = append(out, s)
	}
	return out
}

// promptPair is the two prompts created in the documented session.
type promptPair struct {
	Session namedSession
	First   createdEntity // created from the documented request body
	Second  createdEntity
	Content [2]string
}

func promptsOfDocumentedSession(t *T) promptPair {
	s := mustSessions(t, documentedSession)[0]
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

func mustPrompts(t *T) promptPair {
	p := promptsOfDocumentedSession(t)
	requireCreated(t, "the first shared prompt", p.First)
	requireCreated(t, "the second shared prompt", p.Second)
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
	return []*httpclient.Exchange{u.Created.Exchange, u.Before, u.Patch, u.After}
}

func updatedSession(t *T) updateFlow {
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
// session on a non-conformant target (DELETE, read-only properties).
func disposableSession(t *T) createdEntity {
	c := shared(t, "session-disposable", func(t *T) createdEntity {
		return create(t, "create disposable session", sessionsPath(), map[string]any{"displayName": runName("disposable session")})
	})
	requireCreated(t, "a disposable session", c)
	return c
}
