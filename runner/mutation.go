package runner

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/reports"
	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/suites"
)

const mutationSynopsis = "copilotconf mutation [--fault NAME,...] [--skip REGEX] [--parallel N] [--procs N [--check-serial]]"

const mutationHelp = `
Proves that the checks can fail: runs the whole suite (strict) against the embedded server once
clean, where nothing may fail, and once per fault, where every spec the fault declares must fail
with a message naming its rule. Prints the matrix and the score:
faults detected / faults, core and odata specs covered by a fault / core and odata specs.
With --procs N each run spreads its specs over N worker processes; --check-serial then also
runs everything serially and requires every spec of every run to end as it did there (the claim
and the score follow from the outcomes).
Exit codes: 0 clean control, every fault detected and every core/odata spec covered; 1 otherwise;
2 usage error.
`

// mutationRow is the verdict on one fault.
type mutationRow struct {
	fault   mockserver.Fault
	failed  []string // spec IDs that failed by their own checks
	blocked int      // specs blocked by a precondition the fault broke
	missed  []string // declared specs that did not fail (or failed without naming their rule)
	// notChecked are declared specs the run left out (--skip, a filter, evaluations not asked
	// for): neither detected nor missed.
	notChecked []string
	exitCode   int
	err        error
	detected   bool
	differs    []string // with --check-serial: specs that ended otherwise than in the serial run
}

func mutationCommand(args []string, stdio IO) int {
	fs := newFlagSet("mutation")
	only := fs.String("fault", "", "only these faults (default: all)")
	skip := fs.String("skip", "", "skip specs whose text matches this regular expression, in every run")
	parallel := fs.Int("parallel", 2*runtime.NumCPU(), "runs at the same time")
	procs := fs.Int("procs", 1, "worker processes of each run (copilotconf run --procs)")
	checkSerial := fs.Bool("check-serial", false, "with --procs above 1: run everything serially too and require the same outcome for every spec")
	rest, err := parseInterleaved(fs, args, stdio, mutationSynopsis, mutationHelp)
	if err != nil {
		return report(err, stdio)
	}
	if len(rest) > 0 {
		return report(usageErrorf("mutation takes no arguments, got %q", rest[0]), stdio)
	}
	if *parallel < 1 {
		return report(usageErrorf("--parallel must be at least 1"), stdio)
	}
	if *procs < 1 {
		return report(usageErrorf("--procs must be at least 1"), stdio)
	}
	if *checkSerial && *procs == 1 {
		return report(usageErrorf("--check-serial compares runs with --procs above 1 to serial ones; give --procs"), stdio)
	}
	if _, err := regexp.Compile(*skip); err != nil {
		return report(usageErrorf("invalid --skip regular expression: %v", err), stdio)
	}
	faults, err := selectFaults(*only)
	if err != nil {
		return report(err, stdio)
	}
	self, err := os.Executable()
	if err != nil {
		return report(fmt.Errorf("finding the copilotconf executable: %w", err), stdio)
	}
	work, err := os.MkdirTemp("", "copilotconf-mutation-")
	if err != nil {
		return report(err, stdio)
	}
	defer os.RemoveAll(work)
	specs, err := suites.Catalog()
	if err != nil {
		return report(err, stdio)
	}
	started := time.Now()

	fmt.Fprintf(stdio.Stderr, "mutation: the control run against the clean server, then %s, %d at a time\n", reports.Plural(len(faults), "fault", "faults"), *parallel)
	control := runChild(self, filepath.Join(work, "control"), "", *skip, *procs)
	fmt.Fprintf(stdio.Stderr, "[control] exit %d, %s (%s)\n", control.exitCode, reports.Plural(len(control.failures), "spec failed", "specs failed"), time.Since(started).Round(100*time.Millisecond))
	var serialControl childRun
	if *checkSerial {
		serialControl = runChild(self, filepath.Join(work, "control-serial"), "", *skip, 1)
	}
	rows := make([]mutationRow, len(faults))
	jobs := make(chan int)
	var wg sync.WaitGroup
	// Progress, on standard error as each run ends: the matrix comes at the end.
	var progressMu sync.Mutex
	done := 0
	progress := func(r mutationRow, took time.Duration) {
		progressMu.Lock()
		defer progressMu.Unlock()
		done++
		fmt.Fprintf(stdio.Stderr, "[%d/%d] %s: %s (%s)\n", done, len(faults), r.fault.Name, r.verdict(), took.Round(100*time.Millisecond))
	}
	for w := 0; w < *parallel; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				dir := filepath.Join(work, faults[i].Name)
				start := time.Now()
				run := runChild(self, dir, faults[i].Name, *skip, *procs)
				rows[i] = judge(faults[i], run)
				if *checkSerial {
					rows[i].differs = differences(run, runChild(self, dir+"-serial", faults[i].Name, *skip, 1))
				}
				progress(rows[i], time.Since(start))
			}
		}()
	}
	for i := range faults {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	if *checkSerial {
		control.differs = differences(control, serialControl)
	}

	ok := printMutation(stdio.Stdout, control, rows, specs, *only == "", *checkSerial, time.Since(started))
	if !ok {
		return ExitFailed
	}
	return ExitOK
}

