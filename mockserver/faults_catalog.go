package mockserver

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/copilotconf/copilotconf/api"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

func specs(ids ...string) []string { return ids }

// authSpecs lists the authentication spec of every documented operation.
func authSpecs() []string { return authSpecsOf("") }

// authSpecsOf lists the authentication specs of the operations of one method ("": all).
func authSpecsOf(method string) []string {
	var out []string
	for _, op := range api.Operations() {
		if method == "" || op.Method == method {
			out = append(out, op.AuthSpecID())
		}
	}
	return out
}

var (
	listOps       = []string{opListSessions, opListPrompts}
	entityOps     = []string{opListSessions, opCreateSession, opGetSession, opUpdateSession, opListPrompts, opCreatePrompt, opGetPrompt}
	sessionOneOps = []string{opCreateSession, opGetSession, opUpdateSession}
	promptOps     = []string{opListPrompts, opCreatePrompt, opGetPrompt}
	allAuthSpecs  = authSpecs()
)

const wireTime = api.TimestampLayout

// timestamps applies fn to every createdDateTime and lastModifiedDateTime of the response.
func (x *faultResponse) timestamps(fn func(name string, t time.Time, entity map[string]any) any) {
	for _, e := range x.entities() {
		for _, name := range []string{"createdDateTime", "lastModifiedDateTime"} {
			if s, ok := e[name].(string); ok {
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
					e[name] = fn(name, t, e)
				}
			}
		}
	}
}

func shift(d time.Duration) func(string, time.Time, map[string]any) any {
	return func(_ string, t time.Time, _ map[string]any) any { return t.Add(d).UTC().Format(wireTime) }
}

// selectedIncludesID reports whether the request's $select names id.
func (x *faultRequest) selectedIncludesID() (selected, hasID bool) {
	v, ok := x.query("select")
	if !ok {
		return false, false
	}
	for _, p := range strings.Split(v, ",") {
		if strings.EqualFold(strings.TrimSpace(p), "id") || strings.TrimSpace(p) == "*" {
			return true, true
		}
	}
	return true, false
}

var promptKey = regexp.MustCompile(`sessions\('[^']*'\)/prompts`)

// faultCatalog is every fault: those of sessions and prompts, then those of the rest of the
// family (familyFaults).
var faultCatalog = slices.Concat(sessionFaults, familyFaults)

