package reports_test

import (
	"testing"

	"github.com/copilotconf/copilotconf/reports"
)

func TestPlural(t *testing.T) {
	for _, c := range []struct {
		n    int
		want string
	}{{0, "0 sessions"}, {1, "1 session"}, {2, "2 sessions"}} {
		if got := reports.Plural(c.n, "session", "sessions"); got != c.want {
			t.Errorf("Plural(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}
