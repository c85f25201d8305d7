package api_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/schemas"
	"github.com/copilotconf/copilotconf/suites"
)

// Every declared operation is checked, served and broken: it has specs under its label, its
// authentication spec, a fault for each of its core and odata specs, and a schema for its answer.
func TestEveryOperationIsComplete(t *testing.T) {
	specs, err := suites.Catalog()
	if err != nil {
		t.Fatal(err)
	}
	broken := map[string]bool{}
	for _, f := range mockserver.Faults() {
		for _, id := range f.Breaks {
			broken[id] = true
		}
	}
	for i, op := range api.Operations() {
		var own int
		for _, s := range specs {
			if s.Operation != op.Name {
				continue
			}
			own++
			if s.Level != suites.Advisory && !broken[s.ID] {
				t.Errorf("%s: %s (%s) is broken by no fault of the reference server", op.Name, s.ID, s.Level)
			}
		}
		if own == 0 {
			t.Errorf("%s: no spec carries its label", op.Name)
		}
		auth := fmt.Sprintf("PROTO-AUTH-%02d", i+1)
		if !slices.ContainsFunc(specs, func(s suites.Spec) bool {
			return s.ID == auth && s.Requirement == "answers "+op.Name+" without a token, and with a wrong token, with 401 and an OData error"
		}) {
			t.Errorf("%s: no authentication spec %s", op.Name, auth)
		}
		if !slices.Contains(schemas.Kinds(), schemas.Kind(op.Response)) {
			t.Errorf("%s: its answer's schema %q is not one of %v", op.Name, op.Response, schemas.Kinds())
		}
	}
	for _, s := range specs {
		if _, ok := api.Lookup(s.Operation); !ok && !slices.Contains(suites.Topics, s.Operation) {
			t.Errorf("%s: label %q names no operation and no topic", s.ID, s.Operation)
		}
	}
}
