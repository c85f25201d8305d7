package schemas

import (
	"cmp"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

// violations flattens a jsonschema error tree to its leaf causes, de-duplicated and
// sorted by pointer. doc is the validated value, used to quote values in reasons.
func violations(root *jsonschema.ValidationError, doc any) []Violation {
	var leaves []*jsonschema.ValidationError
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			leaves = append(leaves, e)
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(root)

	// The digits check on timestamps only backs up the date-time format; when the
	// format already failed at a pointer, the format message says enough.
	formatFailed := make(map[string]bool)
	for _, e := range leaves {
		if strings.HasSuffix(e.KeywordLocation, "/format") {
			formatFailed[e.InstanceLocation] = true
		}
	}

	var out []Violation
	seen := make(map[Violation]bool)
	for _, e := range leaves {
		loc := strings.TrimPrefix(e.AbsoluteKeywordLocation, baseURL)
		if (loc == dateTimeFields || loc == dateTimeDigits) && formatFailed[e.InstanceLocation] {
			continue
		}
		v := Violation{Pointer: pointer(e.InstanceLocation)}
		v.Reason = reason(e, loc, v.Pointer, doc)
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b Violation) int {
		return cmp.Or(comparePointers(a.Pointer, b.Pointer), strings.Compare(a.Reason, b.Reason))
	})
	return out
}

// pointer turns jsonschema's instance location into an RFC 6901 JSON Pointer: the
// library percent-encodes each reference token (a URI fragment form), a plain JSON
// Pointer does not.
func pointer(loc string) string {
	if loc == "" {
		return ""
	}
	toks := strings.Split(loc, "/")
	for i, t := range toks {
		if u, err := url.PathUnescape(t); err == nil {
			toks[i] = u
		}
	}
	return strings.Join(toks, "/")
}

// Keyword locations, relative to baseURL, whose library message reason rewrites: the
// timestamp patterns (the library would print the raw regular expression) and
// additionalProperties (the library lists names in random order).
const (
	utcOffset      = "defs.json#/$defs/DateTimeOffset/pattern"
	dateTimeFields = "defs.json#/$defs/DateTimeFields/pattern"
	dateTimeDigits = "defs.json#/$defs/DateTimePrecision/pattern"
	additionalKey  = "additionalProperties"
)

// leapSecond matches a date-time whose seconds field is 60.
var leapSecond = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:60`)

// reason returns a one-line explanation for a leaf error; loc is its absolute
// keyword location relative to baseURL.
func reason(e *jsonschema.ValidationError, loc, ptr string, doc any) string {
	switch {
	case loc == utcOffset:
		return fmt.Sprintf("%s is not in UTC: the offset must be 'Z' or '+00:00'", quoteValue(doc, ptr))
	case loc == dateTimeFields:
		if s, _ := lookupString(doc, ptr); leapSecond.MatchString(s) {
			return fmt.Sprintf("%s has second 60 (a leap second), which Edm.DateTimeOffset does not allow", quoteValue(doc, ptr))
		}
		return fmt.Sprintf("%s is not valid 'date-time': each field needs two ASCII digits (yyyy-mm-ddThh:mm:ss), seconds 00-59", quoteValue(doc, ptr))
	case loc == dateTimeDigits:
		return fmt.Sprintf("%s has more than 12 fractional-second digits, which the OData ABNF and Graph do not allow", quoteValue(doc, ptr))
	case strings.HasSuffix(loc, "/"+additionalKey):
		// The library lists the names in map order; sort them so output is stable.
		names, ok := strings.CutPrefix(e.Message, additionalKey+" ")
		if names, ok2 := strings.CutSuffix(names, " not allowed"); ok && ok2 {
			if quoted := splitQuoted(names); quoted != nil {
				slices.Sort(quoted)
				return additionalKey + " " + strings.Join(quoted, ", ") + " not allowed"
			}
		}
	}
	return oneLine(e.Message)
}

// splitQuoted splits "'a', 'b\'c'" (the library's quoting) into its quoted items, or
// returns nil if s has another shape.
func splitQuoted(s string) []string {
	var out []string
	for s != "" {
		if s[0] != '\'' {
			return nil
		}
		end := -1
		for i := 1; i < len(s); i++ {
			if s[i] == '\\' {
				i++
				continue
			}
			if s[i] == '\'' {
				end = i
				break
			}
		}
		if end < 0 {
			return nil
		}
		out = append(out, s[:end+1])
		s = s[end+1:]
		if s == "" {
			break
		}
		var ok bool
		if s, ok = strings.CutPrefix(s, ", "); !ok {
			return nil
		}
	}
	return out
}

// quoteValue quotes the value at ptr in doc the way the library quotes strings.
func quoteValue(doc any, ptr string) string {
	v, ok := lookup(doc, ptr)
	if !ok {
		return "value"
	}
	s, ok := v.(string)
	if !ok {
		return fmt.Sprint(v)
	}
	q := strconv.Quote(s)
	q = strings.ReplaceAll(q, `\"`, `"`)
	q = strings.ReplaceAll(q, `'`, `\'`)
	return "'" + q[1:len(q)-1] + "'"
}

// lookupString returns the string at ptr in doc.
func lookupString(doc any, ptr string) (string, bool) {
	v, _ := lookup(doc, ptr)
	s, ok := v.(string)
	return s, ok
}

// lookup resolves an RFC 6901 JSON Pointer in a decoded document.
func lookup(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	toks := strings.Split(ptr, "/")[1:]
	for _, t := range toks {
		t = strings.ReplaceAll(strings.ReplaceAll(t, "~1", "/"), "~0", "~")
		switch c := doc.(type) {
		case map[string]any:
			next, ok := c[t]
			if !ok {
				return nil, false
			}
			doc = next
		case []any:
			i, err := strconv.Atoi(t)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			doc = c[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// comparePointers orders pointers token by token, array indexes numerically, so
// /value/2 sorts before /value/10 and a parent before its children.
func comparePointers(a, b string) int {
	if a == b {
		return 0
	}
	at, bt := strings.Split(a, "/"), strings.Split(b, "/")
	for i := 0; i < len(at) && i < len(bt); i++ {
		if at[i] == bt[i] {
			continue
		}
		ai, aerr := strconv.Atoi(at[i])
		bi, berr := strconv.Atoi(bt[i])
		if aerr == nil && berr == nil {
			return cmp.Compare(ai, bi)
		}
		return strings.Compare(at[i], bt[i])
	}
	return cmp.Compare(len(at), len(bt))
}

// oneLine folds a message onto one line. The library quotes values with
// escapes, so this only matters for its own wording.
func oneLine(s string) string {
	return strings.ReplaceAll(s, "\n", " ")
}

// fractionalSeconds finds the fractional seconds of a date-time.
var fractionalSeconds = regexp.MustCompile(`[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}\.([0-9]+)`)

// FractionalDigits returns how many fractional-second digits a date-time string carries
// (Edm.DateTimeOffset allows at most 12).
func FractionalDigits(ts string) int {
	if m := fractionalSeconds.FindStringSubmatch(ts); m != nil {
		return len(m[1])
	}
	return 0
}