var sessionFaults = []faultDef{
	// --- status codes and the collection envelope ---
	{Fault: Fault{"list-sessions-status-202", "List sessions answers 202 Accepted instead of 200 OK", specs("SESS-LIST-01")},
		after: func(x *faultResponse) {
			if x.is(opListSessions) && x.status == http.StatusOK {
				x.status = http.StatusAccepted
			}
		}},
	{Fault: Fault{"collection-items-renamed", "Collections carry their items in \"items\" instead of \"value\"", specs("SESS-LIST-01", "SESS-LIST-02", "PROMPT-LIST-01")},
		after: func(x *faultResponse) {
			if x.is(listOps...) && x.ok() {
				x.body["items"] = x.body["value"]
				delete(x.body, "value")
			}
		}},
	{Fault: Fault{"list-timestamps-epoch", "Listed sessions give createdDateTime as epoch milliseconds", specs("SESS-LIST-02")},
		after: func(x *faultResponse) {
			if x.is(opListSessions) && x.ok() {
				x.timestamps(func(name string, t time.Time, _ map[string]any) any {
					if name == "createdDateTime" {
						return json.Number(strconv.FormatInt(t.UnixMilli(), 10))
					}
					return t.UTC().Format(wireTime)
				})
			}
		}},
	{Fault: Fault{"list-hides-recent", "List sessions leaves out sessions created in the last minute (replication lag)", specs("SESS-LIST-03")},
		after: func(x *faultResponse) {
			if !x.is(opListSessions) || !x.ok() {
				return
			}
			var kept []any
			for _, it := range x.items() {
				obj, _ := it.(map[string]any)
				s, _ := obj["createdDateTime"].(string)
				if t, err := time.Parse(time.RFC3339Nano, s); err == nil && time.Since(t) < time.Minute {
					continue
				}
				kept = append(kept, it)
			}
			x.body["value"] = append([]any{}, kept...)
		}},

	// --- @odata.context ---
	{Fault: Fault{"sessions-context-unkeyed", "The sessions collection's @odata.context leaves out the workspace (…#sessions)", specs("SESS-LIST-04")},
		after: func(x *faultResponse) {
			if x.is(opListSessions) && x.ok() {
				x.context(func(c string) string { return c[:strings.Index(c, "#")+1] + "sessions" })
			}
		}},
	{Fault: Fault{"entity-context-collection", "A single session's @odata.context names the collection, without /$entity", specs("SESS-GET-05", "SESS-CREATE-12")},
		after: func(x *faultResponse) {
			if x.is(sessionOneOps...) && x.ok() {
				x.context(func(c string) string { return strings.TrimSuffix(c, "/$entity") })
			}
		}},
	{Fault: Fault{"prompts-context-unkeyed", "Prompt contexts leave out the session key (…/sessions/prompts)", specs("PROMPT-LIST-08", "PROMPT-GET-05")},
		after: func(x *faultResponse) {
			if x.is(promptOps...) && x.ok() {
				x.context(func(c string) string { return promptKey.ReplaceAllString(c, "sessions/prompts") })
			}
		}},

	// --- paging ---
	{Fault: Fault{"top-ignored", "$top is accepted but ignored: every page has the default size", specs("SESS-LIST-05", "SESS-LIST-06", "PROMPT-LIST-05")},
		before: func(x *faultRequest) {
			if x.is(listOps...) {
				x.dropQuery("top")
			}
		}},
	{Fault: Fault{"top-invalid-ignored", "An invalid $top (-1, abc) is ignored instead of refused", specs("SESS-LIST-13")},
		before: func(x *faultRequest) {
			if v, ok := x.query("top"); ok && x.is(listOps...) {
				if n, err := strconv.Atoi(v); err != nil || n < 1 {
					x.dropQuery("top")
				}
			}
		}},
	{Fault: Fault{"select-unknown-ignored", "$select drops names the entity does not have instead of refusing them", specs("SESS-LIST-14")},
		before: func(x *faultRequest) {
			if v, ok := x.query("select"); ok && x.is(opListSessions, opGetSession) {
				var kept []string
				for _, p := range strings.Split(v, ",") {
					if name := strings.TrimSpace(p); slices.Contains([]string{"id", "displayName", "createdDateTime", "lastModifiedDateTime", "*"}, name) {
						kept = append(kept, name)
					}
				}
				if len(kept) == 0 {
					x.dropQuery("select")
				} else {
					x.rewriteQuery("select", func(string) string { return strings.Join(kept, ",") })
				}
			}
		}},
	{Fault: Fault{"nextlink-missing", "Pages that are not the last carry no @odata.nextLink: results are cut silently", specs("SESS-LIST-05", "SESS-LIST-06", "PROMPT-LIST-05")},
		after: func(x *faultResponse) {
			if x.is(listOps...) && x.ok() {
				delete(x.body, "@odata.nextLink")
			}
		}},
	{Fault: Fault{"nextlink-same-page", "Following @odata.nextLink returns the first page again ($skiptoken ignored)", specs("SESS-LIST-06", "PROMPT-LIST-05")},
		before: func(x *faultRequest) {
			if x.is(listOps...) {
				x.dropQuery("skiptoken")
			}
		}},
	{Fault: Fault{"nextlink-endless", "The last page still carries an @odata.nextLink, to itself: paging never ends", specs("SESS-LIST-06", "SESS-LIST-07", "PROMPT-LIST-05")},
		after: func(x *faultResponse) {
			if x.is(listOps...) && x.ok() {
				if _, has := x.body["@odata.nextLink"]; !has {
					u := *x.req.r.URL
					u.Scheme, u.Host = "http", x.req.r.Host
					x.body["@odata.nextLink"] = u.String()
				}
			}
		}},
	{Fault: Fault{"nextlink-relative", "@odata.nextLink is a relative reference, not an absolute URL", specs("SESS-LIST-06", "PROMPT-LIST-05")},
		after: func(x *faultResponse) {
			if link, ok := x.body["@odata.nextLink"].(string); ok && x.is(listOps...) {
				if u, err := url.Parse(link); err == nil {
					x.body["@odata.nextLink"] = u.RequestURI()
				}
			}
		}},
	{Fault: Fault{"nextlink-skips-item", "A page reached through @odata.nextLink leaves out its first item", specs("SESS-LIST-06", "PROMPT-LIST-05")},
		after: func(x *faultResponse) {
			if _, paged := x.req.query("skiptoken"); paged && x.is(listOps...) && x.ok() && len(x.items()) > 0 {
				x.body["value"] = x.items()[1:]
			}
		}},

	// --- $count ---
	{Fault: Fault{"count-page-size", "@odata.count gives the number of items on the page, not the total", specs("SESS-LIST-07")},
		after: func(x *faultResponse) {
			if _, ok := x.body["@odata.count"]; ok && x.is(listOps...) {
				x.body["@odata.count"] = len(x.items())
			}
		}},
	{Fault: Fault{"count-ignored", "$count=true is accepted but @odata.count is never written", specs("SESS-LIST-07", "PROMPT-LIST-06")},
		after: func(x *faultResponse) {
			if x.is(listOps...) && x.ok() {
				delete(x.body, "@odata.count")
			}
		}},
	{Fault: Fault{"count-as-string", "@odata.count is written as a string", specs("SESS-LIST-07", "PROMPT-LIST-06")},
		after: func(x *faultResponse) {
			if n, ok := x.body["@odata.count"].(json.Number); ok && x.is(listOps...) {
				x.body["@odata.count"] = n.String()
			}
		}},

	// --- $select ---
	{Fault: Fault{"select-ignored", "$select is accepted but every property is returned", specs("SESS-LIST-08", "SESS-GET-03", "PROMPT-LIST-07", "PROMPT-GET-04")},
		before: func(x *faultRequest) { x.dropQuery("select") }},
	{Fault: Fault{"select-drops-id", "$select leaves id out unless it is selected", specs("SESS-LIST-08", "SESS-GET-03", "PROMPT-LIST-07", "PROMPT-GET-04")},
		after: func(x *faultResponse) {
			if selected, hasID := x.req.selectedIncludesID(); selected && !hasID && x.ok() {
				for _, e := range x.entities() {
					delete(e, "id")
				}
			}
		}},

	// --- $filter ---
	{Fault: Fault{"filter-ignored", "$filter is accepted but ignored", specs("SESS-LIST-09", "SESS-LIST-10")},
		before: func(x *faultRequest) {
			if x.is(listOps...) {
				x.dropQuery("filter")
			}
		}},
	{Fault: Fault{"filter-empty-404", "A $filter that matches nothing is answered 404 instead of an empty collection", specs("SESS-LIST-10")},
		after: func(x *faultResponse) {
			if _, filtered := x.req.query("filter"); filtered && x.is(listOps...) && x.ok() && len(x.items()) == 0 {
				x.setError(http.StatusNotFound, "notFound", "No session matches the filter.")
			}
		}},
	{Fault: Fault{"filter-datetime-inverted", "createdDateTime comparisons in $filter are inverted (ge acts as le)", specs("SESS-LIST-12")},
		before: func(x *faultRequest) {
			x.rewriteQuery("filter", func(f string) string {
				return strings.NewReplacer(" ge ", " le ", " le ", " ge ", " gt ", " lt ", " lt ", " gt ").Replace(f)
			})
		}},
	{Fault: Fault{"dollarless-ignored", "Query options without the $ prefix (top=1) are ignored", specs("SESS-LIST-11")},
		before: func(x *faultRequest) {
			q := x.r.URL.Query()
			for k := range q {
				if !strings.HasPrefix(k, "$") && isOneOf(k, "top", "count", "filter", "select", "expand", "skiptoken") {
					q.Del(k)
				}
			}
			x.r.URL.RawQuery = encodeQuery(q)
		}},

	// --- create session ---
	{Fault: Fault{"create-session-status-200", "Create session answers 200 OK instead of 201 Created", specs("SESS-CREATE-01", "SESS-CREATE-05")},
		after: func(x *faultResponse) {
			if x.is(opCreateSession) && x.status == http.StatusCreated {
				x.status = http.StatusOK
			}
		}},
	{Fault: Fault{"displayname-ascii-only", "Non-ASCII characters in displayName are stored as '?'", specs("SESS-CREATE-02")},
		before: func(x *faultRequest) {
			body := x.jsonBody()
			if name, ok := body["displayName"].(string); ok && x.is(opCreateSession, opUpdateSession) {
				body["displayName"] = strings.Map(func(r rune) rune {
					if r > 127 {
						return '?'
					}
					return r
				}, name)
				x.setJSONBody(body)
			}
		}},
	{Fault: Fault{"displayname-truncated", "displayName is cut to 32 characters", specs("SESS-CREATE-02")},
		before: func(x *faultRequest) {
			body := x.jsonBody()
			if name, ok := body["displayName"].(string); ok && utf8.RuneCountInString(name) > 32 && x.is(opCreateSession, opUpdateSession) {
				body["displayName"] = string([]rune(name)[:32])
				x.setJSONBody(body)
			}
		}},
	{Fault: Fault{"session-ids-repeat", "Every created session is given the same id", specs("SESS-CREATE-03")},
		after: func(x *faultResponse) {
			if x.is(opCreateSession) && x.ok() {
				x.body["id"] = "5e551011-0000-4000-8000-000000000001"
			}
		}},
	{Fault: Fault{"session-id-missing", "Create session leaves id out of the response", specs("SESS-CREATE-01", "SESS-CREATE-05")},
		after: func(x *faultResponse) {
			if x.is(opCreateSession) && x.ok() {
				delete(x.body, "id")
			}
		}},
	{Fault: Fault{"session-id-case", "Get session gives the id in upper case, not as create returned it", specs("SESS-GET-01")},
		after: func(x *faultResponse) {
			if id, ok := x.body["id"].(string); ok && x.is(opGetSession) {
				x.body["id"] = strings.ToUpper(id)
			}
		}},
	{Fault: Fault{"created-modified-differ", "A new session's lastModifiedDateTime is a second after its createdDateTime", specs("SESS-CREATE-04")},
		after: func(x *faultResponse) {
			if x.is(opCreateSession) && x.ok() {
				x.timestamps(func(name string, t time.Time, _ map[string]any) any {
					if name == "lastModifiedDateTime" {
						t = t.Add(time.Second)
					}
					return t.UTC().Format(wireTime)
				})
			}
		}},
	{Fault: Fault{"clock-an-hour-behind", "Sessions and prompts are created with timestamps an hour in the past (a wrong server clock)", specs("SESS-CREATE-04", "PROMPT-CREATE-03")},
		after: func(x *faultResponse) {
			if x.is(opCreateSession, opCreatePrompt) && x.ok() {
				x.timestamps(shift(-time.Hour))
			}
		}},
	{Fault: Fault{"odata-type-rejected", "Create session requests carrying @odata.type (the documented body) are answered 400", specs("SESS-CREATE-05")},
		before: func(x *faultRequest) {
			if _, has := x.jsonBody()["@odata.type"]; has && x.is(opCreateSession) {
				x.respond(http.StatusBadRequest, "badRequest", "The property '@odata.type' does not exist on type 'session'.")
			}
		}},
	{Fault: Fault{"prompt-odata-type-rejected", "Create prompt requests carrying @odata.type (the documented body) are answered 400", specs("PROMPT-CREATE-01")},
		before: func(x *faultRequest) {
			if _, has := x.jsonBody()["@odata.type"]; has && x.is(opCreatePrompt) {
				x.respond(http.StatusBadRequest, "badRequest", "The property '@odata.type' does not exist on type 'prompt'.")
			}
		}},
	{Fault: Fault{"malformed-json-500", "Malformed JSON request bodies are answered 500 Internal Server Error", specs("SESS-CREATE-06", "SESS-UPDATE-05", "PROMPT-CREATE-05")},
		before: func(x *faultRequest) {
			if x.is(opCreateSession, opUpdateSession, opCreatePrompt) && !json.Valid(x.body) {
				x.respond(http.StatusInternalServerError, "internalServerError", "unexpected end of JSON input")
			}
		}},
	{Fault: Fault{"wrong-types-coerced", "Numbers sent for string properties are stored as text instead of rejected", specs("SESS-CREATE-07", "PROMPT-CREATE-08")},
		before: func(x *faultRequest) {
			body := x.jsonBody()
			changed := false
			for _, name := range []string{"displayName", "content"} {
				if n, ok := body[name].(json.Number); ok {
					body[name], changed = n.String(), true
				}
			}
			if changed && x.is(opCreateSession, opCreatePrompt) {
				x.setJSONBody(body)
			}
		}},
	{Fault: Fault{"displayname-optional", "Create session without displayName succeeds", specs("SESS-CREATE-08")},
		before: func(x *faultRequest) {
			body := x.jsonBody()
			if _, has := body["displayName"]; !has && body != nil && x.is(opCreateSession) {
				body["displayName"] = "Untitled session"
				x.setJSONBody(body)
			}
		}},
	{Fault: Fault{"unknown-properties-ignored", "Undocumented properties in a create body are dropped instead of rejected", specs("SESS-CREATE-09")},
		before: func(x *faultRequest) {
			body := x.jsonBody()
			if body == nil || !x.is(opCreateSession) {
				return
			}
			for k := range body {
				if k != "displayName" && k != "@odata.type" {
					delete(body, k)
				}
			}
			x.setJSONBody(body)
		}},
	{Fault: Fault{"no-location", "Create answers 201 without a Location header", specs("SESS-CREATE-10")},
		after: func(x *faultResponse) { x.header.Del("Location") }},
	{Fault: Fault{"content-type-text", "Responses are labelled Content-Type: text/plain", specs("SESS-CREATE-11")},
		after: func(x *faultResponse) { x.header.Set("Content-Type", "text/plain; charset=utf-8") }},

	// --- get session and errors for unknown ids ---
	{Fault: Fault{"unknown-id-400", "Unknown session ids are answered 400 instead of 404", specs("SESS-GET-02", "SESS-UPDATE-04", "PROMPT-LIST-04", "PROMPT-CREATE-04")},
		after: func(x *faultResponse) {
			if x.status == http.StatusNotFound && x.req.route.session != "" {
				x.setError(http.StatusBadRequest, "badRequest", "Invalid session id.")
			}
		}},
	{Fault: Fault{"unknown-session-empty-200", "Get session answers an unknown id with 200 and an empty object", specs("SESS-GET-02")},
		after: func(x *faultResponse) {
			if x.is(opGetSession) && x.status == http.StatusNotFound {
				x.status, x.body = http.StatusOK, map[string]any{}
			}
		}},
	{Fault: Fault{"extra-property", "Sessions carry an undocumented tenantId property", specs("SCHEMA-03", "SESS-CREATE-01", "SESS-GET-01")},
		after: func(x *faultResponse) {
			if x.is(opListSessions, opCreateSession, opGetSession, opUpdateSession) && x.ok() {
				for _, e := range x.entities() {
					if _, isPrompt := e["type"]; !isPrompt {
						e["tenantId"] = "00000000-0000-0000-0000-000000000000"
					}
				}
			}
		}},

	// --- @odata.type and metadata ---
	{Fault: Fault{"odata-type-wrong", "With odata.metadata=full, @odata.type is #microsoft.graph.session", specs("SESS-GET-04", "SCHEMA-04")},
		after: func(x *faultResponse) {
			for _, e := range x.entities() {
				if t, ok := e["@odata.type"].(string); ok {
					e["@odata.type"] = strings.Replace(t, ".security.securityCopilot", "", 1)
				}
			}
		}},
	{Fault: Fault{"metadata-full-ignored", "odata.metadata=full is ignored: no @odata.type is written", specs("SESS-GET-04")},
		before: func(x *faultRequest) { x.r.Header.Del("Accept") }},
	{Fault: Fault{"odata-type-unprefixed", "Every session and prompt carries @odata.type without its leading #", specs("SCHEMA-04", "SESS-CREATE-01")},
		after: func(x *faultResponse) {
			if !x.is(entityOps...) || !x.ok() {
				return
			}
			for _, e := range x.entities() {
				t := "microsoft.graph.security.securityCopilot.session"
				if _, isPrompt := e["type"]; isPrompt {
					t = "microsoft.graph.security.securityCopilot.prompt"
				}
				e["@odata.type"] = t
			}
		}},

	// --- timestamps ---
	{Fault: Fault{"timestamps-local-offset", "Timestamps are written in local time with a +02:00 offset", specs("SCHEMA-02", "SESS-CREATE-01")},
		after: func(x *faultResponse) {
			x.timestamps(func(_ string, t time.Time, _ map[string]any) any {
				return t.In(time.FixedZone("", 2*3600)).Format("2006-01-02T15:04:05.0000000-07:00")
			})
		}},
	{Fault: Fault{"timestamps-no-offset", "Timestamps are written without an offset", specs("SCHEMA-02", "SESS-CREATE-01")},
		after: func(x *faultResponse) {
			x.timestamps(func(_ string, t time.Time, _ map[string]any) any {
				return t.UTC().Format("2006-01-02T15:04:05.0000000")
			})
		}},
	{Fault: Fault{"timestamps-nanoseconds", "Timestamps carry 9 fractional digits", specs("SCHEMA-01")},
		after: func(x *faultResponse) {
			x.timestamps(func(_ string, t time.Time, _ map[string]any) any {
				return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
			})
		}},
	{Fault: Fault{"context-not-first", "@odata.context is written as the last member of each response object", specs("SCHEMA-05")},
		after: func(x *faultResponse) {
			ctx, ok := x.body["@odata.context"]
			if !ok || x.rawSet {
				return
			}
			rest := make(map[string]any, len(x.body))
			for k, v := range x.body {
				if k != "@odata.context" {
					rest[k] = v
				}
			}
			b, _ := json.Marshal(rest)
			c, _ := json.Marshal(ctx)
			sep := ","
			if len(rest) == 0 {
				sep = ""
			}
			x.raw, x.rawSet = append(append(b[:len(b)-1], []byte(sep+`"@odata.context":`)...), append(c, '}')...), true
		}},
	{Fault: Fault{"ids-from-payload", "A created session's id is derived from its displayName, so equal bodies get equal ids", specs("SESS-CREATE-13")},
		after: func(x *faultResponse) {
			if name, ok := x.body["displayName"].(string); ok && x.is(opCreateSession) && x.ok() {
				sum := sha256.Sum256([]byte(name))
				h := hex.EncodeToString(sum[:16])
				x.body["id"] = h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
			}
		}},
	{Fault: Fault{"timestamps-13-digits", "Timestamps carry 13 fractional digits, beyond the 12 of Edm.DateTimeOffset", specs("SCHEMA-02", "SESS-CREATE-01")},
		after: func(x *faultResponse) {
			x.timestamps(func(_ string, t time.Time, _ map[string]any) any {
				return t.UTC().Format("2006-01-02T15:04:05.000000000") + "0000Z"
			})
		}},
	{Fault: Fault{"timestamps-plus-zero", "Timestamps end in +00:00 instead of Z", specs("SCHEMA-01")},
		after: func(x *faultResponse) {
			x.timestamps(func(_ string, t time.Time, _ map[string]any) any {
				return t.UTC().Format("2006-01-02T15:04:05.0000000") + "+00:00"
			})
		}},

	// --- relationship ---
	{Fault: Fault{"prompts-always-present", "Sessions always carry a prompts member, expanded or not", specs("REL-01")},
		after: func(x *faultResponse) {
			if x.is(opListSessions, opGetSession) && x.ok() {
				for _, e := range x.entities() {
					if _, has := e["prompts"]; !has {
						e["prompts"] = []any{}
					}
				}
			}
		}},
	{Fault: Fault{"expand-ignored", "$expand=prompts is accepted but ignored", specs("REL-02")},
		before: func(x *faultRequest) { x.dropQuery("expand") }},

	// --- update session ---
	{Fault: Fault{"update-status-204", "Update session answers 204 No Content without the updated session", specs("SESS-UPDATE-01", "SESS-UPDATE-02")},
		after: func(x *faultResponse) {
			if x.is(opUpdateSession) && x.status == http.StatusOK {
				x.status, x.raw, x.rawSet = http.StatusNoContent, nil, true
				x.header.Del("Content-Type")
			}
		}},
	{Fault: Fault{"update-not-applied", "Update session answers 200 but does not store the new displayName", specs("SESS-UPDATE-01", "SESS-UPDATE-03")},
		before: func(x *faultRequest) {
			if body := x.jsonBody(); body != nil && x.is(opUpdateSession) {
				delete(body, "displayName")
				x.setJSONBody(body)
			}
		}},
	{Fault: Fault{"get-stale-after-update", "Get session keeps returning the displayName a session was created with (a stale cache)", specs("SESS-UPDATE-03")},
		after: func(x *faultResponse) {
			id, _ := x.body["id"].(string)
			if !x.ok() || id == "" {
				return
			}
			x.req.layer.remember(func(st *faultState) {
				switch {
				case x.is(opCreateSession):
					st.sessionNames[id] = x.body["displayName"]
				case x.is(opGetSession):
					if name, ok := st.sessionNames[id]; ok {
						x.body["displayName"] = name
					}
				}
			})
		}},
	{Fault: Fault{"update-keeps-lastmodified", "Update session leaves lastModifiedDateTime unchanged", specs("SESS-UPDATE-02")},
		after: func(x *faultResponse) {
			if x.is(opUpdateSession) && x.ok() {
				x.body["lastModifiedDateTime"] = x.body["createdDateTime"]
			}
		}},
	{Fault: Fault{"update-rewrites-created", "Update session also moves createdDateTime to the time of the update", specs("SESS-UPDATE-02")},
		after: func(x *faultResponse) {
			if x.is(opUpdateSession) && x.ok() {
				x.body["createdDateTime"] = x.body["lastModifiedDateTime"]
			}
		}},
	{Fault: Fault{"readonly-applied", "Read-only properties sent in an update are stored", specs("SESS-UPDATE-06")},
		before: func(x *faultRequest) {
			body := x.jsonBody()
			if body == nil || !x.is(opUpdateSession) {
				return
			}
			applied := map[string]any{}
			for _, k := range []string{"createdDateTime", "lastModifiedDateTime"} {
				if v, ok := body[k]; ok {
					applied[k] = v
				}
			}
			delete(body, "id")
			delete(body, "createdDateTime")
			delete(body, "lastModifiedDateTime")
			x.setJSONBody(body)
			if len(applied) > 0 {
				x.layer.remember(func(st *faultState) { st.overrides[x.route.session] = applied })
			}
		},
		after: func(x *faultResponse) {
			id, _ := x.body["id"].(string)
			if !x.is(opGetSession, opUpdateSession) || !x.ok() || id == "" {
				return
			}
			x.req.layer.remember(func(st *faultState) {
				for k, v := range st.overrides[id] {
					x.body[k] = v
				}
			})
		}},

	// --- prompts ---
	{Fault: Fault{"prompts-not-scoped", "List prompts without query options returns the prompts of every session in the workspace", specs("PROMPT-LIST-02", "PROMPT-LIST-03")},
		after: rememberPrompts(func(x *faultResponse, st *faultState) {
			if !x.is(opListPrompts) || !x.ok() || !x.req.queryless() {
				return
			}
			listed := map[string]bool{}
			for _, it := range x.items() {
				if obj, ok := it.(map[string]any); ok {
					listed[obj["id"].(string)] = true
				}
			}
			items := x.items()
			for _, id := range st.promptOrder {
				if !listed[id] {
					items = append(items, st.prompts[id])
				}
			}
			x.body["value"] = append([]any{}, items...)
		})},
	{Fault: Fault{"prompt-found-anywhere", "Get prompt finds a prompt under any session id", specs("PROMPT-GET-03")},
		after: rememberPrompts(func(x *faultResponse, st *faultState) {
			if p, ok := st.prompts[x.req.route.prompt]; ok && x.is(opGetPrompt) && x.status == http.StatusNotFound {
				x.status, x.body = http.StatusOK, p
			}
		})},
	{Fault: Fault{"prompt-orphan-created", "Create prompt in an unknown session answers 201 with a prompt", specs("PROMPT-CREATE-04")},
		after: func(x *faultResponse) {
			if !x.is(opCreatePrompt) || x.status != http.StatusNotFound {
				return
			}
			now := time.Now().UTC().Format(wireTime)
			x.status = http.StatusCreated
			x.body = map[string]any{"id": "0a7a11ed-0000-4000-8000-000000000002", "type": "prompt", "content": x.req.jsonBody()["content"],
				"createdDateTime": now, "lastModifiedDateTime": now, "skillName": nil,
				"inputs": map[string]any{"keyValuePairs": []any{}}, "skillInputDescriptors": []any{}}
		}},
	{Fault: Fault{"prompt-type-capitalised", "Prompts give their type as \"Prompt\"", specs("PROMPT-CREATE-01", "PROMPT-CREATE-02")},
		after: func(x *faultResponse) {
			for _, e := range x.entities() {
				if t, ok := e["type"].(string); ok && x.is(promptOps...) {
					e["type"] = strings.ToUpper(t[:1]) + t[1:]
				}
			}
		}},
	{Fault: Fault{"prompt-content-dropped", "Create prompt answers with content null", specs("PROMPT-CREATE-02")},
		after: func(x *faultResponse) {
			if x.is(opCreatePrompt) && x.ok() {
				x.body["content"] = nil
			}
		}},
	{Fault: Fault{"prompt-unknown-empty-200", "Get prompt answers an unknown prompt id with 200 and an empty object", specs("PROMPT-GET-02")},
		after: func(x *faultResponse) {
			if x.is(opGetPrompt) && x.status == http.StatusNotFound {
				x.status, x.body = http.StatusOK, map[string]any{}
			}
		}},
	{Fault: Fault{"prompt-any-type", "Create prompt accepts every promptType, not only prompt", specs("PROMPT-CREATE-06")},
		before: func(x *faultRequest) {
			if body := x.jsonBody(); body != nil && x.is(opCreatePrompt) {
				if _, has := body["type"]; has {
					body["type"] = "prompt"
					x.setJSONBody(body)
				}
			}
		}},
	{Fault: Fault{"prompt-content-optional", "Create prompt without content succeeds", specs("PROMPT-CREATE-07")},
		before: func(x *faultRequest) {
			if body := x.jsonBody(); body != nil && x.is(opCreatePrompt) {
				if _, has := body["content"]; !has {
					body["content"] = " "
					x.setJSONBody(body)
				}
			}
		}},
	{Fault: Fault{"prompt-created-drifts", "Get prompt gives a createdDateTime a second later than create did", specs("PROMPT-GET-01")},
		after: func(x *faultResponse) {
			if x.is(opGetPrompt) && x.ok() {
				x.timestamps(func(name string, t time.Time, _ map[string]any) any {
					if name == "createdDateTime" {
						t = t.Add(time.Second)
					}
					return t.UTC().Format(wireTime)
				})
			}
		}},
	{Fault: Fault{"prompt-descriptors-object", "Listed prompts give skillInputDescriptors as an object instead of an array", specs("PROMPT-LIST-01")},
		after: func(x *faultResponse) {
			if x.is(opListPrompts) && x.ok() {
				for _, e := range x.entities() {
					e["skillInputDescriptors"] = map[string]any{}
				}
			}
		}},

	// --- error bodies ---
	{Fault: Fault{"error-plain-text", "Errors are plain text (\"Not Found\") instead of OData error bodies", specs("PROTO-ERROR-01", "SESS-GET-02")},
		after: func(x *faultResponse) {
			if x.status >= 400 {
				x.raw, x.rawSet = []byte(http.StatusText(x.status)), true
				x.header.Set("Content-Type", "text/plain; charset=utf-8")
			}
		}},
	{Fault: Fault{"error-code-empty", "Error bodies carry an empty error.code", specs("PROTO-ERROR-01")},
		after: func(x *faultResponse) {
			if e, ok := x.body["error"].(map[string]any); ok && x.status >= 400 {
				e["code"] = ""
			}
		}},
	{Fault: Fault{"error-unwrapped", "Error bodies lack the error wrapper ({\"code\": …, \"message\": …})", specs("PROTO-ERROR-01")},
		after: func(x *faultResponse) {
			if e, ok := x.body["error"].(map[string]any); ok && x.status >= 400 {
				x.body = e
			}
		}},

	// --- authentication ---
	{Fault: Fault{"auth-any-token", "Any bearer token is accepted, not only valid ones", allAuthSpecs},
		before: func(x *faultRequest) {
			if h := x.r.Header.Get("Authorization"); strings.HasPrefix(h, "Bearer ") && x.layer.server.token != "" {
				x.r.Header.Set("Authorization", "Bearer "+x.layer.server.token)
			}
		}},
	{Fault: Fault{"auth-anonymous-reads", "GET requests without a token are served", authSpecsOf(http.MethodGet)},
		before: func(x *faultRequest) {
			if x.r.Method == http.MethodGet && x.r.Header.Get("Authorization") == "" {
				token := x.layer.server.token
				if token == "" {
					token = "anonymous"
				}
				x.r.Header.Set("Authorization", "Bearer "+token)
			}
		}},
	{Fault: Fault{"auth-401-empty-body", "401 responses have an empty body", append(specs("PROTO-ERROR-01"), allAuthSpecs...)},
		after: func(x *faultResponse) {
			if x.status == http.StatusUnauthorized {
				x.raw, x.rawSet = nil, true
			}
		}},
	{Fault: Fault{"auth-403-for-401", "Missing and invalid tokens are answered 403 Forbidden instead of 401", allAuthSpecs},
		after: func(x *faultResponse) {
			if x.status == http.StatusUnauthorized {
				x.status = http.StatusForbidden
			}
		}},

	// --- protocol: media types, methods, headers, limits ---
	{Fault: Fault{"media-type-ignored", "POST bodies are parsed as JSON whatever their Content-Type", specs("PROTO-MEDIA-01")},
		before: func(x *faultRequest) {
			if x.r.Method == http.MethodPost || x.r.Method == http.MethodPatch {
				x.r.Header.Set("Content-Type", "application/json")
			}
		}},
	{Fault: Fault{"no-request-id", "Responses carry no request-id header", specs("PROTO-HEADERS-01")},
		after: func(x *faultResponse) { x.header.Del("request-id") }},
	{Fault: Fault{"client-request-id-replaced", "client-request-id is not echoed but replaced by a new id", specs("PROTO-HEADERS-02")},
		after: func(x *faultResponse) { x.header.Set("client-request-id", newUUID()) }},
	{Fault: Fault{"delete-session-allowed", "DELETE on a session answers 204 No Content", specs("PROTO-METHOD-01")},
		before: func(x *faultRequest) {
			if x.is(opDeleteSession) {
				x.answer = &faultResponse{req: x, status: http.StatusNoContent, header: http.Header{}, rawSet: true}
			}
		}},
	{Fault: Fault{"update-prompt-allowed", "PATCH on a prompt answers 200 with the prompt", specs("PROTO-METHOD-02")},
		before: func(x *faultRequest) {
			if x.is(opUpdatePrompt) {
				x.r.Method = http.MethodGet
				x.body = nil
			}
		}},
	{Fault: Fault{"body-limit-none", "Request bodies of any size are accepted", specs("PROTO-LIMIT-01")},
		before: func(x *faultRequest) {
			if int64(len(x.body)) > x.layer.server.maxBodyBytes {
				if body := x.jsonBody(); body != nil {
					for k, v := range body {
						if s, ok := v.(string); ok && len(s) > 64 {
							body[k] = s[:64]
						}
					}
					x.setJSONBody(body)
				}
			}
		}},
}

// rememberPrompts records every created prompt before fn sees the response.
func rememberPrompts(fn func(x *faultResponse, st *faultState)) func(x *faultResponse) {
	return func(x *faultResponse) {
		x.req.layer.remember(func(st *faultState) {
			if id, _ := x.body["id"].(string); x.is(opCreatePrompt) && x.status == http.StatusCreated && id != "" {
				p := map[string]any{}
				for k, v := range x.body {
					if !strings.HasPrefix(k, "@") {
						p[k] = v
					}
				}
				st.prompts[id] = p
				st.promptOrder = append(st.promptOrder, id)
			}
			fn(x, st)
		})
	}
}
