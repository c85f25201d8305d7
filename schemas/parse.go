package schemas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// SyntaxError is a document that is not one well-formed JSON value, with where it goes wrong.
type SyntaxError struct {
	Line, Column int // 1-based, in bytes
	Msg          string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// Parse decodes one JSON document as Validate does (numbers as json.Number), and rejects
// what encoding/json lets through: a member name that occurs twice in one object (RFC 8259
// leaves the meaning open; OData and Graph clients cannot rely on either copy) and data after
// the value. Errors are *SyntaxError, with line and column.
func Parse(doc []byte) (any, error) {
	p := parser{doc: doc, dec: json.NewDecoder(bytes.NewReader(doc))}
	p.dec.UseNumber()
	v, err := p.value("")
	if err != nil {
		return nil, err
	}
	end := p.dec.InputOffset()
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, p.fail(p.skipSpace(end), "data after the JSON value")
	}
	return v, nil
}

type parser struct {
	doc []byte
	dec *json.Decoder
}

// fail locates a problem at a byte offset.
func (p *parser) fail(offset int64, msg string) error {
	if offset > int64(len(p.doc)) {
		offset = int64(len(p.doc))
	}
	before := p.doc[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - bytes.LastIndexByte(before, '\n')
	return &SyntaxError{Line: line, Column: col, Msg: msg}
}

// skipSpace moves an offset past white space and a member separator, to the next token.
func (p *parser) skipSpace(offset int64) int64 {
	for offset < int64(len(p.doc)) && strings.IndexByte(" \t\r\n,", p.doc[offset]) >= 0 {
		offset++
	}
	return offset
}

// invalidChar finds the character an encoding/json syntax error names.
var invalidChar = regexp.MustCompile(`^invalid character '((?:[^'\\]|\\.)+)'`)

// tokenError turns a decoder error into a SyntaxError at the right place.
func (p *parser) tokenError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		// encoding/json reports some errors after the offending byte and some at it: point
		// at the character the message names.
		msg := strings.TrimPrefix(se.Error(), "json: ")
		offset := se.Offset
		if m := invalidChar.FindStringSubmatch(msg); m != nil && offset > 0 && offset <= int64(len(p.doc)) {
			if c, err := strconv.Unquote("'" + m[1] + "'"); err == nil && strings.HasPrefix(string(p.doc[offset-1:]), c) {
				offset--
			}
		}
		return p.fail(offset, msg)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return p.fail(int64(len(p.doc)), "unexpected end of the document")
	}
	return p.fail(p.dec.InputOffset(), err.Error())
}

func (p *parser) value(ptr string) (any, error) {
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.tokenError(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return p.object(ptr)
		case '[':
			return p.array(ptr)
		}
		return nil, p.fail(p.dec.InputOffset(), fmt.Sprintf("unexpected %q", string(t)))
	default:
		return t, nil
	}
}

func (p *parser) object(ptr string) (any, error) {
	obj := map[string]any{}
	for p.dec.More() {
		start := p.dec.InputOffset()
		tok, err := p.dec.Token()
		if err != nil {
			return nil, p.tokenError(err)
		}
		name, ok := tok.(string)
		if !ok {
			return nil, p.fail(start, "expected a member name")
		}
		if _, dup := obj[name]; dup {
			return nil, p.fail(p.skipSpace(start), fmt.Sprintf("duplicate member name %s in the object at %s", strconv.Quote(name), orRoot(ptr)))
		}
		v, err := p.value(ptr + "/" + escapePointer(name))
		if err != nil {
			return nil, err
		}
		obj[name] = v
	}
	if _, err := p.dec.Token(); err != nil {
		return nil, p.tokenError(err)
	}
	return obj, nil
}

func (p *parser) array(ptr string) (any, error) {
	arr := []any{}
	for p.dec.More() {
		v, err := p.value(ptr + "/" + strconv.Itoa(len(arr)))
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
	if _, err := p.dec.Token(); err != nil {
		return nil, p.tokenError(err)
	}
	return arr, nil
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

func orRoot(ptr string) string {
	if ptr == "" {
		return "/"
	}
	return ptr
}
