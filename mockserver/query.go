package mockserver

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// optSet is a set of system query options.
type optSet uint

const (
	optTop optSet = 1 << iota
	optCount
	optFilter
	optSelect
	optSkipToken
	optExpand
)

// Options allowed per operation. Create and update take none.
const (
	optsListSessions = optTop | optCount | optFilter | optSelect | optSkipToken | optExpand
	optsListPrompts  = optTop | optCount | optFilter | optSelect | optSkipToken
	optsGetSession   = optSelect | optExpand
	optsGetPrompt    = optSelect
	optsNone         = optSet(0)
)

const (
	defaultPageSize = 20
	maxPageSize     = 100
)

// supportedOptions maps lower-cased names (without '$') to options.
var supportedOptions = map[string]optSet{
	"top": optTop, "count": optCount, "filter": optFilter,
	"select": optSelect, "skiptoken": optSkipToken, "expand": optExpand,
}

// unsupportedOptions are OData system query options this API does not
// offer. With '$' every unknown name is rejected; these are also rejected
// when written without '$' (beta treats "orderby" as "$orderby").
var unsupportedOptions = map[string]bool{"orderby": true, "search": true, "skip": true}

// queryOptions is the parsed, validated query of one request.
type queryOptions struct {
	top       int // page size (default 20)
	hasTop    bool
	count     bool
	hasCount  bool
	filter    filterExpr
	filterRaw string
	sel       *selection // nil: default property set
	selRaw    string
	expand    bool
	skipToken string
	hasSkip   bool
}

// selection is a validated $select list.
type selection struct {
	props []string // canonical names, in request order, without duplicates
}

func (s *selection) includes(name string) bool {
	if s == nil {
		return true
	}
	return slices.Contains(s.props, name)
}

// contextSuffix is the select-list of a context URL: "(a,b)", or "".
func (s *selection) contextSuffix() string {
	if s == nil {
		return ""
	}
	return "(" + strings.Join(s.props, ",") + ")"
}

// parseQuery parses rawQuery for an operation that accepts the options in
// allowed on entities described by es. Option names are case-insensitive
// and the '$' prefix is optional; unknown names without '$' are ignored.
func parseQuery(rawQuery string, allowed optSet, es *entitySchema) (*queryOptions, error) {
	q := &queryOptions{top: defaultPageSize}
	seen := map[string]bool{}
	for _, part := range strings.Split(rawQuery, "&") {
		if part == "" {
			continue
		}
		rawName, rawValue, _ := strings.Cut(part, "=")
		name, err1 := url.QueryUnescape(rawName)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			return nil, badRequest("The query string is malformed: invalid percent-encoding in '%s'.", part)
		}
		dollar := strings.HasPrefix(name, "$")
		key := strings.ToLower(strings.TrimPrefix(name, "$"))
		opt, supported := supportedOptions[key]
		if !supported {
			if dollar || unsupportedOptions[key] {
				return nil, badRequest("Query option '%s' is not supported.", name)
			}
			continue // a custom parameter: ignored
		}
		if allowed&opt == 0 {
			return nil, badRequest("Query option '$%s' is not allowed on this operation.", key)
		}
		if seen[key] {
			return nil, badRequest("Query option '$%s' was specified more than once.", key)
		}
		seen[key] = true
		if err := q.set(opt, value, es); err != nil {
			return nil, err
		}
	}
	return q, nil
}

func (q *queryOptions) set(opt optSet, value string, es *entitySchema) error {
	switch opt {
	case optTop:
		n, ok := parseTop(value)
		if !ok {
			return badRequest("Invalid value '%s' for $top: expected an integer from 1 to %d.", value, maxPageSize)
		}
		q.top, q.hasTop = n, true
	case optCount:
		switch strings.ToLower(value) {
		case "true":
			q.count = true
		case "false":
			q.count = false
		default:
			return badRequest("Invalid value '%s' for $count: expected true or false.", value)
		}
		q.hasCount = true
	case optFilter:
		e, err := compileFilter(value, es)
		if err != nil {
			return err
		}
		q.filter, q.filterRaw = e, value
	case optSelect:
		sel, err := parseSelect(value, es)
		if err != nil {
			return err
		}
		q.sel, q.selRaw = sel, value
	case optExpand:
		v := strings.TrimSpace(value)
		if !strings.EqualFold(v, "prompts") {
			if strings.HasPrefix(strings.ToLower(v), "prompts(") {
				return badRequest("Invalid $expand '%s': nested query options are not supported.", value)
			}
			return badRequest("Invalid $expand '%s': only 'prompts' can be expanded.", value)
		}
		q.expand = true
	case optSkipToken:
		if value == "" {
			return badRequest("Invalid $skiptoken: the value is empty.")
		}
		q.skipToken, q.hasSkip = value, true
	}
	return nil
}

// parseTop accepts a plain decimal integer from 1 to maxPageSize.
func parseTop(s string) (int, bool) {
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, false
	}
	return n, true
}

// parseSelect validates a comma-separated property list. "*" (alone or in
// the list) selects the default property set.
func parseSelect(value string, es *entitySchema) (*selection, error) {
	if strings.TrimSpace(value) == "" {
		return nil, badRequest("Invalid $select: the value is empty.")
	}
	sel := &selection{}
	star := false
	for _, item := range strings.Split(value, ",") {
		item = strings.TrimSpace(item)
		switch {
		case item == "":
			return nil, badRequest("Invalid $select '%s': empty property name.", value)
		case item == "*":
			star = true
		default:
			name, ok := es.property(item)
			if !ok {
				if es.navigation[strings.ToLower(item)] {
					return nil, badRequest("Invalid $select: '%s' is a navigation property; use $expand.", item)
				}
				return nil, badRequest("Could not find a property named '%s' on type 'microsoft.graph.security.securityCopilot.%s'.", item, es.name)
			}
			if !slices.Contains(sel.props, name) {
				sel.props = append(sel.props, name)
			}
		}
	}
	if star {
		return nil, nil
	}
	return sel, nil
}

// nextLinkQuery re-encodes the options of q (canonical '$' names, fixed
// order) and adds the skiptoken for the next page.
func (q *queryOptions) nextLinkQuery(skipToken string) string {
	var parts []string
	add := func(name, value string) {
		parts = append(parts, name+"="+escapeQueryValue(value))
	}
	if q.filterRaw != "" {
		add("$filter", q.filterRaw)
	}
	if q.selRaw != "" {
		add("$select", q.selRaw)
	}
	if q.expand {
		add("$expand", "prompts")
	}
	if q.hasCount {
		add("$count", strconv.FormatBool(q.count))
	}
	if q.hasTop {
		add("$top", strconv.Itoa(q.top))
	}
	add("$skiptoken", skipToken)
	return strings.Join(parts, "&")
}

// escapeQueryValue percent-encodes a query value; spaces become %20.
func escapeQueryValue(v string) string {
	return strings.ReplaceAll(url.QueryEscape(v), "+", "%20")
}
