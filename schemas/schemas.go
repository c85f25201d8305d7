// Package schemas validates Security Copilot session and prompt documents (Microsoft
// Graph beta) against embedded JSON Schemas (draft 2020-12).
//
// The schemas follow the harness's facts sheet: documented properties only (plus any
// key that contains '@', which OData reserves for annotations), the documented null
// rules, an exact @odata.type when present, and timestamps that are RFC 3339
// date-times in UTC. Format assertion is on, so "2025-13-01T00:00:00Z" is rejected.
package schemas

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v5"
)

//go:embed *.json
var files embed.FS

// baseURL is the $id prefix of every embedded schema. Nothing is fetched from it.
const baseURL = "https://github.com/copilotconf/copilotconf/schemas/"

// Kind names a document kind, and so the schema that validates it.
type Kind string

// The document kinds.
const (
	Session              Kind = "session"
	Prompt               Kind = "prompt"
	SessionCollection    Kind = "session-collection"
	PromptCollection     Kind = "prompt-collection"
	Error                Kind = "error"
	Workspace            Kind = "workspace"
	WorkspaceCollection  Kind = "workspace-collection"
	Plugin               Kind = "plugin"
	PluginCollection     Kind = "plugin-collection"
	Evaluation           Kind = "evaluation"
	EvaluationCollection Kind = "evaluation-collection"
	// SessionSelect is a session returned with $select: only id is required.
	SessionSelect Kind = "session-select"
	// PromptSelect is a prompt returned with $select: only id is required.
	PromptSelect Kind = "prompt-select"

	// ConformanceReport is the conformance report a run writes (conformance-report.json).
	ConformanceReport Kind = "conformance-report"
)

// allKinds lists every kind, user-facing ones first.
var allKinds = append(Kinds(), SessionSelect, PromptSelect, ConformanceReport)

// Kinds returns the document kinds of the API users validate (not the $select variants).
func Kinds() []Kind {
	return []Kind{Session, Prompt, SessionCollection, PromptCollection, Error,
		Workspace, WorkspaceCollection, Plugin, PluginCollection, Evaluation, EvaluationCollection}
}

// ParseKind returns the kind named s (any kind, case-insensitive).
func ParseKind(s string) (Kind, error) {
	for _, k := range allKinds {
		if strings.EqualFold(s, string(k)) {
			return k, nil
		}
	}
	return "", fmt.Errorf("schemas: unknown document kind %q (valid: %s)", s, kindList())
}

func kindList() string {
	names := make([]string, len(allKinds))
	for i, k := range allKinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// file returns the embedded schema file for k.
func (k Kind) file() string { return string(k) + ".json" }

// Validator holds the compiled schemas. It is immutable and safe for concurrent use.
type Validator struct {
	schemas map[Kind]*jsonschema.Schema
}

// New compiles every embedded schema.
func New() (*Validator, error) {
	c := jsonschema.NewCompiler()
	c.Draft = jsonschema.Draft2020
	c.AssertFormat = true
	c.LoadURL = func(url string) (io.ReadCloser, error) {
		return nil, fmt.Errorf("schemas: %s is not embedded; nothing is fetched", url)
	}
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		return nil, fmt.Errorf("schemas: %w", err)
	}
	for _, e := range entries {
		b, err := files.ReadFile(e.Name())
		if err != nil {
			return nil, fmt.Errorf("schemas: %w", err)
		}
		if err := c.AddResource(baseURL+e.Name(), bytes.NewReader(b)); err != nil {
			return nil, fmt.Errorf("schemas: %s: %w", e.Name(), err)
		}
	}
	v := &Validator{schemas: make(map[Kind]*jsonschema.Schema, len(allKinds))}
	for _, k := range allKinds {
		s, err := c.Compile(baseURL + k.file())
		if err != nil {
			return nil, fmt.Errorf("schemas: compiling %s: %w", k.file(), err)
		}
		v.schemas[k] = s
	}
	return v, nil
}

var defaultValidator = sync.OnceValue(func() *Validator {
	v, err := New()
	if err != nil {
		panic(err) // the embedded schemas are broken; TestNew guards against it
	}
	return v
})

// Default returns a Validator compiled on first use and shared afterwards.
func Default() *Validator { return defaultValidator() }

// Violation is one reason a document is invalid.
type Violation struct {
	// Pointer is an RFC 6901 JSON Pointer into the document; "" is the root. A
	// missing member is reported at the object that lacks it, an undocumented member
	// at the object that holds it (the Reason names the member).
	Pointer string
	// Reason is a one-line explanation.
	Reason string
}

// String returns "<pointer>: <reason>", with "(root)" for the empty pointer.
func (v Violation) String() string {
	p := v.Pointer
	if p == "" {
		p = "(root)"
	}
	return p + ": " + v.Reason
}

// ValidationError reports every violation found in a document of one kind.
type ValidationError struct {
	Kind       Kind
	Violations []Violation
}

// Error returns one "<pointer>: <reason>" line per violation.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		lines[i] = v.String()
	}
	return strings.Join(lines, "\n")
}

// Has says whether there is a schema for kind (a "-select" kind exists for sessions and
// prompts only).
func (v *Validator) Has(kind Kind) bool {
	_, ok := v.schemas[kind]
	return ok
}

// Validate checks the JSON document doc against the schema for kind. It returns a
// *ValidationError when the document is invalid, and a different error when doc is not
// a single JSON value or kind is unknown.
func (v *Validator) Validate(kind Kind, doc []byte) error {
	if _, ok := v.schemas[kind]; !ok {
		return unknownKind(kind)
	}
	value, err := Parse(doc)
	if err != nil {
		return fmt.Errorf("schemas: %s document is not JSON: %w", kind, err)
	}
	return v.ValidateValue(kind, value)
}

// ValidateValue checks a decoded document (maps, slices, strings, json.Number or
// float64, bools and nil, as from a json.Decoder with UseNumber) against the schema
// for kind. Errors are as for Validate.
func (v *Validator) ValidateValue(kind Kind, value any) error {
	s, ok := v.schemas[kind]
	if !ok {
		return unknownKind(kind)
	}
	err := s.Validate(value)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return fmt.Errorf("schemas: validating %s: %w", kind, err)
	}
	return &ValidationError{Kind: kind, Violations: violations(ve, value)}
}

func unknownKind(kind Kind) error {
	return fmt.Errorf("schemas: unknown document kind %q (valid: %s)", kind, kindList())
}