func selectFaults(only string) ([]mockserver.Fault, error) {
	all := mockserver.Faults()
	if only == "" {
		return all, nil
	}
	var out []mockserver.Fault
	for _, name := range splitList(only) {
		i := slices.IndexFunc(all, func(f mockserver.Fault) bool { return f.Name == name })
		if i < 0 {
			return nil, usageErrorf("unknown fault %q (copilotconf serve --list-faults lists them)", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}

// childRun is what one strict run against the embedded server showed.
type childRun struct {
	exitCode int
	failures map[string]string // spec ID → failure message
	outcomes map[string]results.Outcome
	err      error
	differs  []string // the control's differences from the serial control (--check-serial)
}

// differences lists the specs whose outcome in run is not the one in serial, as
// "ID: parallel outcome (serial outcome)".
func differences(run, serial childRun) []string {
	if run.err != nil || serial.err != nil {
		return []string{fmt.Sprintf("cannot compare: %v / %v", run.err, serial.err)}
	}
	var out []string
	for id, o := range serial.outcomes {
		if run.outcomes[id] != o {
			out = append(out, fmt.Sprintf("%s: %s (serial: %s)", id, run.outcomes[id], o))
		}
	}
	if run.exitCode != serial.exitCode {
		out = append(out, fmt.Sprintf("exit %d (serial: %d)", run.exitCode, serial.exitCode))
	}
	sort.Strings(out)
	return out
}

// mutationEvaluationTimeout is the --evaluation-timeout of the mutation runs.
const mutationEvaluationTimeout = 3 * time.Second

// runChild runs the suite in a child process (Ginkgo runs once per process).
func runChild(self, reportDir, fault, skip string, procs int) childRun {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// The embedded server's evaluations end in half a second: a fault that keeps them from
	// ending shows within mutationEvaluationTimeout.
	args := []string{"run", "--strict", "--report-dir", reportDir, "--seed", "1", "--procs", strconv.Itoa(procs),
		"--evaluation-timeout", mutationEvaluationTimeout.String()}
	if fault != "" {
		args = append(args, "--fault", fault)
	}
	if skip != "" {
		args = append(args, "--skip", skip)
	}
	cmd := exec.CommandContext(ctx, self, args...)
	cmd.Env = childEnvironment()
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	err := cmd.Run()
	run := childRun{}
	if exitErr, isExit := err.(*exec.ExitError); isExit {
		run.exitCode = exitErr.ExitCode()
	} else if err != nil {
		run.err = err
		return run
	}
	if run.failures, run.err = failuresIn(filepath.Join(reportDir, "report.json")); run.err != nil {
		return run
	}
	rep, err := reports.ReadConformanceReport(reportDir)
	run.outcomes, run.err = rep.Outcomes(), err
	return run
}

// childEnvironment drops the variables that would point a child at another target.
func childEnvironment() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COPILOTCONF_TARGET=") && !strings.HasPrefix(kv, "COPILOTCONF_TOKEN=") &&
			!strings.HasPrefix(kv, "COPILOTCONF_WORKSPACE=") && !strings.HasPrefix(kv, "COPILOTCONF_REPORT_DIR=") {
			out = append(out, kv)
		}
	}
	return out
}

// failuresIn reads the failed specs from a Ginkgo JSON report.
func failuresIn(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var reports []types.Report
	if err := json.Unmarshal(b, &reports); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]string{}
	for _, r := range reports {
		for _, s := range r.SpecReports {
			if s.State.Is(types.SpecStateFailureStates) {
				out[specID(s.LeafNodeText)] = s.Failure.Message
			}
		}
	}
	return out, nil
}

