package runner

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/copilotconf/copilotconf/explore"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/reports"
	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/schemas"
)

const exploreSynopsis = "copilotconf explore [--seed N] [--steps N] [--duration D] [--target URL ...] [--max-writes N] [--fault NAME,...]"

const exploreHelp = `copilotconf explore sends random sequences of calls to the target and checks every answer
against a model of the objects the exploration created, and against the schemas and protocol
rules of the suites. A broken property is shrunk to a short sequence (for at most 2 minutes), printed, and saved in
--report-dir as failure.txt and replay.sh (curl commands; the token is read from
COPILOTCONF_TOKEN); junit.xml has one test case per property checked.

Explore mocks and staging services, not production tenants: every create stays (the API has
no DELETE). Against a target that is not on this machine, give --max-writes explicitly, or
answer the question explore asks when it runs in a terminal (without one it refuses).

Flags of explore:
  --seed N        the seed of the sequence (0: a new one, printed); the same seed and the same
                  answers give the same calls
  --steps N       stop after N calls (default 500)
  --duration D    stop after D (default 60s); whichever of --steps and --duration comes first
Flags shared with run: --target, --workspace, --token, --token-file, --auth and its flags,
--read-only, --max-writes (objects created; default 20, none against the embedded server;
once spent, explore goes on without creating), --evaluations (create evaluations against a
--target too: they use billed capacity; the embedded server always gets them),
--evaluation-timeout (when the steps or the time are spent, explore reads its evaluations
until they are final; one that is not, this long after its creation, breaks the lifecycle
property), --rate, --max-body, --request-timeout, --max-retry-wait,
--max-transport-failures, the TLS flags, --report-dir, --fault (the embedded server only).
See copilotconf run --help.

Exit codes: 0 nothing broke, 1 a property broke, 2 usage, 3 the target is unreachable or
refused the credentials.
`

// runOnlyFlags are run's flags that mean nothing to explore.
var runOnlyFlags = []string{"label-filter", "focus", "skip", "strict", "procs",
	"session-id", "timeout", "clock-skew", "max-pages", "v", "implementation-name", "implementation-version",
	"implementation-url", "implementation-contact"}

// exploreOptions are explore's own flags; the others are run's (runOptions).
type exploreOptions struct {
	seed     uint64
	steps    int
	duration time.Duration
	run      runOptions
	writes   bool // --max-writes was given
}

func parseExploreOptions(args []string, stdio IO) (exploreOptions, error) {
	eo := exploreOptions{steps: 500, duration: 60 * time.Second}
	var rest []string
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(strings.TrimLeft(args[i], "-"), "=")
		if !strings.HasPrefix(args[i], "-") {
			rest = append(rest, args[i])
			continue
		}
		switch name {
		case "h", "help":
			fmt.Fprintf(stdio.Stdout, "Usage: %s\n\n%s", exploreSynopsis, exploreHelp)
			return eo, errHelpShown
		case "seed", "steps", "duration":
			if !hasValue {
				if i+1 >= len(args) {
					return eo, usageErrorf("flag --%s needs a value", name)
				}
				i++
				value = args[i]
			}
			var err error
			switch name {
			case "seed":
				eo.seed, err = strconv.ParseUint(value, 10, 64)
			case "steps":
				eo.steps, err = strconv.Atoi(value)
				if err == nil && eo.steps < 1 {
					err = fmt.Errorf("must be at least 1")
				}
			case "duration":
				eo.duration, err = time.ParseDuration(value)
				if err == nil && eo.duration <= 0 {
					err = fmt.Errorf("must be positive")
				}
			}
			if err != nil {
				return eo, usageErrorf("invalid --%s %q: %v", name, value, err)
			}
		default:
			for _, f := range runOnlyFlags {
				if name == f {
					return eo, usageErrorf("--%s is a flag of run, not of explore (copilotconf explore --help)", name)
				}
			}
			eo.writes = eo.writes || name == "max-writes"
			rest = append(rest, args[i])
		}
	}
	o, err := parseRunOptions(rest, stdio)
	if err != nil {
		return eo, err
	}
	eo.run = o
	if o.target == "" && !eo.writes {
		eo.run.maxWrites = 0 // the embedded server is thrown away: no budget unless asked for
	}
	if o.target != "" && !o.readOnly && !eo.writes && !loopback(o.target) {
		if !stdio.Interactive || stdio.Stdin == nil {
			return eo, usageErrorf("explore creates objects that stay (the API has no DELETE): against %s, which is not on this machine, give --max-writes N to accept that budget, or --read-only", redactURL(o.target))
		}
		fmt.Fprintf(stdio.Stderr, "explore creates up to %d objects on %s, which is not on this machine, and they stay (the API has no DELETE). Go on? [y/N] ", o.maxWrites, redactURL(o.target))
		answer, _ := bufio.NewReader(stdio.Stdin).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			return eo, usageErrorf("not confirmed: nothing was sent to %s (give --max-writes N, or --read-only, to go on without the question)", redactURL(o.target))
		}
	}
	return eo, nil
}

