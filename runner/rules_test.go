package runner_test

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/copilotconf/copilotconf/mockserver"
)

// TestRuleAuditNamesRealSpecsAndFaults keeps docs/rules.md honest: every spec ID and fault it
// names exists, every fault it names breaks a spec of its row, and every spec of the catalogue
// appears in it.
func TestRuleAuditNamesRealSpecsAndFaults(t *testing.T) {
	b, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	ids := specIDs(t)
	faults := map[string][]string{}
	for _, f := range mockserver.Faults() {
		faults[f.Name] = f.Breaks
	}
	idPattern := regexp.MustCompile(`\b([A-Z]+(?:-[A-Z]+)*)-(\d{2})(?:\.\.(\d{2}))?\b`)
	mentioned := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 6 || strings.HasPrefix(strings.TrimSpace(cells[1]), "---") || strings.TrimSpace(cells[1]) == "Rule" {
			continue
		}
		checked, faultCell := cells[4], cells[5]
		// "SESS-CREATE-06, -07" and "PROTO-AUTH-01..07" name several specs.
		var rowIDs []string
		prefix := ""
		for _, tok := range strings.Split(checked, ",") {
			tok = strings.TrimSpace(tok)
			if m := idPattern.FindStringSubmatch(tok); m != nil {
				prefix = m[1]
				from, to := m[2], m[3]
				if to == "" {
					to = from
				}
				for n := atoi(from); n <= atoi(to); n++ {
					rowIDs = append(rowIDs, prefix+"-"+two(n))
				}
			} else if strings.HasPrefix(tok, "-") && prefix != "" && len(tok) == 3 {
				rowIDs = append(rowIDs, prefix+tok)
			}
		}
		for _, id := range rowIDs {
			if !slices.Contains(ids, id) {
				t.Errorf("docs/rules.md names %s, which is no spec: %s", id, line)
			}
			mentioned[id] = true
		}
		for _, name := range strings.Split(faultCell, ",") {
			name = strings.TrimSpace(name)
			if name == "" {
				continue
			}
			breaks, ok := faults[name]
			if !ok {
				t.Errorf("docs/rules.md names the fault %q, which the reference server does not have", name)
				continue
			}
			if !slices.ContainsFunc(breaks, func(id string) bool { return slices.Contains(rowIDs, id) }) {
				t.Errorf("docs/rules.md: the fault %s breaks %v, none of the row's specs %v", name, breaks, rowIDs)
			}
		}
	}
	for _, id := range ids {
		if !mentioned[id] {
			t.Errorf("the spec %s appears in no row of docs/rules.md", id)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

func two(n int) string { return fmt.Sprintf("%02d", n) }
