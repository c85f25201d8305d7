package runner

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/schemas"
	"github.com/copilotconf/copilotconf/suites"
)

func runCommand(args []string, stdio IO) int {
	o, err := parseRunOptions(args, stdio)
	if err != nil {
		return report(err, stdio)
	}
	code, err := run(o, stdio)
	if err != nil {
		return report(err, stdio)
	}
	return code
}

// run carries out a parsed run: target, preflight, suites, reports, summary.
func run(o runOptions, stdio IO) (int, error) {
	if err := os.MkdirAll(o.reportDir, 0o755); err != nil {
		return 0, usageErrorf("cannot create the report directory: %v", err)
	}
	t, err := connect(o, stdio)
	if err != nil {
		return 0, err
	}
	defer t.close()
	if err := preflight(t.preflight, o.workspace); err != nil {
		return 0, err
	}
	validator, err := schemas.New()
	if err != nil {
		return 0, fmt.Errorf("compiling the embedded schemas: %w", err)
	}
	info := runInfo{
		runID: randomHex(4), target: t.client.Redact(redactURL(t.description)), workspace: o.workspace,
		auth: t.describeAuth(), proxy: t.proxy, insecure: o.insecure, readOnly: o.readOnly,
	}
	console := redactingWriter{stdio.Stdout, t.client.Redact}
	info.printHeader(console)
	result, err := suites.Run(suites.Config{
		Client: t.client, Validator: validator, Workspace: o.workspace, RunID: info.runID,
		ClockSkew: o.clockSkew, Out: console, ReadOnly: o.readOnly, SessionID: o.sessionID, MaxPages: o.maxPages,
	}, o.suiteConfig(), o.reporterConfig())
	if err != nil {
		return 0, err
	}
	outcome := summarize(result, o.strict)
	outcome.stats = t.client.Stats()
	if err := writeReports(o.reportDir, result, info, t.client.Redact); err != nil {
		return 0, &exitError{code: ExitFailed, err: fmt.Errorf("writing reports: %w", err)}
	}
	printSummary(console, outcome, info, o.reportDir)
	if outcome.selected == 0 {
		return 0, usageErrorf("no spec matches the selection (--label-filter %q, --focus %q, --skip %q); see copilotconf specs", o.labelFilter, o.focus, o.skip)
	}
	return outcome.exitCode(), nil
}

// runInfo is what the console and the reports say about how the run was made.
type runInfo struct {
	runID, target, workspace, auth, proxy string
	insecure, readOnly                    bool
}

func (i runInfo) printHeader(w interface{ Write([]byte) (int, error) }) {
	fmt.Fprintf(w, "copilotconf %s: run %s against %s, workspace %q, %s\n", version(), i.runID, i.target, i.workspace, i.auth)
	if i.insecure {
		fmt.Fprintln(w, "WARNING: TLS certificate verification is off (--insecure-skip-tls-verify)")
	}
	if i.proxy != "" {
		fmt.Fprintf(w, "through the proxy %s\n", i.proxy)
	}
	if i.readOnly {
		fmt.Fprintln(w, "read-only mode: nothing is written; specs that must write are skipped")
	}
}

func (o runOptions) suiteConfig() types.SuiteConfig {
	c := types.NewDefaultSuiteConfig()
	c.LabelFilter = o.labelFilter
	if o.focus != "" {
		c.FocusStrings = []string{o.focus}
	}
	if o.skip != "" {
		c.SkipStrings = []string{o.skip}
	}
	if o.seed != 0 {
		c.RandomSeed = o.seed
	}
	c.Timeout = o.timeout
	return c
}

func (o runOptions) reporterConfig() types.ReporterConfig {
	c := types.NewDefaultReporterConfig()
	c.NoColor = true
	c.SilenceSkips = true
	if o.verbose {
		c.Verbose = true
	} else {
		c.Succinct = true
	}
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

func randomToken() string { return "copilotconf-" + randomHex(24) }
