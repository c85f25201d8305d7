package mockserver

import (
	"github.com/copilotconf/copilotconf/api"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestFaultCatalogIsWellFormed(t *testing.T) {
	prefixes := []string{"REL", "SCHEMA", "PROTO-[A-Z]+"}
	for _, op := range api.Operations() {
		prefixes = append(prefixes, regexp.QuoteMeta(op.SpecPrefix))
	}
	specID := regexp.MustCompile(`^(` + strings.Join(prefixes, "|") + `)-\d{2}$`)
	seen := map[string]bool{}
	for _, f := range Faults() {
		if seen[f.Name] {
			t.Errorf("fault %s declared twice", f.Name)
		}
		seen[f.Name] = true
		if f.Description == "" || strings.Contains(f.Description, "\n") {
			t.Errorf("fault %s: the description must be one non-empty line", f.Name)
		}
		if len(f.Breaks) == 0 {
			t.Errorf("fault %s declares no spec it breaks", f.Name)
		}
		for _, id := range f.Breaks {
			if !specID.MatchString(id) {
				t.Errorf("fault %s: %q is not a spec ID", f.Name, id)
			}
		}
	}
}

func TestUnknownFaultIsRefused(t *testing.T) {
	_, err := New(Options{Faults: []string{"top-ignored", "no-such-fault"}})
	if err == nil || !strings.Contains(err.Error(), `unknown fault "no-such-fault"`) {
		t.Fatalf("expected an error naming the unknown fault, got %v", err)
	}
}

// A fault changes what the server answers; without it the same request is conformant.
func TestFaultChangesTheAnswer(t *testing.T) {
	cases := []struct {
		fault  string
		method string
		path   string
		want   int
	}{
		{"list-sessions-status-202", http.MethodGet, "/security/securityCopilot/workspaces/default/sessions", http.StatusAccepted},
		{"delete-session-allowed", http.MethodDelete, "/security/securityCopilot/workspaces/default/sessions/x", http.StatusNoContent},
		{"auth-403-for-401", http.MethodGet, "/security/securityCopilot/workspaces/default/sessions", http.StatusForbidden},
	}
	for _, c := range cases {
		t.Run(c.fault, func(t *testing.T) {
			for _, faults := range [][]string{nil, {c.fault}} {
				s, err := New(Options{Token: "t", Faults: faults})
				if err != nil {
					t.Fatal(err)
				}
				req := httptest.NewRequest(c.method, c.path, nil)
				if c.fault != "auth-403-for-401" {
					req.Header.Set("Authorization", "Bearer t")
				}
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if got := rec.Code == c.want; got != (faults != nil) {
					t.Errorf("faults %v: status %d (the fault's status is %d)", faults, rec.Code, c.want)
				}
			}
		})
	}
}
