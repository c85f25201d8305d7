package mockserver

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// jsonObject is a JSON object that keeps its members in insertion order. Every
// response body is an *jsonObject so member order on the wire is stable
// (@odata.context first, as in the documented examples).
//
// Values may be nil (JSON null), string, bool, int, int64, uint64,
// json.Number, []any, *jsonObject; anything else is encoded with encoding/json.
type jsonObject struct {
	keys []string
	vals map[string]any
}

// newObject returns an empty ordered object.
func newObject() *jsonObject {
	return &jsonObject{vals: make(map[string]any)}
}

// Set adds k at the end, or replaces its value in place when k exists.
func (o *jsonObject) Set(k string, v any) *jsonObject {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

// Get returns the value of member k.
func (o *jsonObject) Get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

// Has reports whether member k exists.
func (o *jsonObject) Has(k string) bool {
	_, ok := o.vals[k]
	return ok
}

// Delete removes member k (no-op when absent).
func (o *jsonObject) Delete(k string) {
	if _, ok := o.vals[k]; !ok {
		return
	}
	delete(o.vals, k)
	for i, key := range o.keys {
		if key == k {
			o.keys = append(o.keys[:i:i], o.keys[i+1:]...)
			break
		}
	}
}

// Keys returns the member names in order (a copy).
func (o *jsonObject) Keys() []string {
	return append([]string(nil), o.keys...)
}

// Len returns the number of members.
func (o *jsonObject) Len() int { return len(o.keys) }

// MarshalJSON encodes the object with members in order.
func (o *jsonObject) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	if err := encodeValue(&buf, o); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// encodeValue appends the JSON encoding of v to buf. Strings are written
// without HTML escaping, so text round-trips byte for byte.
func encodeValue(buf *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		buf.WriteString("null")
	case string:
		encodeString(buf, x)
	case bool:
		buf.WriteString(strconv.FormatBool(x))
	case int:
		buf.WriteString(strconv.Itoa(x))
	case int64:
		buf.WriteString(strconv.FormatInt(x, 10))
	case uint64:
		buf.WriteString(strconv.FormatUint(x, 10))
	case json.Number:
		buf.WriteString(x.String())
	case *jsonObject:
		if x == nil {
			buf.WriteString("null")
			return nil
		}
		buf.WriteByte('{')
		for i, k := range x.keys {
			if i > 0 {
				buf.WriteByte(',')
			}
			encodeString(buf, k)
			buf.WriteByte(':')
			if err := encodeValue(buf, x.vals[k]); err != nil {
				return err
			}
		}
		buf.WriteByte('}')
	case []any:
		buf.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				buf.WriteByte(',')
			}
			if err := encodeValue(buf, e); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
	case []*jsonObject:
		items := make([]any, len(x))
		for i, e := range x {
			items[i] = e
		}
		return encodeValue(buf, items)
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return err
		}
		buf.Write(b)
	}
	return nil
}

func encodeString(buf *bytes.Buffer, s string) {
	const hexDigits = "0123456789abcdef"
	buf.WriteByte('"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			buf.WriteString(s[start:i])
			switch c {
			case '"', '\\':
				buf.WriteByte('\\')
				buf.WriteByte(c)
			case '\n':
				buf.WriteString(`\n`)
			case '\r':
				buf.WriteString(`\r`)
			case '\t':
				buf.WriteString(`\t`)
			default:
				buf.WriteString(`\u00`)
				buf.WriteByte(hexDigits[c>>4])
				buf.WriteByte(hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf.WriteString(s[start:i])
			buf.WriteString(`\ufffd`)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			buf.WriteString(s[start:i])
			buf.WriteString(`\u202`)
			buf.WriteByte(hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf.WriteString(s[start:])
	buf.WriteByte('"')
}

// cloneJSON deep-copies a JSON value built from the types jsonObject holds, so a
// rendered body never shares mutable state with the store.
func cloneJSON(v any) any {
	switch x := v.(type) {
	case *jsonObject:
		if x == nil {
			return (*jsonObject)(nil)
		}
		c := &jsonObject{keys: append([]string(nil), x.keys...), vals: make(map[string]any, len(x.vals))}
		for k, e := range x.vals {
			c.vals[k] = cloneJSON(e)
		}
		return c
	case []any:
		c := make([]any, len(x))
		for i, e := range x {
			c[i] = cloneJSON(e)
		}
		return c
	default:
		return v
	}
}
