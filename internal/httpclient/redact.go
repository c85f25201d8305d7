package httpclient

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// redacted replaces every secret.
const redacted = "[REDACTED]"

// minSecretLen is the shortest secret value that is redacted; shorter ones
// would blank out ordinary text.
const minSecretLen = 4

// minBase64Core is the shortest base64 fragment searched for a secret that
// is embedded in a larger base64 string.
const minBase64Core = 6

// minRunLen is the shortest run of URL-unreserved characters of a secret
// that is redacted on its own.
const minRunLen = 8

// pattern is a credential shape redacted even when its value is unknown.
type pattern struct {
	re   *regexp.Regexp
	repl string
}

// patterns catch credentials by their context rather than their value:
// header lines, JSON members and form/query parameters with well-known
// credential names, URL user info and long bearer tokens in free text.
var patterns = []pattern{
	{regexp.MustCompile(`(?im)^([ \t]*(?:proxy-)?authorization[ \t]*:[ \t]*)([A-Za-z][A-Za-z0-9!#$%&'*+.^_|~-]*[ \t]+)?[^\r\n]+`), "${1}${2}" + redacted},
	{regexp.MustCompile(`(?im)^([ \t]*(?:set-)?cookie[ \t]*:[ \t]*)[^\r\n]+`), "${1}" + redacted},
	{regexp.MustCompile(`(?i)("(?:proxy-)?authorization"\s*:\s*\[?\s*")([A-Za-z][A-Za-z0-9._~+/-]*[ \t]+)?(?:[^"\\]|\\.)+"`), `${1}${2}` + redacted + `"`},
	{regexp.MustCompile(`(?i)("(?:(?:set-)?cookie|access_token|refresh_token|id_token|client_secret|client_assertion|password)"\s*:\s*\[?\s*")(?:[^"\\]|\\.)+"`), `${1}` + redacted + `"`},
	{regexp.MustCompile(`(?i)\b((?:access_token|refresh_token|id_token|client_secret|client_assertion|password)=)[^&\s"'<>#]+`), "${1}" + redacted},
	{regexp.MustCompile(`(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@`), "${1}" + redacted + "@"},
	{regexp.MustCompile(`(?i)\b(bearer)[ \t]+[A-Za-z0-9._~+/-]{20,}=*`), "${1} " + redacted},
}

// redactor replaces known secret values in all their encodings, then
// applies the credential patterns.
type redactor struct {
	secrets []string
	forms   []string // every encoding of every secret, longest first
	rep     *strings.Replacer
}

// newRedactor prepares a redactor for the given secret values; values
// shorter than minSecretLen are ignored.
func newRedactor(secrets ...string) *redactor {
	r := &redactor{}
	seen := map[string]bool{}
	for _, s := range secrets {
		if len(s) < minSecretLen || slices.Contains(r.secrets, s) {
			continue
		}
		r.secrets = append(r.secrets, s)
		for _, f := range secretForms(s) {
			if len(f) >= minSecretLen && !seen[f] {
				seen[f] = true
				r.forms = append(r.forms, f)
			}
		}
	}
	slices.SortFunc(r.forms, func(a, b string) int {
		return cmp.Or(cmp.Compare(len(b), len(a)), strings.Compare(a, b))
	})
	if len(r.forms) > 0 {
		pairs := make([]string, 0, 2*len(r.forms))
		for _, f := range r.forms {
			pairs = append(pairs, f, redacted)
		}
		r.rep = strings.NewReplacer(pairs...)
	}
	return r
}

// with returns a redactor that also knows the extra secrets.
func (r *redactor) with(extra ...string) *redactor {
	if len(extra) == 0 {
		return r
	}
	return newRedactor(append(slices.Clone(r.secrets), extra...)...)
}

