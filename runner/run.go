package runner

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/reports"
	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/schemas"
	"github.com/copilotconf/copilotconf/suites"
)

func runCommand(args []string, stdio IO) int {
	o, err := parseRunOptions(args, stdio)
	if err != nil {
		return report(err, stdio)
	}
	_, code, err := run(o, stdio)
	if err != nil {
		return report(err, stdio)
	}
	return code
}

// run carries out a parsed run: selection, target, preflight, suites, reports, summary.
func run(o runOptions, stdio IO) (*results.Run, int, error) {
	started := time.Now()
	plan := suites.Plan(o.suiteConfig())
	if err := checkLabels(o.labelFilter, plan.Specs); err != nil {
		return nil, 0, err
	}
	if !slices.ContainsFunc(plan.Outcomes, func(s results.Spec) bool { return s.Selected }) {
		return nil, 0, usageErrorf("no spec matches the selection (--label-filter %q, --focus %q, --skip %q); see copilotconf specs", o.labelFilter, o.focus, o.skip)
	}
	if err := checkReportDir(o.reportDir); err != nil {
		return nil, 0, err
	}
	t, err := connect(o, stdio)
	if err != nil {
		return nil, 0, err
	}
	defer t.close()
	info := runInfo{
		runID: randomHex(4), target: t.client.Redact(redactURL(t.url)), workspace: o.workspace,
		auth: t.describeAuth(), proxy: t.proxy, insecure: o.insecure, readOnly: o.readOnly,
		skipEvaluations: o.skipEvaluations() && !o.readOnly,
	}
	validator, err := schemas.New()
	if err != nil {
		return nil, 0, fmt.Errorf("compiling the embedded schemas: %w", err)
	}
	console := redactingWriter{stdio.Stdout, t.client.Redact}
	var preflightErr error
	cfg := suites.Config{
		Client: t.client, Validator: validator, Workspace: o.workspace, RunID: info.runID,
		ClockSkew: o.clockSkew, Out: io.Discard, Progress: console, ReadOnly: o.readOnly, SessionID: o.sessionID, MaxPages: o.maxPages,
		Procs: o.workers(plan.Outcomes), Worker: startWorker,
		SkipEvaluations: o.skipEvaluations(), EvaluationTimeout: o.evaluationTimeout,
		// The preflight runs while the workers of a parallel run start.
		BeforeSpecs: func() error {
			if preflightErr = preflight(t.preflight, o.workspace, o.sessionID); preflightErr != nil {
				return preflightErr
			}
			info.printHeader(console, t.description)
			return nil
		},
	}
	if o.verbose {
		cfg.Out, cfg.Progress = console, nil
	}
	result, err := suites.Run(cfg, o.suiteConfig(), o.reporterConfig())
	if preflightErr != nil {
		return stoppedByPreflight(o, info, started, plan.Outcomes, t, preflightErr, stdio)
	}
	if err != nil {
		return nil, 0, err
	}
	r := newRun(o, info, started, result.Outcomes)
	r.Stopped = result.Stopped
	unhealthy := t.client.Unhealthy()
	if unhealthy != nil {
		r.Stopped = oneLine(unhealthy.Error())
	}
	r.Created = append(r.Created, result.Created...)
	stats := t.client.Stats()
	r.Retried = int(stats.Throttled)
	r.Traffic = results.Traffic{Requests: int(stats.Requests), PeakInFlight: int(stats.PeakInFlight), Workers: cfg.Procs}
	if err := writeReports(o.reportDir, r, &result.Report, t.client.Redact); err != nil {
		return r, 0, &exitError{code: ExitFailed, err: fmt.Errorf("writing reports: %w", err)}
	}
	if path, ok := stdio.Env("GITHUB_STEP_SUMMARY"); ok && path != "" {
		if err := appendFile(path, t.client.Redact(reports.Markdown(r))); err != nil {
			fmt.Fprintf(stdio.Stderr, "copilotconf: writing the GitHub step summary: %s\n", oneLine(err.Error()))
		}
	}
	reports.Console(console, r, o.reportDir)
	if unhealthy != nil {
		return r, 0, &exitError{code: ExitTarget, err: unhealthy}
	}
	if !r.Succeeded() {
		return r, ExitFailed, nil
	}
	return r, ExitOK, nil
}

// stoppedByPreflight ends a run whose target the preflight refused: reports in which every
// selected spec is not run, with the reason, and the preflight's error (exit 3).
func stoppedByPreflight(o runOptions, info runInfo, started time.Time, planned []results.Spec, t *target, err error, stdio IO) (*results.Run, int, error) {
	reason := "preflight failed: " + oneLine(err.Error())
	for i := range planned {
		if planned[i].Selected {
			planned[i].Reason = reason
		}
	}
	r := newRun(o, info, started, planned)
	r.Stopped, r.Preflight = reason, oneLine(err.Error())
	if werr := writeReports(o.reportDir, r, nil, t.client.Redact); werr != nil {
		fmt.Fprintf(stdio.Stderr, "copilotconf: writing reports: %s\n", oneLine(werr.Error()))
	}
	return r, 0, err
}

// appendFile appends s to the file at path, creating it when missing.
func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (i runInfo) printHeader(w io.Writer, description string) {
	fmt.Fprintf(w, "copilotconf %s: run %s against %s, workspace %q, %s\n", version(), i.runID, description, i.workspace, i.auth)
	if i.insecure {
		fmt.Fprintln(w, "WARNING: TLS certificate verification is off (--insecure-skip-tls-verify)")
	}
	if i.proxy != "" {
		fmt.Fprintf(w, "through the proxy %s\n", i.proxy)
	}
	if i.readOnly {
		fmt.Fprintln(w, "read-only mode: nothing is written; specs that must write are skipped")
	}
	if i.skipEvaluations {
		fmt.Fprintf(w, "specs labelled %s are skipped: they create evaluations, which run a model on billed capacity (--evaluations runs them)\n", suites.EvaluationLabel)
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
