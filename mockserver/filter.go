package mockserver

import (
	"fmt"
	"slices"
	"strings"
)

// This file implements the $filter subset:
//
//	expr    = or
//	or      = and *( "or" and )
//	and     = unary *( "and" unary )          ; and binds tighter than or
//	unary   = "not" unary / primary
//	primary = "(" expr ")" / "startswith(" property "," string ")" / property op literal
//	op      = eq / ne / gt / ge / lt / le
//	literal = 'string' ('' escapes a quote) / DateTimeOffset (unquoted) / null
//
// Keywords, function and property names match case-insensitively. String
// comparisons are case-sensitive (OData semantics).

// filterExpr is a compiled boolean expression.
type filterExpr interface {
	eval(r record) bool
}

type orExpr struct{ l, r filterExpr }
type andExpr struct{ l, r filterExpr }
type notExpr struct{ x filterExpr }

type cmpExpr struct {
	field string
	kind  fieldKind
	op    string
	lit   fvalue
}

type startsWithExpr struct {
	field  string
	prefix string
}

func (e orExpr) eval(r record) bool  { return e.l.eval(r) || e.r.eval(r) }
func (e andExpr) eval(r record) bool { return e.l.eval(r) && e.r.eval(r) }
func (e notExpr) eval(r record) bool { return !e.x.eval(r) }

// containsExpr is contains(field, 'part'), for the properties that document it.
type containsExpr struct {
	field string
	part  string
}

func (e containsExpr) eval(r record) bool {
	v := r.value(e.field)
	return !v.null && strings.Contains(v.str, e.part)
}

func (e startsWithExpr) eval(r record) bool {
	v := r.value(e.field)
	return !v.null && strings.HasPrefix(v.str, e.prefix)
}

// eval follows OData null rules: eq/ne compare null with null; ordering
// comparisons with a null operand are false.
func (e cmpExpr) eval(r record) bool {
	v := r.value(e.field)
	if v.null || e.lit.null {
		both := v.null && e.lit.null
		switch e.op {
		case "eq":
			return both
		case "ne":
			return !both
		default:
			return false
		}
	}
	var c int
	if e.kind == kindDateTime {
		c = v.time.Compare(e.lit.time)
	} else {
		c = strings.Compare(v.str, e.lit.str)
	}
	switch e.op {
	case "eq":
		return c == 0
	case "ne":
		return c != 0
	case "gt":
		return c > 0
	case "ge":
		return c >= 0
	case "lt":
		return c < 0
	default: // "le"
		return c <= 0
	}
}

// compileFilter parses a $filter value for the given entity type. Errors
// are *apiError (400) that say what was wrong and where.
func compileFilter(src string, es *entitySchema) (filterExpr, error) {
	toks, err := lexFilter(src)
	if err != nil {
		return nil, err
	}
	p := &filterParser{toks: toks, es: es}
	if p.peek().kind == tokEOF {
		return nil, badRequest("Invalid $filter: the expression is empty.")
	}
	e, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tokEOF {
		return nil, p.errAt(t, "unexpected %s", t.describe())
	}
	return e, nil
}

const maxFilterDepth = 64

type filterParser struct {
	toks  []token
	i     int
	es    *entitySchema
	depth int
}

func (p *filterParser) peek() token { return p.toks[p.i] }

func (p *filterParser) next() token {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *filterParser) errAt(t token, format string, args ...any) error {
	return badRequest("Invalid $filter at position %d: %s.", t.pos+1, fmt.Sprintf(format, args...))
}

func (p *filterParser) enter(t token) error {
	p.depth++
	if p.depth > maxFilterDepth {
		return p.errAt(t, "expression nested deeper than %d levels", maxFilterDepth)
	}
	return nil
}

func (p *filterParser) parseOr() (filterExpr, error) {
	l, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peek().isKeyword("or") {
		p.next()
		r, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		l = orExpr{l, r}
	}
	return l, nil
}

func (p *filterParser) parseAnd() (filterExpr, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.peek().isKeyword("and") {
		p.next()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = andExpr{l, r}
	}
	return l, nil
}

func (p *filterParser) parseUnary() (filterExpr, error) {
	if t := p.peek(); t.isKeyword("not") {
		p.next()
		if err := p.enter(t); err != nil {
			return nil, err
		}
		x, err := p.parseUnary()
		p.depth--
		if err != nil {
			return nil, err
		}
		return notExpr{x}, nil
	}
	return p.parsePrimary()
}

// unsupportedFunctions are OData functions this server knows by name but
// does not implement; they get a precise message.
var unsupportedFunctions = map[string]bool{
	"contains": true, "endswith": true, "length": true, "indexof": true, "substring": true,
	"tolower": true, "toupper": true, "trim": true, "concat": true, "year": true, "month": true,
	"day": true, "hour": true, "minute": true, "second": true, "date": true, "time": true,
	"now": true, "any": true, "all": true, "cast": true, "isof": true, "matchespattern": true,
}

