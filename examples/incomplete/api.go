// Package incomplete is a deliberately incomplete Security Copilot sessions API: it lists and
// creates sessions, forgets lastModifiedDateTime, and has no get, update or prompts. Its test
// runs the copilotconf suite against it in-process, to show what a Go implementation's own
// `go test` reports.
package incomplete

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"
)

const sessions = "/security/securityCopilot/workspaces/default/sessions"

type session struct {
	ID              string  `json:"id"`
	DisplayName     *string `json:"displayName"`
	CreatedDateTime string  `json:"createdDateTime"`
}

// API is the handler.
type API struct {
	Token string
	mu    sync.Mutex
	list  []session
}

func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Header.Get("Authorization") != "Bearer "+a.Token {
		writeError(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token is missing or invalid.")
		return
	}
	switch {
	case r.URL.Path == sessions && r.Method == http.MethodGet:
		a.mu.Lock()
		list := append([]session{}, a.list...)
		a.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"@odata.context": "https://example.com/beta/$metadata#security/securityCopilot/workspaces('default')/sessions",
			"value":          list,
		})
	case r.URL.Path == sessions && r.Method == http.MethodPost:
		var body struct {
			DisplayName *string `json:"displayName"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			writeError(w, http.StatusBadRequest, "badRequest", "The request body is not valid JSON.")
			return
		}
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		s := session{ID: fmt.Sprintf("%x-%x-%x-%x-%x", b[:4], b[4:6], b[6:8], b[8:10], b[10:]), DisplayName: body.DisplayName,
			CreatedDateTime: time.Now().UTC().Format("2006-01-02T15:04:05.0000000Z")}
		a.mu.Lock()
		a.list = append(a.list, s)
		a.mu.Unlock()
		writeJSON(w, http.StatusCreated, s)
	default:
		writeError(w, http.StatusNotFound, "notFound", "Not implemented here.")
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{"code": code, "message": message}})
}
