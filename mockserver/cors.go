package mockserver

import (
	"net/http"
	"slices"
	"strings"
)

// corsPolicy lets browser clients on other origins call the server: it answers preflight
// requests and adds the CORS headers to every answer for an allowed origin.
type corsPolicy struct {
	origins []string // "*" allows any
}

// exposedHeaders are the answer headers a browser client may read besides the simple ones.
const exposedHeaders = "request-id, client-request-id, Location, Retry-After, OData-Version"

func (p *corsPolicy) allows(origin string) bool {
	return slices.Contains(p.origins, "*") || slices.Contains(p.origins, origin)
}

// handle adds the CORS headers for an allowed origin, and answers a preflight request
// itself (true: answered).
func (p *corsPolicy) handle(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || !p.allows(origin) {
		return false
	}
	h := w.Header()
	if slices.Contains(p.origins, "*") {
		h.Set("Access-Control-Allow-Origin", "*")
	} else {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Add("Vary", "Origin")
	}
	h.Set("Access-Control-Expose-Headers", exposedHeaders)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, PATCH, OPTIONS")
	allowed := "Authorization, Content-Type, Accept, client-request-id"
	if asked := r.Header.Get("Access-Control-Request-Headers"); asked != "" {
		allowed = asked
	}
	h.Set("Access-Control-Allow-Headers", allowed)
	h.Set("Access-Control-Max-Age", "600")
	h.Add("Vary", "Access-Control-Request-Method, Access-Control-Request-Headers")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// newCORSPolicy reads the allowed origins; nil when there are none.
func newCORSPolicy(origins []string) *corsPolicy {
	var out []string
	for _, o := range origins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return &corsPolicy{origins: out}
}
