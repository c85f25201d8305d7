package suites

import (
	"fmt"

	"github.com/copilotconf/copilotconf/api"
	"sort"
	"strings"
	"sync"

	. "github.com/onsi/ginkgo/v2"
)

// Level says how much weight a failing spec carries.
type Level string

// The three requirement levels of the API facts sheet.
const (
	// Core requirements are stated on the method and resource pages; a conformance claim needs them.
	Core Level = "core"
	// OData requirements are OData/Graph protocol behaviour the pages refer to.
	OData Level = "odata"
	// Advisory requirements are SHOULDs or points the sources leave ambiguous; they fail the run
	// only in strict mode.
	Advisory Level = "advisory"
)

// A spec's operation label is the name of the API operation it exercises (api.Operations), or
// one of these topics for specs that look across operations.
const (
	// Protocol: authentication, errors, headers, methods, media types and limits of every operation.
	Protocol = "protocol"
	// Schema: the form of every response body (timestamps, @odata annotations, properties).
	Schema = "schema"
	// Relationship: sessions and their prompts (the prompts navigation property, $expand).
	Relationship = "relationship"
)

// Topics lists the labels that name no operation.
var Topics = []string{Protocol, Schema, Relationship}

// specIDPrefixes are the spec ID prefixes in catalogue order: the operations' in documentation
// order, then the topics'.
func specIDPrefixes() []string {
	var out []string
	for _, op := range api.Operations() {
		out = append(out, op.SpecPrefix)
	}
	return append(out, "REL", "SCHEMA", "PROTO")
}

// MutatingLabel marks every spec that sends POST or PATCH in a normal run (itself or through a
// shared object it needs).
const MutatingLabel = "mutating"

// EvaluationLabel marks every spec that creates an evaluation on a conformant target (itself or
// through a shared one). A real evaluation runs a model on billed Security Copilot capacity, so
// against a remote target these specs run only when asked for (Config.SkipEvaluations).
const EvaluationLabel = "evaluation"

// Needs says what a spec needs from the target besides reading.
type Needs int

const (
	// NeedsNothing: the spec only reads, and needs no object (unknown ids, empty filters).
	NeedsNothing Needs = iota
	// NeedsObjects: the spec reads sessions and prompts. A normal run creates them once and
	// shares them; a read-only run uses ones that already exist.
	NeedsObjects
	// NeedsWrites: the spec has to create or change objects itself; a read-only run skips it.
	NeedsWrites
)

func (n Needs) String() string {
	return [...]string{"nothing", "objects", "writes"}[n]
}

// MarshalText writes Needs as its name.
func (n Needs) MarshalText() ([]byte, error) { return []byte(n.String()), nil }

// Documentation pages the requirements come from, besides each operation's own (api.Operation.Doc).
const (
	docBase            = "https://learn.microsoft.com/en-us/graph/"
	DocSessionResource = docBase + "api/resources/security-securitycopilot-session?view=graph-rest-beta"
	DocPromptResource  = docBase + "api/resources/security-securitycopilot-prompt?view=graph-rest-beta"
	DocPluginResource  = docBase + "api/resources/security-securitycopilot-plugin?view=graph-rest-beta"
	DocEvalResource    = docBase + "api/resources/security-securitycopilot-evaluation?view=graph-rest-beta"
	DocQueryParameters = docBase + "query-parameters"
	DocPaging          = docBase + "paging"
	DocErrors          = docBase + "errors"
	DocAuth            = docBase + "auth/auth-concepts"
	DocODataJSON       = "https://docs.oasis-open.org/odata/odata-json-format/v4.01/odata-json-format-v4.01.html"
	DocODataProtocol   = "https://docs.oasis-open.org/odata/odata/v4.01/odata-v4.01-part1-protocol.html"
)

// Spec is the metadata of one conformance check: the single place a check is described.
// The Ginkgo text, the labels, `copilotconf specs` and failure messages are all derived from it.
type Spec struct {
	ID    string `json:"id"`
	Level Level  `json:"level"`
	// Operation is the label of the operation the spec exercises, or its topic.
	Operation   string `json:"operation"`
	Needs       Needs  `json:"needs"`
	Requirement string `json:"requirement"`
	Doc         string `json:"doc"`
	// Slow marks a spec at the head of a long chain of requests (its own, or the shared objects
	// many specs wait for): a parallel run starts it first (Ginkgo's SpecPriority).
	Slow bool `json:"slow,omitempty"`
	// Evaluates marks a spec that creates an evaluation (EvaluationLabel).
	Evaluates bool `json:"evaluates,omitempty"`
}

