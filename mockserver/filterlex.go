package mockserver

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Lexer for $filter, and the DateTimeOffset literal parser.

type tokKind int

const (
	tokEOF tokKind = iota
	tokIdent
	tokString
	tokDateTime
	tokLParen
	tokRParen
	tokComma
)

type token struct {
	kind tokKind
	text string // identifier, or the unquoted string value, or the literal as written
	time time.Time
	pos  int // byte offset in the expression
}

func (t token) isKeyword(kw string) bool { return t.kind == tokIdent && strings.EqualFold(t.text, kw) }

func (t token) describe() string {
	switch t.kind {
	case tokEOF:
		return "the end of the expression"
	case tokString:
		return fmt.Sprintf("string '%s'", t.text)
	case tokDateTime:
		return fmt.Sprintf("DateTimeOffset %s", t.text)
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokComma:
		return "','"
	default:
		return fmt.Sprintf("'%s'", t.text)
	}
}

func lexFilter(src string) ([]token, error) {
	var toks []token
	lexErr := func(pos int, format string, args ...any) error {
		return badRequest("Invalid $filter at position %d: %s.", pos+1, fmt.Sprintf(format, args...))
	}
	if !utf8.ValidString(src) {
		return nil, badRequest("Invalid $filter: the expression is not valid UTF-8.")
	}
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '(':
			toks = append(toks, token{kind: tokLParen, pos: i})
			i++
		case c == ')':
			toks = append(toks, token{kind: tokRParen, pos: i})
			i++
		case c == ',':
			toks = append(toks, token{kind: tokComma, pos: i})
			i++
		case c == '\'':
			start := i
			var sb strings.Builder
			i++
			for {
				if i >= len(src) {
					return nil, lexErr(start, "unterminated string literal")
				}
				if src[i] == '\'' {
					if i+1 < len(src) && src[i+1] == '\'' {
						sb.WriteByte('\'')
						i += 2
						continue
					}
					i++
					break
				}
				sb.WriteByte(src[i])
				i++
			}
			toks = append(toks, token{kind: tokString, text: sb.String(), pos: start})
		case isIdentStart(c):
			start := i
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			toks = append(toks, token{kind: tokIdent, text: src[start:i], pos: start})
		case c >= '0' && c <= '9' || c == '-' || c == '+':
			start := i
			for i < len(src) && isLiteralPart(src[i]) {
				i++
			}
			// A '+' in an offset arrives as a space when the client did not
			// percent-encode it ("...13Z" is fine, "...13 02:00" means "+02:00").
			word := src[start:i]
			if m := spaceOffset.FindString(src[i:]); m != "" && dateTimeNoOffset.MatchString(word) {
				word += "+" + m[1:]
				i += len(m)
			}
			t, err := parseDateTimeOffset(word)
			if err != nil {
				return nil, lexErr(start, "invalid literal '%s' (%v)", word, err)
			}
			toks = append(toks, token{kind: tokDateTime, text: word, time: t, pos: start})
		default:
			r, _ := utf8.DecodeRuneInString(src[i:])
			return nil, lexErr(i, "unexpected character '%c'", r)
		}
	}
	return append(toks, token{kind: tokEOF, pos: len(src)}), nil
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

func isLiteralPart(c byte) bool {
	return isIdentPart(c) || c == ':' || c == '.' || c == '-' || c == '+'
}

var (
	dateTimeRE = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,12}))?)?([Zz]|[+-]\d{2}:\d{2})$`)
	// dateTimeNoOffset is a DateTimeOffset literal that lost its '+'.
	dateTimeNoOffset = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?$`)
	spaceOffset      = regexp.MustCompile(`^ \d{2}:\d{2}`)
)

// parseDateTimeOffset parses an OData DateTimeOffset literal:
// YYYY-MM-DDThh:mm[:ss[.f{1,12}]](Z|±hh:mm).
func parseDateTimeOffset(s string) (time.Time, error) {
	m := dateTimeRE.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("expected a DateTimeOffset such as 2025-10-22T20:12:13.759634Z")
	}
	num := func(x string) int { n, _ := strconv.Atoi(x); return n }
	year, month, day := num(m[1]), num(m[2]), num(m[3])
	hour, minute, sec := num(m[4]), num(m[5]), num(m[6])
	nsec := 0
	if m[7] != "" {
		frac := (m[7] + "000000000")[:9]
		nsec = num(frac)
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, fmt.Errorf("date or time out of range")
	}
	loc := time.UTC
	if off := m[8]; off != "Z" && off != "z" {
		oh, om := num(off[1:3]), num(off[4:6])
		if oh > 23 || om > 59 {
			return time.Time{}, fmt.Errorf("offset out of range")
		}
		secs := oh*3600 + om*60
		if off[0] == '-' {
			secs = -secs
		}
		loc = time.FixedZone("", secs)
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day || int(t.Month()) != month {
		return time.Time{}, fmt.Errorf("no such date")
	}
	return t.UTC(), nil
}