func (p *filterParser) parsePrimary() (filterExpr, error) {
	t := p.next()
	switch t.kind {
	case tokLParen:
		if err := p.enter(t); err != nil {
			return nil, err
		}
		e, err := p.parseOr()
		p.depth--
		if err != nil {
			return nil, err
		}
		if c := p.next(); c.kind != tokRParen {
			return nil, p.errAt(c, "expected ')' but found %s", c.describe())
		}
		return e, nil
	case tokIdent:
		if p.peek().kind == tokLParen {
			return p.parseFunction(t)
		}
		if isFilterKeyword(t.text) {
			return nil, p.errAt(t, "expected a property name but found %s", t.describe())
		}
		return p.parseComparison(t)
	case tokEOF:
		return nil, p.errAt(t, "the expression ends too early")
	default:
		return nil, p.errAt(t, "expected a property name but found %s", t.describe())
	}
}

func (p *filterParser) parseFunction(name token) (filterExpr, error) {
	fn := strings.ToLower(name.text)
	if fn != "startswith" && fn != "contains" {
		if unsupportedFunctions[fn] {
			return nil, p.errAt(name, "function '%s' is not supported (only startswith is)", name.text)
		}
		return nil, p.errAt(name, "unknown function '%s'", name.text)
	}
	p.next() // (
	pt := p.next()
	if pt.kind != tokIdent || isFilterKeyword(pt.text) {
		return nil, p.errAt(pt, "startswith expects a property name as its first argument, found %s", pt.describe())
	}
	f, err := p.field(pt)
	if err != nil {
		return nil, err
	}
	if f.kind != kindString || (fn == "contains" && !f.contains) {
		return nil, p.errAt(pt, "%s is not supported on property '%s'", fn, f.name)
	}
	if c := p.next(); c.kind != tokComma {
		return nil, p.errAt(c, "expected ',' in startswith but found %s", c.describe())
	}
	lit := p.next()
	if lit.kind != tokString {
		return nil, p.errAt(lit, "startswith expects a string literal as its second argument, found %s", lit.describe())
	}
	if c := p.next(); c.kind != tokRParen {
		return nil, p.errAt(c, "expected ')' to close startswith but found %s", c.describe())
	}
	if fn == "contains" {
		return containsExpr{field: f.name, part: lit.text}, nil
	}
	return startsWithExpr{field: f.name, prefix: lit.text}, nil
}

func (p *filterParser) field(t token) (field, error) {
	f, ok := p.es.filterable[strings.ToLower(t.text)]
	if ok {
		return f, nil
	}
	if name, known := p.es.property(t.text); known || p.es.navigation[strings.ToLower(t.text)] {
		if name == "" {
			name = t.text
		}
		return field{}, p.errAt(t, "filtering on property '%s' is not supported", name)
	}
	return field{}, p.errAt(t, "'%s' is not a property of %s", t.text, p.es.name)
}

var comparisonOps = map[string]bool{"eq": true, "ne": true, "gt": true, "ge": true, "lt": true, "le": true}

func (p *filterParser) parseComparison(prop token) (filterExpr, error) {
	f, err := p.field(prop)
	if err != nil {
		return nil, err
	}
	opTok := p.next()
	op := strings.ToLower(opTok.text)
	if opTok.kind != tokIdent || !comparisonOps[op] {
		if opTok.kind == tokIdent && isOtherOperator(op) {
			return nil, p.errAt(opTok, "operator '%s' is not supported", opTok.text)
		}
		return nil, p.errAt(opTok, "expected a comparison operator (eq, ne, gt, ge, lt, le) after '%s' but found %s", prop.text, opTok.describe())
	}
	lit := p.next()
	cmp := cmpExpr{field: f.name, kind: f.kind, op: op}
	if lit.isKeyword("null") {
		if op != "eq" && op != "ne" {
			return nil, p.errAt(opTok, "operator '%s' cannot compare with null", op)
		}
		cmp.lit = fvalue{null: true}
		return cmp, nil
	}
	switch f.kind {
	case kindDateTime:
		if lit.kind != tokDateTime {
			return nil, p.errAt(lit, "property '%s' needs an unquoted DateTimeOffset literal such as 2025-10-22T20:12:13.759634Z, found %s", f.name, lit.describe())
		}
		cmp.lit = fvalue{time: lit.time}
	case kindBool:
		if !lit.isKeyword("true") && !lit.isKeyword("false") {
			return nil, p.errAt(lit, "property '%s' needs true or false, found %s", f.name, lit.describe())
		}
		if op != "eq" && op != "ne" {
			return nil, p.errAt(opTok, "operator '%s' is not supported on property '%s' (use eq or ne)", op, f.name)
		}
		cmp.lit = fvalue{str: strings.ToLower(lit.text)}
	case kindString, kindEnum:
		if lit.kind != tokString {
			return nil, p.errAt(lit, "property '%s' needs a string literal in single quotes, found %s", f.name, lit.describe())
		}
		if op != "eq" && op != "ne" {
			return nil, p.errAt(opTok, "operator '%s' is not supported on property '%s' (use eq, ne or startswith)", op, f.name)
		}
		if f.kind == kindEnum && !slices.Contains(f.enum, lit.text) {
			return nil, p.errAt(lit, "'%s' is not a member of %sType (%s)", lit.text, p.es.name, strings.Join(f.enum, ", "))
		}
		cmp.lit = fvalue{str: lit.text}
	}
	return cmp, nil
}

func isFilterKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "and", "or", "not", "eq", "ne", "gt", "ge", "lt", "le", "null", "true", "false":
		return true
	}
	return false
}

func isOtherOperator(s string) bool {
	switch s {
	case "has", "in", "add", "sub", "mul", "div", "divby", "mod":
		return true
	}
	return false
}