// freshEmbedded starts another embedded server, empty, with the run's workspaces and faults,
// for one replay of a shrinking exploration.
func freshEmbedded(o runOptions) (*httpclient.Client, func(), error) {
	token := randomToken()
	inst, err := mockserver.Listen("127.0.0.1:0", embeddedOptions(o, token))
	if err != nil {
		return nil, nil, err
	}
	c, err := httpclient.New(httpclient.Config{BaseURL: inst.URL(), Token: token, RequestTimeout: o.requestTimeout})
	if err != nil {
		_ = inst.Close()
		return nil, nil, err
	}
	return c, func() { _ = inst.Close() }, nil
}

// loopback reports whether the target's host is this machine.
func loopback(target string) bool {
	u, err := url.Parse(target)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}

func exploreCommand(args []string, stdio IO) int {
	eo, err := parseExploreOptions(args, stdio)
	if err != nil {
		return report(err, stdio)
	}
	code, err := runExplore(eo, stdio)
	if err != nil {
		return report(err, stdio)
	}
	return code
}

func runExplore(eo exploreOptions, stdio IO) (int, error) {
	o := eo.run
	if err := checkReportDir(o.reportDir); err != nil {
		return 0, err
	}
	t, err := connect(o, stdio)
	if err != nil {
		return 0, err
	}
	defer t.close()
	if err := preflight(t.preflight, o.workspace, ""); err != nil {
		return 0, err
	}
	validator, err := schemas.New()
	if err != nil {
		return 0, fmt.Errorf("compiling the embedded schemas: %w", err)
	}
	if eo.seed == 0 {
		eo.seed, _ = strconv.ParseUint(randomHex(4), 16, 64)
	}
	runID := randomHex(4)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cfg := explore.Config{Client: t.client, Validator: validator, Workspace: o.workspace, RunID: runID,
		Seed: eo.seed, Steps: eo.steps, Duration: eo.duration, ReadOnly: o.readOnly,
		// Evaluations use billed capacity: against a --target only when asked for.
		Evaluations: o.target == "" || o.evaluations, EvaluationTimeout: o.evaluationTimeout}
	if o.target == "" {
		cfg.Fresh = func() (*httpclient.Client, func(), error) { return freshEmbedded(o) }
	}
	var created []results.CreatedObject
	cfg.Observe = func(ex *httpclient.Exchange) {
		if c, ok := results.CreatedBy(ex.Method, ex.URL, t.url, ex.Status, ex.ResponseBody); ok {
			created = append(created, c)
		}
	}
	console := redactingWriter{stdio.Stdout, t.client.Redact}
	fmt.Fprintf(console, "copilotconf %s: explore %s against %s, workspace %q, seed %d (--seed %d repeats it), at most %d steps or %s\n",
		version(), runID, t.description, o.workspace, eo.seed, eo.seed, eo.steps, eo.duration)
	started := time.Now()
	res, err := explore.Run(ctx, cfg)
	if err != nil {
		return 0, err
	}
	if unhealthy := t.client.Unhealthy(); unhealthy != nil {
		return 0, &exitError{code: ExitTarget, err: unhealthy}
	}
	failure := res.Failure
	replays := 0
	if failure != nil {
		fmt.Fprintf(console, "property %q broke after %s; shrinking…\n", failure.Property, reports.Plural(len(failure.Steps), "call", "calls"))
		failure, replays = explore.Shrink(ctx, cfg, failure)
	}
	if err := writeExploreReports(o.reportDir, res, failure, created, t.url, o.workspace, t.client.Redact); err != nil {
		return 0, &exitError{code: ExitFailed, err: fmt.Errorf("writing reports: %w", err)}
	}
	printExploreSummary(console, res, failure, replays, time.Since(started), o.reportDir, o.maxWrites)
	fmt.Fprintf(console, "Created on the target: %s (the API has no DELETE; listed in %s)\n", reports.Plural(len(created), "object", "objects"), filepath.Join(o.reportDir, reports.CreatedFile))
	if failure != nil {
		return ExitFailed, nil
	}
	return ExitOK, nil
}

