package mockserver

import (
	_ "embed" // the CSDL document
	"net/http"
)

// Metadata is the CSDL XML document the server answers at /$metadata: the entity types,
// complex types, enumerations and containment it implements, in Microsoft Graph's namespaces
// (microsoft.graph for the security singleton, microsoft.graph.security.securityCopilot for
// the rest). Every @odata.context the server writes resolves against it.
//
//go:embed metadata.xml
var Metadata []byte

// serveMetadata answers GET /$metadata, as Graph does, without a token.
func (s *Server) serveMetadata(w http.ResponseWriter, r *http.Request) bool {
	if r.URL.Path != "/$metadata" || (r.Method != http.MethodGet && r.Method != http.MethodHead) {
		return false
	}
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("OData-Version", "4.0")
	w.Header().Set("request-id", newUUID())
	if r.Method == http.MethodGet {
		_, _ = w.Write(Metadata)
	}
	return true
}
