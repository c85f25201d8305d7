package mockserver

import (
	"encoding/json"
	"testing"
)

func TestObjectOrderAndEdits(t *testing.T) {
	o := newObject().Set("b", 1).Set("a", "x").Set("c", nil)
	o.Set("b", 2) // replace keeps position
	if got := canon(t, o); got != `{"b":2,"a":"x","c":null}` {
		t.Errorf("got %s", got)
	}
	o.Delete("a")
	o.Delete("missing")
	if got := canon(t, o); got != `{"b":2,"c":null}` || o.Len() != 2 || !o.Has("c") || o.Has("a") {
		t.Errorf("after delete: %s", got)
	}
	keys := o.Keys()
	keys[0] = "zzz" // a copy
	if o.Keys()[0] != "b" {
		t.Errorf("Keys is not a copy")
	}
	var nilObj *jsonObject
	if got := canon(t, nilObj); got != "null" {
		t.Errorf("nil object %s", got)
	}
}

func TestEncodeValues(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{true, `true`},
		{int64(-5), `-5`},
		{uint64(7), `7`},
		{json.Number("2.5e300"), `2.5e300`},
		{[]any{1, "a", nil, []any{}}, `[1,"a",null,[]]`},
		{[]*jsonObject{newObject().Set("x", 1)}, `[{"x":1}]`},
		{map[string]int{"k": 1}, `{"k":1}`},
		{"plain <b>&</b>", `"plain <b>&</b>"`},
		{"quote \" backslash \\ slash /", `"quote \" backslash \\ slash /"`},
		{"\n\r\t\x00\x1f", `"\n\r\t\u0000\u001f"`},
		{"bad \xff utf8", `"bad \ufffd utf8"`},
		{"sep \u2028 \u2029", `"sep \u2028 \u2029"`},
		{"ünïcødé 😀", `"ünïcødé 😀"`},
	}
	for _, c := range cases {
		got := canon(t, c.v)
		if got != c.want {
			t.Errorf("%#v: %s, want %s", c.v, got, c.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("%#v: invalid JSON %s", c.v, got)
		}
	}
	// Strings round-trip through encoding/json.
	for _, s := range []string{"a\"b\\c", "\x01\x7f", "日本", "\u2028", "\ufffd"} {
		var back string
		if err := json.Unmarshal([]byte(canon(t, s)), &back); err != nil || back != s {
			t.Errorf("%q round-trips to %q (%v)", s, back, err)
		}
	}
	if _, err := newObject().Set("f", func() {}).MarshalJSON(); err == nil {
		t.Errorf("an unencodable value did not fail")
	}
}

func TestCloneJSON(t *testing.T) {
	orig := newObject().Set("a", []any{newObject().Set("b", 1)})
	c := cloneJSON(orig).(*jsonObject)
	inner, _ := c.Get("a")
	inner.([]any)[0].(*jsonObject).Set("b", 2)
	c.Set("new", true)
	if got := canon(t, orig); got != `{"a":[{"b":1}]}` {
		t.Errorf("clone shares state with the original: %s", got)
	}
}

func TestKeyLiteralAndRoutes(t *testing.T) {
	for in, want := range map[string]string{
		"default":  "default",
		"it's":     "it''s",
		"a b/c?d#": "a%20b%2Fc%3Fd%23",
		"ünï":      "%C3%BCn%C3%AF",
	} {
		if got := keyLiteral(in); got != want {
			t.Errorf("keyLiteral(%q) = %q, want %q", in, got, want)
		}
	}
	// A workspace id that needs quoting and escaping works end to end.
	h := newHarness(t, Options{Workspaces: []string{"it's mine"}})
	r := h.do("POST", "/security/securityCopilot/workspaces/it's%20mine/sessions", `{"displayName":"x"}`)
	mustStatus(t, r, 201)
	want := h.root + "/$metadata#security/securityCopilot/workspaces('it''s%20mine')/sessions/$entity"
	if got := str(t, r.body, "@odata.context"); got != want {
		t.Errorf("context %q, want %q", got, want)
	}
	mustStatus(t, h.getURL(r.header.Get("Location")), 200)
	mustStatus(t, h.do("GET", "/security/securityCopilot/workspaces('it''s%20mine')/sessions", ""), 200)
}
