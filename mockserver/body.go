package mockserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
)

const maxJSONDepth = 64

// readJSONObject enforces the request-body rules for POST and PATCH:
// Content-Type application/json (parameters allowed, charset must be
// UTF-8) else 415; more than MaxBodyBytes else 413; exactly one JSON object
// (no trailing data, no duplicate member names) else 400. Objects decode to
// *jsonObject (order kept), numbers to json.Number.
func (s *Server) readJSONObject(r *http.Request) (*jsonObject, error) {
	ct := r.Header.Get("Content-Type")
	mt, params, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil || mt != "application/json" {
		return nil, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedMediaType,
			"Content-Type '%s' is not supported; send application/json.", ct)
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "utf8") {
		return nil, newAPIError(http.StatusUnsupportedMediaType, codeUnsupportedMediaType,
			"Charset '%s' is not supported; send UTF-8.", cs)
	}
	tooLarge := newAPIError(http.StatusRequestEntityTooLarge, codeRequestEntityTooLarge,
		"The request body exceeds the limit of %d bytes.", s.maxBodyBytes)
	if r.ContentLength > s.maxBodyBytes {
		return nil, tooLarge
	}
	if r.Body == nil {
		return nil, badRequest("The request body is empty; a JSON object is required.")
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, s.maxBodyBytes+1))
	if err != nil {
		return nil, badRequest("The request body could not be read: %v.", err)
	}
	if int64(len(data)) > s.maxBodyBytes {
		return nil, tooLarge
	}
	return parseJSONObject(data)
}

// parseJSONObject decodes data that must hold exactly one JSON object.
func parseJSONObject(data []byte) (*jsonObject, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, badRequest("The request body is empty; a JSON object is required.")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := decodeJSONValue(dec, 0)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(*jsonObject)
	if !ok {
		return nil, badRequest("The request body must be a JSON object, not %s.", jsonTypeName(v))
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("The request body is malformed: unexpected data after the JSON object.")
	}
	return obj, nil
}

// decodeJSONValue reads one value with the token API, so object member
// order is kept and duplicate names are detected.
func decodeJSONValue(dec *json.Decoder, depth int) (any, error) {
	if depth > maxJSONDepth {
		return nil, badRequest("The request body is nested deeper than %d levels.", maxJSONDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			o := newObject()
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return nil, malformed(err)
				}
				k, ok := kt.(string)
				if !ok {
					return nil, badRequest("The request body is malformed: object member name expected.")
				}
				if o.Has(k) {
					return nil, badRequest("The request body is malformed: duplicate property '%s'.", k)
				}
				v, err := decodeJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				o.Set(k, v)
			}
			if _, err := dec.Token(); err != nil { // '}'
				return nil, malformed(err)
			}
			return o, nil
		case '[':
			arr := []any{}
			for dec.More() {
				v, err := decodeJSONValue(dec, depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			if _, err := dec.Token(); err != nil { // ']'
				return nil, malformed(err)
			}
			return arr, nil
		default:
			return nil, badRequest("The request body is malformed: unexpected '%s'.", t)
		}
	default:
		return tok, nil // string, json.Number, bool or nil
	}
}

func malformed(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return badRequest("The request body is malformed: unexpected end of JSON input.")
	}
	return badRequest("The request body is malformed: %v.", err)
}

// jsonTypeName names the JSON type of a decoded value for messages.
func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case *jsonObject:
		return "an object"
	}
	return "an unknown value"
}