// decorators are the Ginkgo decorators of the spec: its labels and, when slow, its priority.
func (s Spec) decorators() []any {
	d := []any{Label(s.Labels()...)}
	if s.Slow {
		d = append(d, SpecPriority(1))
	}
	return d
}

// Labels returns the Ginkgo labels of the spec.
func (s Spec) Labels() []string {
	labels := []string{string(s.Level), string(s.Operation)}
	if s.Needs != NeedsNothing {
		labels = append(labels, MutatingLabel)
	}
	if s.Evaluates {
		labels = append(labels, EvaluationLabel)
	}
	return labels
}

// Text returns the Ginkgo text of the spec: its ID followed by the requirement.
func (s Spec) Text() string { return fmt.Sprintf("[%s] %s", s.ID, s.Requirement) }

// registry collects the specs as Ginkgo builds its tree; it is written only during tree
// construction and read after the run.
var registry = struct {
	sync.Mutex
	specs map[string]Spec
}{specs: map[string]Spec{}}

func register(s Spec) {
	registry.Lock()
	defer registry.Unlock()
	if s.ID == "" || s.Requirement == "" || s.Doc == "" || s.Level == "" || s.Operation == "" {
		panic(fmt.Sprintf("incomplete spec metadata: %+v", s))
	}
	if have, dup := registry.specs[s.ID]; dup && have != s {
		panic("duplicate spec ID " + s.ID)
	}
	registry.specs[s.ID] = s
}

// registeredSpecs returns the specs registered so far, sorted by ID.
func registeredSpecs() []Spec {
	registry.Lock()
	defer registry.Unlock()
	out := make([]Spec, 0, len(registry.specs))
	for _, s := range registry.specs {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return specOrder(out[i].ID) < specOrder(out[j].ID) })
	return out
}

// specOrder sorts IDs by prefix in documentation order, then by number.
func specOrder(id string) string {
	for i, p := range specIDPrefixes() {
		if strings.HasPrefix(id, p+"-") {
			return fmt.Sprintf("%02d-%s", i, id)
		}
	}
	return "99-" + id
}

// specIDFromText extracts the spec ID from a Ginkgo leaf text "[ID] requirement".
func specIDFromText(text string) string {
	if !strings.HasPrefix(text, "[") {
		return ""
	}
	end := strings.Index(text, "]")
	if end < 0 {
		return ""
	}
	return text[1:end]
}

// describe declares a top-level group of specs, named for the operation or topic they check.
func describe(text string, body func()) bool {
	GinkgoHelper()
	return Describe(text, func() {
		ReportAfterEach(reportProgress)
		body()
	})
}

// conformance declares one spec: an It whose text, labels and failure messages come from s.
func conformance(s Spec, body func(t *T)) bool {
	GinkgoHelper()
	register(s)
	return It(s.Text(), append(s.decorators(), func(ctx SpecContext) {
		claimSpec(ctx, s)
		t := newT(ctx, s)
		defer t.finish()
		// What the user chose to leave out is skipped as such, whatever the target's health.
		t.skipWritesInReadOnlyMode()
		t.skipEvaluationsUnlessAsked()
		t.skipIfUnhealthy()
		body(t)
	})...)
}

// entry builds a DescribeTable entry for a spec; the table body receives the spec's T.
func entry(s Spec, params ...any) TableEntry {
	GinkgoHelper()
	register(s)
	args := append(append(s.decorators(), s), params...)
	return Entry(s.Text(), args...)
}

// runEntry adapts a table body taking (t, params) to Ginkgo's table function signature.
func runEntry[P any](body func(t *T, p P)) func(ctx SpecContext, s Spec, p P) {
	return func(ctx SpecContext, s Spec, p P) {
		claimSpec(ctx, s)
		t := newT(ctx, s)
		defer t.finish()
		t.skipIfUnhealthy()
		t.skipWritesInReadOnlyMode()
		body(t, p)
	}
}
