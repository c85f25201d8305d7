package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/schemas"
	"github.com/copilotconf/copilotconf/suites"
)

// preflightRetryWait bounds the retries of the preflight request.
const preflightRetryWait = 3 * time.Second

const runSynopsis = "copilotconf [run] [--target URL] [--token TOKEN] [--workspace ID] [flags]"

const runHelp = `
Environment variables (a flag wins over its variable):
  COPILOTCONF_TARGET      service root, as --target
  COPILOTCONF_WORKSPACE   workspace id, as --workspace
  COPILOTCONF_TOKEN       bearer token, as --token
  COPILOTCONF_REPORT_DIR  report directory, as --report-dir

Without a target, copilotconf starts its embedded reference server on 127.0.0.1 with a
random port and token, runs against it and stops it.
` + exitCodesHelp

// runOptions is the parsed configuration of the run command.
type runOptions struct {
	target, workspace, token, reportDir string
	labelFilter, focus, skip            string
	faults                              string
	strict, verbose                     bool
	seed                                int64
	clockSkew, requestTimeout           time.Duration
	timeout, maxRetryWait               time.Duration
}

func parseRunOptions(args []string, stdio IO) (runOptions, error) {
	var o runOptions
	fs := newFlagSet("run")
	fs.StringVar(&o.target, "target", envDefault(stdio.Env, "COPILOTCONF_TARGET", ""), "service root URL, e.g. https://graph.microsoft.com/beta; empty: the embedded reference server")
	fs.StringVar(&o.workspace, "workspace", envDefault(stdio.Env, "COPILOTCONF_WORKSPACE", "default"), "workspace id")
	fs.StringVar(&o.token, "token", envDefault(stdio.Env, "COPILOTCONF_TOKEN", ""), "bearer token sent on every request (prefer COPILOTCONF_TOKEN: flags show up in process lists)")
	fs.StringVar(&o.reportDir, "report-dir", envDefault(stdio.Env, "COPILOTCONF_REPORT_DIR", "copilotconf-report"), "directory for junit.xml, report.json and created.json")
	fs.StringVar(&o.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'core && !mutating'")
	fs.StringVar(&o.focus, "focus", "", "run only specs whose text matches this regular expression")
	fs.StringVar(&o.skip, "skip", "", "skip specs whose text matches this regular expression")
	fs.StringVar(&o.faults, "fault", "", "switch faults NAME[,NAME...] on in the embedded server, to watch specs fail (copilotconf serve --list-faults)")
	fs.BoolVar(&o.strict, "strict", false, "advisory failures also fail the run")
	fs.BoolVar(&o.verbose, "v", false, "verbose progress")
	fs.Int64Var(&o.seed, "seed", 0, "random seed for spec order (0: a new seed)")
	fs.DurationVar(&o.clockSkew, "clock-skew", time.Minute, "how far the target's clock may be from ours when timestamps are checked")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 30*time.Second, "time limit of one HTTP request")
	fs.DurationVar(&o.maxRetryWait, "max-retry-wait", 60*time.Second, "time one request may spend waiting on 429/503 retries")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "time limit of the whole run")
	rest, err := parseInterleaved(fs, args, stdio, runSynopsis, runHelp)
	if err != nil {
		return o, err
	}
	if len(rest) > 0 {
		return o, usageErrorf("run takes no arguments, got %q (did you mean --target %s?)", rest[0], rest[0])
	}
	return o, o.validate()
}

func (o *runOptions) validate() error {
	if o.target != "" {
		u, err := url.Parse(o.target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return usageErrorf("invalid --target %q: want an absolute http or https service root such as https://graph.microsoft.com/beta", redactURL(o.target))
		}
		o.target = strings.TrimRight(o.target, "/")
	}
	if o.faults != "" && o.target != "" {
		return usageErrorf("--fault applies to the embedded server only; it cannot be combined with --target")
	}
	if strings.TrimSpace(o.workspace) == "" {
		return usageErrorf("--workspace must not be empty")
	}
	if o.labelFilter != "" {
		if _, err := types.ParseLabelFilter(o.labelFilter); err != nil {
			return usageErrorf("invalid --label-filter %q: %s", o.labelFilter, oneLine(err.Error()))
		}
	}
	for name, expr := range map[string]string{"--focus": o.focus, "--skip": o.skip} {
		if _, err := regexp.Compile(expr); err != nil {
			return usageErrorf("invalid %s regular expression: %v", name, err)
		}
	}
	for name, d := range map[string]time.Duration{"--request-timeout": o.requestTimeout, "--timeout": o.timeout, "--clock-skew": o.clockSkew + 1, "--max-retry-wait": o.maxRetryWait + 1} {
		if d <= 0 {
			return usageErrorf("%s must be positive", name)
		}
	}
	if o.reportDir == "" {
		return usageErrorf("--report-dir must not be empty")
	}
	return nil
}

// redactURL drops user information from a URL before it is printed.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User("REDACTED")
	return u.String()
}

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
	target, token, description := o.target, o.token, o.target
	if target == "" {
		if token == "" {
			token = randomToken()
		}
		inst, err := mockserver.Listen("127.0.0.1:0", mockserver.Options{Token: token, Workspaces: []string{o.workspace}, Faults: splitList(o.faults)})
		if err != nil {
			return 0, usageErrorf("starting the embedded reference server: %v", err)
		}
		defer func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = inst.Shutdown(ctx)
		}()
		target = inst.URL()
		description = target + " (embedded reference server)"
		if o.faults != "" {
			description = target + " (embedded reference server with faults " + o.faults + ")"
		}
	}
	clientCfg := httpclient.Config{
		BaseURL:        target,
		Token:          token,
		RequestTimeout: o.requestTimeout,
		MaxRetryWait:   o.maxRetryWait,
		UserAgent:      "copilotconf/" + version(),
	}
	client, err := httpclient.New(clientCfg)
	if err != nil {
		return 0, usageErrorf("%v", err)
	}
	// The preflight gives up on an unreachable target after a few seconds of retries.
	clientCfg.MaxRetryWait = min(o.maxRetryWait, preflightRetryWait)
	preflightClient, err := httpclient.New(clientCfg)
	if err != nil {
		return 0, usageErrorf("%v", err)
	}
	if err := preflight(preflightClient, o.workspace); err != nil {
		return 0, err
	}
	validator, err := schemas.New()
	if err != nil {
		return 0, fmt.Errorf("compiling the embedded schemas: %w", err)
	}
	runID := randomHex(4)
	fmt.Fprintf(stdio.Stdout, "copilotconf %s: run %s against %s, workspace %q\n", version(), runID, client.Redact(redactURL(description)), o.workspace)
	result, err := suites.Run(suites.Config{
		Client: client, Validator: validator, Workspace: o.workspace, RunID: runID,
		ClockSkew: o.clockSkew, Out: stdio.Stdout,
	}, o.suiteConfig(), o.reporterConfig())
	if err != nil {
		return 0, err
	}
	outcome := summarize(result, o.strict)
	if err := writeReports(o.reportDir, result, client.Redact); err != nil {
		return 0, &exitError{code: ExitFailed, err: fmt.Errorf("writing reports: %w", err)}
	}
	printSummary(stdio.Stdout, outcome, o.reportDir)
	if outcome.selected == 0 {
		return 0, usageErrorf("no spec matches the selection (--label-filter %q, --focus %q, --skip %q); see copilotconf specs", o.labelFilter, o.focus, o.skip)
	}
	return outcome.exitCode(), nil
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

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
