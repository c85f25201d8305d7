package httpclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Transcript renders e as a human-readable, redacted request/response pair
// for a test failure message. Bodies are cut after maxBody bytes (after
// pretty-printing and redaction); maxBody <= 0 means no cut.
func (c *Client) Transcript(e *Exchange, maxBody int) string {
	if e == nil {
		return "<no exchange>\n"
	}
	r := newRedactor()
	if c != nil {
		r = c.currentRedactor()
	}
	r = r.with(e.secrets...)

	var b strings.Builder
	fmt.Fprintf(&b, "--> %s %s", e.Method, e.URL)
	if e.Label != "" {
		fmt.Fprintf(&b, "   (%s)", e.Label)
	}
	b.WriteByte('\n')
	writeHeaders(&b, e.RequestHeader)
	writeBody(&b, r, e.RequestBody, false, false, maxBody)

	if e.finalURL != "" {
		fmt.Fprintf(&b, "--- redirected to %s\n", e.finalURL)
	}
	if len(e.Attempts) > 1 {
		for i, a := range e.Attempts {
			fmt.Fprintf(&b, "--- attempt %d: %s\n", i+1, formatAttempt(a))
		}
	}

	summary := fmt.Sprintf("%s, %d attempt", formatDuration(e.Duration), len(e.Attempts))
	if len(e.Attempts) != 1 {
		summary += "s"
	}
	if e.Throttled {
		summary += ", retry budget exhausted"
	}
	if e.Status == 0 {
		msg := "unknown error"
		if e.Err != nil {
			msg = e.Err.Error()
		}
		fmt.Fprintf(&b, "<-- no response: %s (%s)\n", msg, summary)
		return r.redact(b.String())
	}
	fmt.Fprintf(&b, "<-- %s (%s)\n", strings.TrimSpace(fmt.Sprint(e.Status, " ", http.StatusText(e.Status))), summary)
	writeHeaders(&b, e.ResponseHeader)
	writeBody(&b, r, e.ResponseBody, true, e.Truncated, maxBody)
	if e.Err != nil {
		fmt.Fprintf(&b, "--- error: %s\n", e.Err)
	}
	return r.redact(b.String())
}

// writeHeaders prints h sorted by name (case-insensitively), credential
// values hidden.
func writeHeaders(b *strings.Builder, h http.Header) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.SortFunc(names, func(x, y string) int {
		if c := strings.Compare(strings.ToLower(x), strings.ToLower(y)); c != 0 {
			return c
		}
		return strings.Compare(x, y)
	})
	for _, k := range names {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s: %s\n", k, redactHeaderValue(k, v))
		}
	}
}

// writeBody prints a blank line and body: JSON pretty-printed when pretty,
// binary data summarised, secrets redacted, then cut after maxBody bytes.
func writeBody(b *strings.Builder, r *redactor, body []byte, pretty, truncated bool, maxBody int) {
	if len(body) == 0 {
		return
	}
	b.WriteByte('\n')
	if !isText(body, truncated) {
		fmt.Fprintf(b, "<%d bytes of binary data>\n", len(body))
		return
	}
	s := string(body)
	if pretty && !truncated && json.Valid(body) {
		var buf bytes.Buffer
		if json.Indent(&buf, body, "", "  ") == nil {
			s = buf.String()
		}
	}
	s = r.redact(s)
	if truncated {
		s = r.redactTail(s)
	}
	if maxBody > 0 && len(s) > maxBody {
		cut := maxBody
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = fmt.Sprintf("%s... (%d more bytes)", s[:cut], len(s)-cut)
	}
	b.WriteString(s)
	if !strings.HasSuffix(s, "\n") {
		b.WriteByte('\n')
	}
}

// isText reports whether body is UTF-8 text without control characters
// other than tab, CR, LF and FF. A rune cut short at the end of a truncated
// body is tolerated.
func isText(body []byte, truncated bool) bool {
	if truncated {
		for i := len(body) - 1; i >= 0 && i >= len(body)-utf8.UTFMax; i-- {
			if utf8.RuneStart(body[i]) {
				if !utf8.FullRune(body[i:]) {
					body = body[:i]
				}
				break
			}
		}
	}
	if !utf8.Valid(body) {
		return false
	}
	for _, ch := range body {
		if ch < 0x20 && ch != '\t' && ch != '\n' && ch != '\r' && ch != '\f' || ch == 0x7f {
			return false
		}
	}
	return true
}

// formatAttempt renders one attempt, e.g. "429, Retry-After 2.128, waited 2.128s".
func formatAttempt(a Attempt) string {
	var parts []string
	if a.Status != 0 {
		parts = append(parts, fmt.Sprint(a.Status))
	}
	if a.Err != "" {
		parts = append(parts, "error: "+a.Err)
	}
	if a.RetryAfter != "" {
		parts = append(parts, "Retry-After "+a.RetryAfter)
	}
	if a.Waited > 0 {
		parts = append(parts, "waited "+formatDuration(a.Waited))
	}
	return strings.Join(parts, ", ")
}

// formatDuration rounds d for display: milliseconds, or microseconds below 1ms.
func formatDuration(d time.Duration) string {
	if d >= time.Millisecond {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(time.Microsecond).String()
}
