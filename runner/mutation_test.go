package runner_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
)

// TestMutation is the proof that every check can fail: the whole suite runs against the clean
// reference server (nothing may fail) and against each fault (every spec the fault declares
// must fail, naming its rule), and every core and odata spec must be declared by a fault. The
// runs spread their specs over three worker processes, and each is repeated serially: every
// spec of every run must end as it did there, so the parallel claim and score are the serial
// ones.
func TestMutation(t *testing.T) {
	if testing.Short() {
		t.Skip("the mutation test runs the suite twice per fault")
	}
	started := time.Now()
	// About 2 minutes on a 2-core machine; more under the race detector's load.
	r := runBinaryWithin(t, 12*time.Minute, buildBinary(t), nil, "mutation", "--procs", "3", "--check-serial")
	t.Logf("mutation test took %s\n%s", time.Since(started).Round(time.Millisecond), r.stdout)
	if r.code != 0 {
		t.Fatalf("expected every fault detected and every core/odata spec covered, got %s", r)
	}
	n := len(mockserver.Faults())
	for _, want := range []string{
		"control: the clean reference server passes every spec (strict)",
		"faults detected: " + strconv.Itoa(n) + "/" + strconv.Itoa(n),
		"runs that ended as the serial ones, spec by spec: " + strconv.Itoa(n+1) + "/" + strconv.Itoa(n+1),
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the mutation report lacks %q", want)
		}
	}
	covered := regexp.MustCompile(`core and odata specs covered by a fault: (\d+)/(\d+)`).FindStringSubmatch(r.stdout)
	if covered == nil || covered[1] != covered[2] {
		t.Errorf("expected every core and odata spec covered, got %v", covered)
	}
	for _, f := range mockserver.Faults() {
		row := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(f.Name) + `\s+detected\s+(\S+)\s+\d+\s*(\S*)$`).FindStringSubmatch(r.stdout)
		if row == nil {
			t.Errorf("fault %s has no detected row in the matrix", f.Name)
			continue
		}
		// The faults of workspaces, plugins and evaluations fail exactly the specs they declare.
		if declared := slices.Sorted(slices.Values(strings.Split(row[1], ","))); familyFault.MatchString(f.Name) && strings.Join(declared, ",") != row[2] {
			t.Errorf("fault %s declares %s but fails %s", f.Name, row[1], row[2])
		}
	}
}

var familyFault = regexp.MustCompile(`^(workspaces|plugins|evaluations?)-`)

// A spec left out with --skip is not checked: a fault whose declared specs were all left out is
// neither detected nor missed, and the score leaves it out.
func TestMutationLeavesOutWhatWasNotChecked(t *testing.T) {
	r := copilotconf(t, nil, "mutation", "--fault", "no-location", "--skip", `\[SESS-CREATE-10\]`)
	if r.code != 0 || !strings.Contains(r.stdout, "not checked (its specs were left out)") ||
		!strings.Contains(r.stdout, "faults detected: 0/0 (1 fault whose specs were all left out)") {
		t.Errorf("expected the fault not checked, and exit 0, got %s", r)
	}
	if !regexp.MustCompile(`(?m)^\[control\] exit 0, 0 specs failed`).MatchString(r.stderr) ||
		!regexp.MustCompile(`(?m)^\[1/1\] no-location: not checked`).MatchString(r.stderr) {
		t.Errorf("expected progress on standard error, one line per run, got %q", r.stderr)
	}
}

// buildBinary builds the command without the race detector: the mutation test runs the suite
// some eighty times, and a race-instrumented child is several times slower. Without a Go
// toolchain it falls back to this test binary.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "copilotconf")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = ".."
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Logf("go build failed (%v), using the test binary: %s", err, out)
		return os.Args[0]
	}
	return bin
}

// plainBinary is the command built once, without the race detector, for the tests that measure
// what a user's binary does (memory above all); "" when it could not be built.
var plainBinary = struct {
	once sync.Once
	path string
	dir  string
}{}

// userBinary returns the command as users build it, and whether it is that (not this test
// binary, which may carry the race detector).
func userBinary(t *testing.T) (string, bool) {
	t.Helper()
	plainBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "copilotconf-bin-")
		if err != nil {
			return
		}
		plainBinary.dir = dir
		bin := filepath.Join(dir, "copilotconf")
		cmd := exec.Command("go", "build", "-o", bin, ".")
		cmd.Dir = ".."
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Logf("go build failed (%v): %s", err, out)
			return
		}
		plainBinary.path = bin
	})
	if plainBinary.path == "" {
		return os.Args[0], false
	}
	return plainBinary.path, true
}
