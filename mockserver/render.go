package mockserver

import (
	"mime"
	"strconv"
	"strings"

	"github.com/copilotconf/copilotconf/api"
)

// metadataLevel is the OData JSON metadata level chosen from Accept.
type metadataLevel string

const (
	metaMinimal metadataLevel = "minimal"
	metaFull    metadataLevel = "full"
	metaNone    metadataLevel = "none"
)

const (
	typeSession = api.TypeSession
	typePrompt  = api.TypePrompt
)

// negotiate reads odata.metadata (or 4.01 "metadata") and IEEE754Compatible
// from the first JSON-compatible media range of Accept that carries them.
// Unknown levels fall back to minimal.
func negotiate(accept []string) (metadataLevel, bool) {
	meta, ieee := metaMinimal, false
	metaSet, ieeeSet := false, false
	for _, header := range accept {
		for _, mr := range strings.Split(header, ",") {
			mt, params, err := mime.ParseMediaType(strings.TrimSpace(mr))
			if err != nil || (mt != "application/json" && mt != "application/*" && mt != "*/*") {
				continue
			}
			v, ok := params["odata.metadata"]
			if !ok {
				v, ok = params["metadata"]
			}
			if ok && !metaSet {
				metaSet = true
				switch l := metadataLevel(strings.ToLower(v)); l {
				case metaFull, metaNone, metaMinimal:
					meta = l
				}
			}
			if v, ok := params["ieee754compatible"]; ok && !ieeeSet {
				ieeeSet = true
				ieee = strings.EqualFold(v, "true")
			}
		}
	}
	return meta, ieee
}

// contentType is the response media type for a metadata level.
func contentType(meta metadataLevel, ieee bool) string {
	return "application/json;odata.metadata=" + string(meta) +
		";odata.streaming=true;IEEE754Compatible=" + strconv.FormatBool(ieee) + ";charset=utf-8"
}

// keyLiteral writes a key inside ('...'): quotes doubled, characters that
// are not allowed in a URL path segment percent-encoded.
func keyLiteral(key string) string {
	const hexDigits = "0123456789ABCDEF"
	key = strings.ReplaceAll(key, "'", "''")
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-._~!$&'()*+,;=:@", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hexDigits[c>>4])
		b.WriteByte(hexDigits[c&0xf])
	}
	return b.String()
}

// Resource paths in OData key syntax, relative to the service root.
func sessionsPath(ws string) string {
	return "security/securityCopilot/workspaces('" + keyLiteral(ws) + "')/sessions"
}

func sessionPath(ws, sid string) string { return sessionsPath(ws) + "('" + keyLiteral(sid) + "')" }

func promptsPath(ws, sid string) string { return sessionPath(ws, sid) + "/prompts" }

// Context URLs:
//
//	{root}/$metadata#security/securityCopilot/workspaces('{ws}')/sessions[(sel)][/$entity]
//	{root}/$metadata#security/securityCopilot/workspaces('{ws}')/sessions('{sid}')/prompts[(sel)][/$entity]
func collectionContext(rc *reqCtx, path string, sel *selection) string {
	return rc.root + "/$metadata#" + path + sel.contextSuffix()
}

func entityContext(rc *reqCtx, path string, sel *selection) string {
	return collectionContext(rc, path, sel) + "/$entity"
}

// newTopObject starts a top-level body: @odata.context first, unless the
// client asked for odata.metadata=none.
func newTopObject(rc *reqCtx, context string) *jsonObject {
	o := newObject()
	if rc.meta != metaNone {
		o.Set("@odata.context", context)
	}
	return o
}

// fillSession appends a session's members to o.
func fillSession(rc *reqCtx, o *jsonObject, ws string, v sessionView, sel *selection, expand bool) *jsonObject {
	if rc.meta == metaFull {
		o.Set("@odata.type", typeSession)
		o.Set("@odata.id", rc.root+"/"+sessionPath(ws, v.id))
	}
	o.Set("id", v.id)
	for _, p := range sessionSchema.properties[1:] {
		if !sel.includes(p) {
			continue
		}
		switch p {
		case "createdDateTime":
			o.Set(p, formatTimestamp(v.created))
		case "lastModifiedDateTime":
			o.Set(p, formatTimestamp(v.modified))
		case "displayName":
			o.Set(p, optString(v.displayName))
		}
	}
	if expand {
		items := make([]any, len(v.prompts))
		for i, p := range v.prompts {
			items[i] = fillPrompt(rc, newObject(), ws, v.id, p, nil)
		}
		o.Set("prompts", items)
	}
	return o
}

// fillPrompt appends a prompt's members to o.
func fillPrompt(rc *reqCtx, o *jsonObject, ws, sid string, p promptView, sel *selection) *jsonObject {
	if rc.meta == metaFull {
		o.Set("@odata.type", typePrompt)
		o.Set("@odata.id", rc.root+"/"+promptsPath(ws, sid)+"('"+keyLiteral(p.id)+"')")
	}
	o.Set("id", p.id)
	for _, name := range promptSchema.properties[1:] {
		if !sel.includes(name) {
			continue
		}
		switch name {
		case "type":
			o.Set(name, p.typ)
		case "createdDateTime":
			o.Set(name, formatTimestamp(p.created))
		case "lastModifiedDateTime":
			o.Set(name, formatTimestamp(p.modified))
		case "skillName":
			o.Set(name, optString(p.skillName))
		case "content":
			o.Set(name, optString(p.content))
		case "inputs":
			o.Set(name, cloneJSON(p.inputs))
		case "skillInputDescriptors":
			o.Set(name, cloneJSON(p.skillInputDescriptors))
		}
	}
	return o
}

func optString(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}

// countValue renders @odata.count: an Int64, a string when the client
// asked for IEEE754Compatible=true.
func countValue(rc *reqCtx, n int) any {
	if rc.ieee754 {
		return strconv.Itoa(n)
	}
	return n
}