// redact replaces every secret form and credential pattern in s.
func (r *redactor) redact(s string) string {
	if r.rep != nil {
		s = r.rep.Replace(s)
	}
	for _, p := range patterns {
		s = p.re.ReplaceAllString(s, p.repl)
	}
	return s
}

// holdsSecret reports whether s contains a configured secret in any of its forms.
func (r *redactor) holdsSecret(s string) bool {
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			return true
		}
	}
	return false
}

// redactTail blanks a secret form cut short at the end of s, as happens
// when a body is truncated at the size cap.
func (r *redactor) redactTail(s string) string {
	best := 0
	for _, f := range r.forms {
		for k := len(f) - 1; k >= 3 && k > best; k-- {
			if strings.HasSuffix(s, f[:k]) {
				best = k
				break
			}
		}
	}
	if best == 0 {
		return s
	}
	return s[:len(s)-best] + redacted
}

// secretForms lists the encodings in which s may appear: raw, URL-escaped
// (including this package's own query encoding), each of those JSON-escaped,
// base64 (standalone or embedded in a longer string), and every run of at
// least minRunLen URL-unreserved characters, which survives any escaping.
func secretForms(s string) []string {
	var forms []string
	for _, f := range []string{s, url.QueryEscape(s), url.PathEscape(s),
		escapeQueryComponent(s, true), escapeQueryComponent(s, false)} {
		forms = append(forms, f)
		forms = append(forms, jsonEscaped(f)...)
	}
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, e.EncodeToString([]byte(s)))
	}
	for _, e := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
		forms = append(forms, base64Cores(s, e)...)
	}
	start := -1
	for i := 0; i <= len(s); i++ {
		if i < len(s) && isUnreserved(s[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= minRunLen {
			forms = append(forms, s[start:i])
		}
		start = -1
	}
	return forms
}

// jsonEscaped returns s as it appears inside a JSON string, with and
// without HTML escaping.
func jsonEscaped(s string) []string {
	var out []string
	if b, err := json.Marshal(s); err == nil {
		out = append(out, string(b[1:len(b)-1]))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		b := bytes.TrimSpace(buf.Bytes())
		out = append(out, string(b[1:len(b)-1]))
	}
	return out
}

// base64Cores returns, for each of the three byte alignments s can have
// inside a longer base64-encoded string, the run of characters that depend
// only on s.
func base64Cores(s string, enc *base64.Encoding) []string {
	var cores []string
	for k := range 3 {
		buf := make([]byte, k+len(s))
		copy(buf[k:], s)
		e := enc.EncodeToString(buf)
		first := (8*k + 5) / 6       // first char whose 6 bits all lie in s
		last := 8 * (k + len(s)) / 6 // one past the last such char
		if last-first >= minBase64Core {
			cores = append(cores, e[first:last])
		}
	}
	return cores
}

// redactHeaderValue hides the value of credential-carrying headers, keeping
// the authentication scheme word.
func redactHeaderValue(name, v string) string {
	switch http.CanonicalHeaderKey(name) {
	case "Authorization", "Proxy-Authorization":
		if v == "" {
			return v
		}
		if scheme, _, ok := strings.Cut(strings.TrimSpace(v), " "); ok && scheme != "" {
			return scheme + " " + redacted
		}
		return redacted
	case "Cookie", "Set-Cookie":
		if v == "" {
			return v
		}
		return redacted
	}
	return v
}

// credentialOf returns the credential part of an Authorization value.
func credentialOf(v string) string {
	v = strings.TrimSpace(v)
	if _, cred, ok := strings.Cut(v, " "); ok {
		return strings.TrimSpace(cred)
	}
	return v
}

// Redact is the one redaction point: it replaces the configured Token and
// Secrets (raw, URL-escaped, JSON-escaped and base64 forms) and credential
// headers, members and parameters in s by "[REDACTED]".
func (c *Client) Redact(s string) string {
	if c == nil {
		return newRedactor().redact(s)
	}
	return c.currentRedactor().redact(s)
}
