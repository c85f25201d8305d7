package httpclient

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"
)

// resolve turns a Request path (relative or absolute) and query into the
// target URL.
func (c *Client) resolve(path string, query url.Values) (*url.URL, error) {
	var raw string
	if isAbsoluteURL(path) {
		raw = path
	} else {
		if strings.Contains(path, "#") {
			return nil, fmt.Errorf("path %q must not contain a fragment", path)
		}
		p, q, hasQuery := strings.Cut(path, "?")
		if p != "" && !strings.HasPrefix(p, "/") {
			p = "/" + p
		}
		raw = c.baseStr + p
		if hasQuery {
			raw += "?" + q
		}
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute http(s) URL", raw)
	}
	u.RawQuery = escapeRawQuery(u.RawQuery)
	if extra := encodeQuery(query); extra != "" {
		if u.RawQuery != "" {
			u.RawQuery += "&" + extra
		} else {
			u.RawQuery = extra
		}
	}
	u.ForceQuery = false
	return u, nil
}

// isAbsoluteURL reports whether p starts with an http or https scheme.
func isAbsoluteURL(p string) bool {
	l := strings.ToLower(p)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// sameOrigin compares scheme, host and port (default ports filled in).
func sameOrigin(a, b *url.URL) bool {
	return strings.EqualFold(a.Scheme, b.Scheme) &&
		strings.EqualFold(a.Hostname(), b.Hostname()) &&
		portOf(a) == portOf(b)
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// encodeQuery encodes v Graph style: keys sorted, spaces as %20, and the
// characters $ ' ( ) * , : @ / ! (and = inside values) kept literal so that
// OData options read "$top=1", "$filter=displayName%20eq%20'x'" and
// "$expand=prompts($top=2)".
func encodeQuery(v url.Values) string {
	if len(v) == 0 {
		return ""
	}
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(v)) {
		for _, val := range v[k] {
			if b.Len() > 0 {
				b.WriteByte('&')
			}
			b.WriteString(escapeQueryComponent(k, false))
			b.WriteByte('=')
			b.WriteString(escapeQueryComponent(val, true))
		}
	}
	return b.String()
}

// escapeQueryComponent percent-encodes everything except unreserved
// characters, $ ' ( ) * , : @ / ! and, in a value, '='. Semicolons are
// escaped: Go servers reject them as query separators.
func escapeQueryComponent(s string, value bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if isUnreserved(ch) || strings.IndexByte("$'()*,:@/!", ch) >= 0 || value && ch == '=' {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// escapeRawQuery makes a caller-written query string (from Request.Path or a
// nextLink) safe to put on the wire: existing %XX escapes and reserved
// characters are kept; spaces and other invalid bytes are percent-encoded.
func escapeRawQuery(q string) string {
	var b strings.Builder
	for i := 0; i < len(q); i++ {
		ch := q[i]
		switch {
		case ch == '%' && i+2 < len(q) && isHex(q[i+1]) && isHex(q[i+2]):
			b.WriteByte(ch)
		case ch != '%' && (isUnreserved(ch) || strings.IndexByte("!$&'()*+,;=:@/?", ch) >= 0):
			b.WriteByte(ch)
		default:
			fmt.Fprintf(&b, "%%%02X", ch)
		}
	}
	return b.String()
}

func isUnreserved(ch byte) bool {
	return 'a' <= ch && ch <= 'z' || 'A' <= ch && ch <= 'Z' || '0' <= ch && ch <= '9' ||
		ch == '-' || ch == '.' || ch == '_' || ch == '~'
}

func isHex(ch byte) bool {
	return '0' <= ch && ch <= '9' || 'a' <= ch && ch <= 'f' || 'A' <= ch && ch <= 'F'
}
