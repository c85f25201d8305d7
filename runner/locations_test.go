package runner_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// lineOf returns the 1-based line of the first line of a suite file containing marker.
func lineOf(t *testing.T, file, marker string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", file))
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(b), "\n") {
		if strings.Contains(line, marker) {
			return i + 1
		}
	}
	t.Fatalf("%s has no line containing %q", file, marker)
	return 0
}

// TestFailuresPointAtTheSuiteLine pins, for one spec of each shape, that a failure is reported
// at the line of the suite file whose check failed (in the console, junit.xml and report.json),
// and that the spec's declaration is its own line (in copilotconf specs --json), in a serial run
// and in one spread over worker processes.
func TestFailuresPointAtTheSuiteLine(t *testing.T) {
	for _, procs := range []string{"1", "3"} {
		t.Run("procs "+procs, func(t *testing.T) { expectFailuresAtTheSuiteLine(t, procs) })
	}
}

func expectFailuresAtTheSuiteLine(t *testing.T, procs string) {
	cases := []struct {
		shape, id, file, declared, failing string
	}{
		{"a conformance() spec with a collected check", "SESS-LIST-04", "suites/list_sessions.go", `ID: "SESS-LIST-04"`, `expectContext(t, "list sessions", requireObject(t, ex), sessionsContext())`},
		{"a table entry", "PROTO-AUTH-01", "suites/protocol.go", "}), authSpecs())", `expectODataError(t, t.Do(wrong), http.StatusUnauthorized)`},
		{"a require* failure", "SESS-CREATE-01", "suites/create_session.go", `ID: "SESS-CREATE-01"`, `expectCreatedValid(t, plainSession(t).createdEntity, schemas.Session)`},
		{"a missing shared object", "SESS-GET-01", "suites/get_session.go", `ID: "SESS-GET-01"`, `s := mustSessions(t, plainSession)[0]`},
	}
	var focus []string
	for _, c := range cases {
		focus = append(focus, `\[`+c.id+`\]`)
	}
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--report-dir", dir, "--focus", strings.Join(focus, "|"), "--procs", procs,
		"--fault", "sessions-context-unkeyed,auth-any-token,create-session-status-200")
	if r.code != 1 {
		t.Fatalf("expected exit 1, got %s", r)
	}
	var ginkgo []struct {
		SpecReports []struct {
			LeafNodeText string
			Failure      struct {
				Location struct {
					FileName   string
					LineNumber int
				}
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.json"))
	if err != nil || json.Unmarshal(b, &ginkgo) != nil || len(ginkgo) != 1 {
		t.Fatalf("report.json: %v", err)
	}
	specs := copilotconf(t, nil, "specs", "--json")
	var catalogue []struct{ ID, Location string }
	if err := json.Unmarshal([]byte(specs.stdout), &catalogue); err != nil {
		t.Fatal(err)
	}
	cases2 := readJUnit(t, dir).Suites[0].Cases
	for _, c := range cases {
		t.Run(c.shape, func(t *testing.T) {
			want := c.file + ":" + strconv.Itoa(lineOf(t, c.file, c.failing))
			// The console lists blocked specs under their root cause, not one by one.
			if c.id != "SESS-GET-01" && (!strings.Contains(r.stdout, c.id) || !strings.Contains(r.stdout, "at "+want+"\n")) {
				t.Errorf("the console does not place the failure of %s at %s:\n%s", c.id, want, r.stdout)
			}
			found := false
			for _, s := range ginkgo[0].SpecReports {
				if strings.HasPrefix(s.LeafNodeText, "["+c.id+"]") {
					found = true
					got := s.Failure.Location
					if !strings.HasSuffix(got.FileName, "/"+c.file) || got.LineNumber != lineOf(t, c.file, c.failing) {
						t.Errorf("report.json places the failure of %s at %s:%d, want %s", c.id, got.FileName, got.LineNumber, want)
					}
				}
			}
			if !found {
				t.Errorf("report.json has no %s", c.id)
			}
			jc, ok := junitCaseOf(cases2, c.id)
			if !ok || jc.File+":"+strconv.Itoa(jc.Line) != want {
				t.Errorf("junit.xml places %s at %s:%d, want %s", c.id, jc.File, jc.Line, want)
			}
			declared := c.file + ":" + strconv.Itoa(lineOf(t, c.file, c.declared))
			for _, s := range catalogue {
				if s.ID == c.id && s.Location != declared {
					t.Errorf("copilotconf specs --json declares %s at %s, want %s", c.id, s.Location, declared)
				}
			}
		})
	}
}
