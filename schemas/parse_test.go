package schemas

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, doc string
		line, col int
		msg       string // "" = valid
	}{
		{"object", `{"a": [1, 2.5, "x", true, null, {}]}`, 0, 0, ""},
		{"duplicate member", "{\n  \"id\": \"a\",\n  \"id\": \"b\"\n}", 3, 3, `duplicate member name "id" in the object at /`},
		{"nested duplicate", `{"value": [{"x": 1, "x": 2}]}`, 1, 21, `duplicate member name "x" in the object at /value/0`},
		{"same name in two objects", `{"a": {"x": 1}, "b": {"x": 2}}`, 0, 0, ""},
		{"trailing comma", "{\n  \"a\": 1,\n}", 3, 1, "invalid character '}'"},
		{"truncated", `{"a": [1, 2`, 1, 12, "unexpected end"},
		{"not JSON at all", `<html>`, 1, 1, "invalid character '<'"},
		{"two values", `{} {}`, 1, 4, "data after the JSON value"},
		{"empty", ``, 1, 1, "unexpected end"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if tc.msg == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("expected a SyntaxError, got %v", err)
			}
			if se.Line != tc.line || se.Column != tc.col || !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("got %v, want line %d, column %d: %s", se, tc.line, tc.col, tc.msg)
			}
		})
	}
}
