package mockserver

import (
	"net/http"
)

// The operations of sessions and prompts (family.go has the rest). Each validates in the same order: query options
// (400), resource existence (404), then for writes the body (415, 413,
// 400), and only then changes the store.

func jsonResponse(status int, body *jsonObject) *response {
	return &response{status: status, body: body, header: http.Header{}}
}

// 1. GET .../sessions
func (s *Server) listSessions(rc *reqCtx, rt route) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsListSessions, sessionSchema)
	if err != nil {
		return nil, err
	}
	ws, err := s.store.workspaceID(rt.workspace)
	if err != nil {
		return nil, err
	}
	pr, err := s.pageRequestOf(q, listSessions, ws)
	if err != nil {
		return nil, err
	}
	page, res, ws, err := s.store.listSessions(ws, pr, q.expand)
	if err != nil {
		return nil, err
	}
	items := make([]any, len(page))
	for i, v := range page {
		items[i] = fillSession(rc, newObject(), ws, v, q.sel, q.expand)
	}
	return s.collectionResponse(rc, q, sessionsPath(ws), listSessions, ws, res, items), nil
}

// 2. POST .../sessions
func (s *Server) createSession(rc *reqCtx, rt route) (*response, error) {
	if _, err := parseQuery(rc.r.URL.RawQuery, optsNone, sessionSchema); err != nil {
		return nil, err
	}
	if _, err := s.store.workspaceID(rt.workspace); err != nil {
		return nil, err
	}
	o, err := s.readJSONObject(rc.r)
	if err != nil {
		return nil, err
	}
	in, err := parseSessionBody(o, true)
	if err != nil {
		return nil, err
	}
	v, ws, err := s.store.createSession(rt.workspace, in.displayName, normalizeTime(rc.now))
	if err != nil {
		return nil, err
	}
	body := fillSession(rc, newTopObject(rc, entityContext(rc, sessionsPath(ws), nil)), ws, v, nil, false)
	resp := jsonResponse(http.StatusCreated, body)
	resp.header.Set("Location", rc.root+"/"+sessionPath(ws, v.id))
	return resp, nil
}

// 3. GET .../sessions/{id}
func (s *Server) getSession(rc *reqCtx, rt route) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsGetSession, sessionSchema)
	if err != nil {
		return nil, err
	}
	v, ws, err := s.store.getSession(rt.workspace, rt.session, q.expand)
	if err != nil {
		return nil, err
	}
	body := fillSession(rc, newTopObject(rc, entityContext(rc, sessionsPath(ws), q.sel)), ws, v, q.sel, q.expand)
	return jsonResponse(http.StatusOK, body), nil
}

// 4. PATCH .../sessions/{id}
func (s *Server) updateSession(rc *reqCtx, rt route) (*response, error) {
	o, err := s.writeToSession(rc, rt, sessionSchema)
	if err != nil {
		return nil, err
	}
	in, err := parseSessionBody(o, false)
	if err != nil {
		return nil, err
	}
	v, ws, err := s.store.updateSession(rt.workspace, rt.session, in.setName, in.displayName, normalizeTime(rc.now))
	if err != nil {
		return nil, err
	}
	body := fillSession(rc, newTopObject(rc, entityContext(rc, sessionsPath(ws), nil)), ws, v, nil, false)
	return jsonResponse(http.StatusOK, body), nil
}

// 5. GET .../sessions/{id}/prompts
func (s *Server) listPrompts(rc *reqCtx, rt route) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsListPrompts, promptSchema)
	if err != nil {
		return nil, err
	}
	sv, _, err := s.store.getSession(rt.workspace, rt.session, false)
	if err != nil {
		return nil, err
	}
	pr, err := s.pageRequestOf(q, listPrompts, sv.id)
	if err != nil {
		return nil, err
	}
	page, res, ws, sid, err := s.store.listPrompts(rt.workspace, rt.session, pr)
	if err != nil {
		return nil, err
	}
	items := make([]any, len(page))
	for i, p := range page {
		items[i] = fillPrompt(rc, newObject(), ws, sid, p, q.sel)
	}
	return s.collectionResponse(rc, q, promptsPath(ws, sid), listPrompts, sid, res, items), nil
}

// 6. POST .../sessions/{id}/prompts
func (s *Server) createPrompt(rc *reqCtx, rt route) (*response, error) {
	o, err := s.writeToSession(rc, rt, promptSchema)
	if err != nil {
		return nil, err
	}
	in, err := parsePromptBody(o)
	if err != nil {
		return nil, err
	}
	p, ws, sid, err := s.store.createPrompt(rt.workspace, rt.session, in, normalizeTime(rc.now))
	if err != nil {
		return nil, err
	}
	body := fillPrompt(rc, newTopObject(rc, entityContext(rc, promptsPath(ws, sid), nil)), ws, sid, p, nil)
	resp := jsonResponse(http.StatusCreated, body)
	resp.header.Set("Location", rc.root+"/"+promptsPath(ws, sid)+"('"+keyLiteral(p.id)+"')")
	return resp, nil
}

// 7. GET .../sessions/{id}/prompts/{promptId}
func (s *Server) getPrompt(rc *reqCtx, rt route) (*response, error) {
	q, err := parseQuery(rc.r.URL.RawQuery, optsGetPrompt, promptSchema)
	if err != nil {
		return nil, err
	}
	p, ws, sid, err := s.store.getPrompt(rt.workspace, rt.session, rt.prompt)
	if err != nil {
		return nil, err
	}
	body := fillPrompt(rc, newTopObject(rc, entityContext(rc, promptsPath(ws, sid), q.sel)), ws, sid, p, q.sel)
	return jsonResponse(http.StatusOK, body), nil
}

// writeToSession checks a write aimed at an existing session (update session, create prompt):
// no query options, the session exists, then the JSON body, which it returns.
func (s *Server) writeToSession(rc *reqCtx, rt route, es *entitySchema) (*jsonObject, error) {
	if _, err := parseQuery(rc.r.URL.RawQuery, optsNone, es); err != nil {
		return nil, err
	}
	if _, _, err := s.store.getSession(rt.workspace, rt.session, false); err != nil {
		return nil, err
	}
	return s.readJSONObject(rc.r)
}
