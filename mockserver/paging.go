package mockserver

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
)

// A $skiptoken is opaque to clients. It is base64url (no padding) of
//
//	v1|<server nonce>|<list kind>|<seq of the last item returned>|<scope>
//
// where scope is the lower-cased workspace id (sessions) or the session id
// (prompts). Because it records a position in creation order rather than an
// offset, pages stay consistent while items are inserted concurrently:
// following next links visits every item exactly once. A token minted by
// another server instance, for another list, or that does not decode is
// rejected with 400.

const skipTokenVersion = "v1"

type listKind string

const (
	listSessions listKind = "s"
	listPrompts  listKind = "p"
)

func (s *Server) encodeSkipToken(kind listKind, scope string, seq uint64) string {
	raw := strings.Join([]string{skipTokenVersion, s.nonce, string(kind), strconv.FormatUint(seq, 10), strings.ToLower(scope)}, "|")
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

func (s *Server) decodeSkipToken(token string, kind listKind, scope string) (uint64, error) {
	invalid := badRequest("Invalid $skiptoken '%s': it was not issued for this list by this server.", token)
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return 0, invalid
	}
	parts := strings.SplitN(string(raw), "|", 5)
	if len(parts) != 5 || parts[0] != skipTokenVersion || parts[1] != s.nonce ||
		parts[2] != string(kind) || parts[4] != strings.ToLower(scope) {
		return 0, invalid
	}
	seq, err := strconv.ParseUint(parts[3], 10, 64)
	if err != nil || seq == 0 {
		return 0, invalid
	}
	return seq, nil
}

// nextLink builds the absolute URL of the next page: same root and path,
// the other query options kept, a new $skiptoken.
func nextLink(rc *reqCtx, q *queryOptions, token string) string {
	return rc.root + rc.r.URL.EscapedPath() + "?" + q.nextLinkQuery(token)
}

// pageRequestOf turns the query options of a list request into the store's page request; the
// skiptoken must belong to the list of kind in scope.
func (s *Server) pageRequestOf(q *queryOptions, kind listKind, scope string) (pageRequest, error) {
	pr := pageRequest{top: q.top, count: q.count}
	if q.filter != nil {
		pr.match = q.filter.eval
	}
	if q.hasSkip {
		after, err := s.decodeSkipToken(q.skipToken, kind, scope)
		if err != nil {
			return pr, err
		}
		pr.after, pr.hasCursor = after, true
	}
	return pr, nil
}

// collectionResponse renders one page of a collection: context, count, items, next link.
func (s *Server) collectionResponse(rc *reqCtx, q *queryOptions, path string, kind listKind, scope string, res pageResult, items []any) *response {
	body := newTopObject(rc, collectionContext(rc, path, q.sel))
	if q.count {
		body.Set("@odata.count", countValue(rc, res.total))
	}
	body.Set("value", items)
	if res.more {
		body.Set("@odata.nextLink", nextLink(rc, q, s.encodeSkipToken(kind, scope, res.last)))
	}
	return jsonResponse(http.StatusOK, body)
}
