package incomplete

import (
	"testing"

	"github.com/copilotconf/copilotconf/conformance"
)

// TestConformance runs the core specs against the handler in-process. It fails on purpose:
// the API is incomplete, and the test's output lists what copilotconf found.
func TestConformance(t *testing.T) {
	conformance.Run(t, conformance.Options{Handler: &API{Token: "example-token"}, Token: "example-token", LabelFilter: "core"})
}