func printExploreSummary(w redactingWriter, res explore.Result, failure *explore.Failure, replays int, took time.Duration, dir string, maxWrites int) {
	polls := ""
	if res.Polls > 0 {
		polls = fmt.Sprintf(" (then %s of its evaluations until each was final)", reports.Plural(res.Polls, "reading", "readings"))
	}
	fmt.Fprintf(w, "\ncopilotconf explore summary\nSteps: %d%s in %s, seed %d\n", res.Steps, polls, took.Round(time.Millisecond), res.Seed)
	var ops []string
	for op, n := range res.Calls {
		ops = append(ops, fmt.Sprintf("%s %d", op, n))
	}
	sort.Strings(ops)
	fmt.Fprintf(w, "Calls: %s\n", strings.Join(ops, ", "))
	var props []string
	for _, p := range res.Properties() {
		props = append(props, fmt.Sprintf("%s %d", p, res.Checked[p]))
	}
	fmt.Fprintf(w, "Properties checked: %s\n", strings.Join(props, ", "))
	if res.WriteBudgetSpent {
		fmt.Fprintf(w, "The write budget (--max-writes %d) was spent: from then on explore created nothing.\n", maxWrites)
	}
	if failure == nil {
		fmt.Fprintf(w, "No property broke. Reports in %s: junit.xml, created.json\n", dir)
		return
	}
	fmt.Fprintf(w, "FAILED: shrunk to %s in %s\n%s", reports.Plural(len(failure.Steps), "call", "calls"), reports.Plural(replays, "replay", "replays"), failure)
	fmt.Fprintf(w, "Reports in %s: junit.xml, created.json, failure.txt, replay.sh (sh replay.sh, with COPILOTCONF_TOKEN set)\n", dir)
}

// exploreJUnit is the JUnit document of an exploration: one test case per property checked.
type exploreJUnit struct {
	XMLName  xml.Name `xml:"testsuites"`
	Name     string   `xml:"name,attr"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suite    struct {
		Name     string             `xml:"name,attr"`
		Tests    int                `xml:"tests,attr"`
		Failures int                `xml:"failures,attr"`
		Cases    []exploreJUnitCase `xml:"testcase"`
	} `xml:"testsuite"`
}

type exploreJUnitCase struct {
	Name    string               `xml:"name,attr"`
	Class   string               `xml:"classname,attr"`
	Failure *exploreJUnitFailure `xml:"failure,omitempty"`
	Out     string               `xml:"system-out,omitempty"`
}

type exploreJUnitFailure struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

func writeExploreReports(dir string, res explore.Result, failure *explore.Failure, created []results.CreatedObject, target, workspace string, redact func(string) string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	ledger, err := json.MarshalIndent(struct {
		Note    string                  `json:"note"`
		Objects []results.CreatedObject `json:"objects"`
	}{"Objects this exploration created on the target. The API has no DELETE: remove them by other means if needed.", append([]results.CreatedObject{}, created...)}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, reports.CreatedFile), []byte(redact(string(ledger))+"\n"), 0o644); err != nil {
		return err
	}
	var doc exploreJUnit
	doc.Name, doc.Suite.Name = "copilotconf explore", fmt.Sprintf("copilotconf explore (seed %d)", res.Seed)
	for _, p := range res.Properties() {
		c := exploreJUnitCase{Name: p, Class: "explore", Out: fmt.Sprintf("checked %d times", res.Checked[p])}
		if failure != nil && failure.Property == p {
			c.Failure = &exploreJUnitFailure{Message: redact(failure.Message), Text: redact(failure.String())}
			doc.Failures++
		}
		doc.Suite.Cases = append(doc.Suite.Cases, c)
	}
	doc.Tests, doc.Suite.Tests, doc.Suite.Failures = len(doc.Suite.Cases), len(doc.Suite.Cases), doc.Failures
	b, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "junit.xml"), append([]byte(xml.Header), b...), 0o644); err != nil {
		return err
	}
	if failure == nil {
		return nil
	}
	if err := os.WriteFile(filepath.Join(dir, "failure.txt"), []byte(redact(fmt.Sprintf("seed %d\n%s", res.Seed, failure))), 0o644); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "replay.sh"), []byte(redact(failure.Script(target, workspace))), 0o755)
}