// judge decides whether a fault was detected: the run failed, and every declared spec failed
// by its own checks (not blocked by another's) with a message that names its rule.
func judge(f mockserver.Fault, run childRun) mutationRow {
	row := mutationRow{fault: f, exitCode: run.exitCode, err: run.err}
	for id := range run.failures {
		switch run.outcomes[id] {
		case results.Failed:
			row.failed = append(row.failed, id)
		case results.Blocked:
			row.blocked++
		}
	}
	sort.Strings(row.failed)
	for _, id := range f.Breaks {
		msg, failed := run.failures[id]
		switch o := run.outcomes[id]; {
		case run.err == nil && (o == results.NotSelectedOutcome || o == results.Skipped && !failed):
			row.notChecked = append(row.notChecked, id)
		case !failed || o != results.Failed || !strings.Contains(msg, "["+id+"]") || !strings.Contains(msg, "documentation: "):
			row.missed = append(row.missed, id)
		}
	}
	row.detected = run.err == nil && run.exitCode == ExitFailed && len(row.missed) == 0 && len(row.notChecked) < len(f.Breaks)
	return row
}

// unchecked says whether none of the specs the fault declares was run: the fault is neither
// detected nor missed.
func (r mutationRow) unchecked() bool {
	return r.err == nil && len(r.missed) == 0 && len(r.notChecked) == len(r.fault.Breaks)
}

// verdict is the row's verdict for people.
func (r mutationRow) verdict() string {
	switch {
	case r.detected && len(r.notChecked) > 0:
		return "detected (not checked: " + strings.Join(r.notChecked, ",") + ")"
	case r.detected:
		return "detected"
	case r.unchecked():
		return "not checked (its specs were left out)"
	case r.err != nil:
		return "ERROR " + oneLine(r.err.Error())
	case r.exitCode != ExitFailed:
		return fmt.Sprintf("MISSED %s (exit %d)", strings.Join(r.missed, ","), r.exitCode)
	}
	return "MISSED " + strings.Join(r.missed, ",")
}

func printMutation(w io.Writer, control childRun, rows []mutationRow, specs []suites.Spec, all, checkSerial bool, took time.Duration) bool {
	ok := true
	controlClean := control.err == nil && control.exitCode == 0 && len(control.failures) == 0
	if controlClean {
		fmt.Fprintln(w, "control: the clean reference server passes every spec (strict)")
	} else {
		ok = false
		fmt.Fprintf(w, "control: FAILED: exit %d, %d failing specs %v, error %v\n", control.exitCode, len(control.failures), keys(control.failures), control.err)
	}
	if len(control.differs) > 0 {
		ok = false
		fmt.Fprintf(w, "control: DIFFERS from the serial run: %s\n", strings.Join(control.differs, "; "))
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tVERDICT\tEXPECTED TO FAIL\tBLOCKED\tFAILED")
	detected, unchecked := 0, 0
	for _, r := range rows {
		switch {
		case r.detected:
			detected++
		case r.unchecked():
			unchecked++
		default:
			ok = false
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\n", r.fault.Name, r.verdict(), strings.Join(r.fault.Breaks, ","), r.blocked, strings.Join(r.failed, ","))
	}
	_ = tw.Flush()
	if checkSerial {
		same := 0
		for _, r := range rows {
			if len(r.differs) == 0 {
				same++
				continue
			}
			ok = false
			fmt.Fprintf(w, "%s: DIFFERS from the serial run: %s\n", r.fault.Name, strings.Join(r.differs, "; "))
		}
		if len(control.differs) == 0 {
			same++
		}
		fmt.Fprintf(w, "runs that ended as the serial ones, spec by spec: %d/%d\n", same, len(rows)+1)
	}

	declared := map[string]bool{}
	for _, r := range rows {
		for _, id := range r.fault.Breaks {
			declared[id] = true
		}
	}
	var gated, uncovered []string
	for _, s := range specs {
		if s.Level == suites.Advisory {
			continue
		}
		gated = append(gated, s.ID)
		if !declared[s.ID] {
			uncovered = append(uncovered, s.ID)
		}
	}
	if unchecked > 0 {
		fmt.Fprintf(w, "faults detected: %d/%d (%s left out)\n", detected, len(rows)-unchecked, reports.Plural(unchecked, "fault whose specs were all", "faults whose specs were all"))
	} else {
		fmt.Fprintf(w, "faults detected: %d/%d\n", detected, len(rows))
	}
	if all {
		fmt.Fprintf(w, "core and odata specs covered by a fault: %d/%d\n", len(gated)-len(uncovered), len(gated))
		if len(uncovered) > 0 {
			ok = false
			fmt.Fprintf(w, "not covered by any fault: %s\n", strings.Join(uncovered, ", "))
		}
	}
	fmt.Fprintf(w, "took %s\n", took.Round(time.Millisecond))
	return ok
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// specID extracts the ID from a spec text "[ID] requirement".
func specID(text string) string {
	if strings.HasPrefix(text, "[") {
		if end := strings.Index(text, "]"); end > 0 {
			return text[1:end]
		}
	}
	return text
}
