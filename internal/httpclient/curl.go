package httpclient

import (
	"bytes"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// curlBodyLimit is the largest body a reproducer writes out literally; a larger body made of
// one long run of a byte is rebuilt by a pipeline, any other is cut (and the command says so).
const curlBodyLimit = 16 << 10

// curlSkippedHeaders are set by curl itself or describe the transfer, not the request.
var curlSkippedHeaders = []string{"Accept-Encoding", "Content-Length", "Host", "User-Agent"}

// Curl renders e as one shell command that repeats the request. It never contains a
// credential: a header that carried the run's token reads it from "$COPILOTCONF_TOKEN", and
// every other secret is redacted, as in a transcript.
func (c *Client) Curl(e *Exchange) string {
	if e == nil {
		return ""
	}
	r := newRedactor()
	if c != nil {
		r = c.currentRedactor()
	}
	perRequest := r.with(e.secrets...)

	args := []string{"curl", "-sS", "-i"}
	if e.Method != "" && e.Method != http.MethodGet {
		args = append(args, "-X", e.Method)
	}
	args = append(args, shellQuote(perRequest.redact(e.URL)))
	names := make([]string, 0, len(e.RequestHeader))
	for k := range e.RequestHeader {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if slices.ContainsFunc(curlSkippedHeaders, func(s string) bool { return strings.EqualFold(s, k) }) {
			continue
		}
		for _, v := range e.RequestHeader[k] {
			if strings.EqualFold(k, "Authorization") && r.holdsSecret(v) {
				args = append(args, "-H", `"Authorization: Bearer $COPILOTCONF_TOKEN"`)
				continue
			}
			args = append(args, "-H", shellQuote(k+": "+perRequest.redact(v)))
		}
	}
	if e.RequestBody == nil {
		return strings.Join(args, " ")
	}
	body := perRequest.redact(string(e.RequestBody))
	if len(body) <= curlBodyLimit {
		return strings.Join(append(args, "--data-binary", shellQuote(body)), " ")
	}
	if head, run, n, tail, ok := longRun(body); ok {
		pipeline := fmt.Sprintf("{ printf '%%s' %s; head -c %d /dev/zero | tr '\\0' %s; printf '%%s' %s; }",
			shellQuote(head), n, shellQuote(string(run)), shellQuote(tail))
		return pipeline + " | " + strings.Join(append(args, "--data-binary", "@-"), " ")
	}
	return strings.Join(append(args, "--data-binary", shellQuote(body[:curlBodyLimit])), " ") +
		fmt.Sprintf(" # body cut after %d of %d bytes", curlBodyLimit, len(body))
}

// longRun finds a run of one ASCII byte that makes up most of s, for a body such as a 5 MiB
// displayName: s = head + n×run + tail.
func longRun(s string) (head string, run byte, n int, tail string, ok bool) {
	best, bestStart := 0, 0
	for i := 0; i < len(s); {
		j := i
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if j-i > best {
			best, bestStart = j-i, i
		}
		i = j
	}
	if best < len(s)/2 || s[bestStart] >= 0x80 || s[bestStart] == 0 || len(s)-best > curlBodyLimit {
		return "", 0, 0, "", false
	}
	return s[:bestStart], s[bestStart], best, s[bestStart+best:], true
}

// shellQuote quotes s for a POSIX shell: single quotes, with each ' written as '\”.
func shellQuote(s string) string {
	var b bytes.Buffer
	b.WriteByte('\'')
	b.WriteString(strings.ReplaceAll(s, "'", `'\''`))
	b.WriteByte('\'')
	return b.String()
}
