package runner

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/suites"
)

const runSynopsis = "copilotconf [run] [--target URL] [--token TOKEN | --token-file F | --auth azure|oauth2 ...] [--workspace ID] [flags]"

const runHelp = `
Environment variables (a flag wins over its variable):
  COPILOTCONF_TARGET      service root, as --target
  COPILOTCONF_WORKSPACE   workspace id, as --workspace
  COPILOTCONF_TOKEN       bearer token, as --token
  COPILOTCONF_TOKEN_FILE  file holding the bearer token, as --token-file
  COPILOTCONF_AUTH        token, azure or oauth2, as --auth
  COPILOTCONF_REPORT_DIR  report directory, as --report-dir
  AZURE_*                 with --auth azure: AZURE_TENANT_ID, AZURE_CLIENT_ID and one of
                          AZURE_CLIENT_SECRET, AZURE_CLIENT_CERTIFICATE_PATH,
                          AZURE_FEDERATED_TOKEN_FILE; or a managed identity; else the Azure CLI
  HTTPS_PROXY, NO_PROXY   honoured; the report records a proxy that was used

Without a target, copilotconf starts its embedded reference server on 127.0.0.1 with a
random port and token, runs against it and stops it.
` + exitCodesHelp

// runOptions is the parsed configuration of the run command.
type runOptions struct {
	target, workspace, reportDir     string
	token, tokenFile, authKind       string
	scope, tokenURL, clientID        string
	clientSecretFile                 string
	labelFilter, focus, skip, faults string
	strict, verbose, readOnly        bool
	evaluations                      bool
	evaluationTimeout                time.Duration
	sessionID                        string
	maxWrites, maxPages              int
	maxTransportFailures             int
	procs                            int
	seed                             int64
	rate                             float64
	maxBody                          byteSize
	clockSkew, requestTimeout        time.Duration
	timeout, maxRetryWait            time.Duration
	insecure                         bool
	caCert, clientCert, clientKey    string
	implName, implVersion            string
	implURL, implContact             string
}

func parseRunOptions(args []string, stdio IO) (runOptions, error) {
	o := runOptions{maxBody: 16 << 20}
	fs := newFlagSet("run")
	env := func(key, def string) string { return envDefault(stdio.Env, key, def) }
	fs.StringVar(&o.target, "target", env("COPILOTCONF_TARGET", ""), "service root URL, e.g. https://graph.microsoft.com/beta; empty: the embedded reference server")
	fs.StringVar(&o.workspace, "workspace", env("COPILOTCONF_WORKSPACE", "default"), "workspace id")
	fs.StringVar(&o.reportDir, "report-dir", env("COPILOTCONF_REPORT_DIR", "copilotconf-report"), "directory for the reports (junit.xml, conformance-report.yaml/.json, report.html, summary.md, created.json, report.json)")

	fs.StringVar(&o.authKind, "auth", env("COPILOTCONF_AUTH", "token"), "how to sign in: token (--token or --token-file), azure (Microsoft Entra ID from AZURE_*), oauth2 (client credentials)")
	fs.StringVar(&o.token, "token", env("COPILOTCONF_TOKEN", ""), "bearer token sent on every request (prefer COPILOTCONF_TOKEN or --token-file: flags show up in process lists)")
	fs.StringVar(&o.tokenFile, "token-file", env("COPILOTCONF_TOKEN_FILE", ""), "file holding the bearer token; re-read when the target answers 401, and the request retried once")
	fs.StringVar(&o.scope, "scope", "", "token scope(s), comma-separated (azure default: https://graph.microsoft.com/.default)")
	fs.StringVar(&o.tokenURL, "token-url", "", "with --auth oauth2: the token endpoint")
	fs.StringVar(&o.clientID, "client-id", "", "with --auth oauth2: the client id")
	fs.StringVar(&o.clientSecretFile, "client-secret-file", "", "with --auth oauth2: file holding the client secret")

	fs.StringVar(&o.labelFilter, "label-filter", "", "Ginkgo label filter, e.g. 'core && !mutating'")
	fs.StringVar(&o.focus, "focus", "", "run only specs whose text matches this regular expression")
	fs.StringVar(&o.skip, "skip", "", "skip specs whose text matches this regular expression")
	fs.StringVar(&o.faults, "fault", "", "switch faults NAME[,NAME...] on in the embedded server, to watch specs fail (copilotconf serve --list-faults)")
	fs.BoolVar(&o.strict, "strict", false, "advisory failures also fail the run")
	fs.BoolVar(&o.verbose, "v", false, "verbose progress")
	fs.Int64Var(&o.seed, "seed", 0, "random seed for spec order (0: a new seed)")

	fs.BoolVar(&o.readOnly, "read-only", false, "never write: skip the specs that must write, refuse POST/PATCH/PUT/DELETE in the HTTP layer, and check existing sessions and prompts")
	fs.StringVar(&o.sessionID, "session-id", "", "with --read-only: the existing session (ideally with prompts) to check")
	fs.BoolVar(&o.evaluations, "evaluations", false, "against a --target, also run the specs labelled "+suites.EvaluationLabel+", which create evaluations: each runs a model on billed capacity (the embedded server always runs them)")
	fs.DurationVar(&o.evaluationTimeout, "evaluation-timeout", suites.DefaultEvaluationTimeout, "how long a created evaluation is polled to reach a final state (against the embedded server, whose evaluations end within 150 ms, "+embeddedEvaluationTimeout.String()+" unless given)")
	procsDefault, procsEnvErr := strconv.Atoi(env("COPILOTCONF_PROCS", "0"))
	fs.IntVar(&o.procs, "procs", procsDefault, "spread the specs over this many worker processes (0: the number of CPUs against the embedded server, "+strconv.Itoa(remoteProcs)+" against a --target; 1: one process, one request at a time)")
	fs.IntVar(&o.maxWrites, "max-writes", 20, "stop creating objects after this many (the API has no DELETE)")

	fs.IntVar(&o.maxPages, "max-pages", 500, "how many pages a spec follows before it calls the paging endless (raise it for tenants with many sessions)")
	fs.Float64Var(&o.rate, "rate", 0, "at most this many requests per second (0: no limit)")
	fs.Var(&o.maxBody, "max-body", "cap on a response body after decompression, e.g. 16MiB")
	fs.DurationVar(&o.clockSkew, "clock-skew", time.Minute, "how far the target's clock may be from ours when timestamps are checked")
	fs.DurationVar(&o.requestTimeout, "request-timeout", 20*time.Second, "time limit of one HTTP request, reading the whole body included (a timed-out request is not repeated)")
	fs.IntVar(&o.maxTransportFailures, "max-transport-failures", 3, "stop the run (exit 3) after this many exchanges in a row failed at the transport level: timeouts, resets, bodies over --max-body or that would not decompress (0: never)")
	fs.DurationVar(&o.maxRetryWait, "max-retry-wait", 60*time.Second, "time one request may spend waiting on 429/503 retries")
	fs.DurationVar(&o.timeout, "timeout", 15*time.Minute, "time limit of the whole run; when it expires the run stops and reports what ran")

	fs.BoolVar(&o.insecure, "insecure-skip-tls-verify", false, "do not verify the target's certificate (the report says so)")
	fs.StringVar(&o.caCert, "ca-cert", "", "PEM file of further trusted certificate authorities")
	fs.StringVar(&o.clientCert, "client-cert", "", "PEM client certificate for mutual TLS")
	fs.StringVar(&o.clientKey, "client-key", "", "PEM private key of --client-cert")
	fs.StringVar(&o.implName, "implementation-name", "", "name of the implementation under test, for the conformance report")
	fs.StringVar(&o.implVersion, "implementation-version", "", "its version, for the conformance report")
	fs.StringVar(&o.implURL, "implementation-url", "", "its home page, for the conformance report")
	fs.StringVar(&o.implContact, "implementation-contact", "", "who to contact about it, for the conformance report")
	rest, err := parseInterleaved(fs, args, stdio, runSynopsis, runHelp)
	if err != nil {
		return o, err
	}
	if procsEnvErr != nil && !flagGiven(fs, "procs") {
		return o, usageErrorf("invalid COPILOTCONF_PROCS %q: want a whole number", env("COPILOTCONF_PROCS", ""))
	}
	if len(rest) > 0 {
		return o, usageErrorf("run takes no arguments, got %q (did you mean --target %s?)", rest[0], rest[0])
	}
	if o.target == "" && !flagGiven(fs, "evaluation-timeout") {
		o.evaluationTimeout = embeddedEvaluationTimeout
	}
	return o, o.validate()
}

func (o *runOptions) validate() error {
	if o.target != "" {
		u, err := url.Parse(o.target)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
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
	if err := o.validateAuth(); err != nil {
		return err
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
	for name, d := range map[string]time.Duration{"--request-timeout": o.requestTimeout, "--timeout": o.timeout, "--evaluation-timeout": o.evaluationTimeout} {
		if d <= 0 {
			return usageErrorf("%s must be positive", name)
		}
	}
	for name, d := range map[string]time.Duration{"--clock-skew": o.clockSkew, "--max-retry-wait": o.maxRetryWait} {
		if d < 0 {
			return usageErrorf("%s must not be negative", name)
		}
	}
	switch {
	case o.rate < 0:
		return usageErrorf("--rate must not be negative")
	case o.maxPages < 2:
		return usageErrorf("--max-pages must be at least 2")
	case o.maxTransportFailures < 0:
		return usageErrorf("--max-transport-failures must not be negative (0 turns the breaker off)")
	case o.procs < 0:
		return usageErrorf("--procs must not be negative (0: the default, 1: no parallelism)")
	case o.maxWrites < 1:
		return usageErrorf("--max-writes must be at least 1 (use --read-only to write nothing)")
	case o.maxBody < 1024:
		return usageErrorf("--max-body must be at least 1KiB")
	case o.sessionID != "" && !o.readOnly:
		return usageErrorf("--session-id goes with --read-only")
	case (o.clientCert == "") != (o.clientKey == ""):
		return usageErrorf("--client-cert and --client-key go together")
	case o.reportDir == "":
		return usageErrorf("--report-dir must not be empty")
	}
	return nil
}

// embeddedEvaluationTimeout is the default --evaluation-timeout against the embedded server.
const embeddedEvaluationTimeout = 10 * time.Second

// skipEvaluations says whether the specs that create evaluations are left out: against a
// remote target, unless --evaluations or a label filter naming their label asks for them.
func (o runOptions) skipEvaluations() bool {
	return o.target != "" && !o.evaluations && !namesLabel(o.labelFilter, suites.EvaluationLabel)
}

// namesLabel reports whether a Ginkgo label filter names label (negated or not).
func namesLabel(filter, label string) bool {
	for _, tok := range strings.FieldsFunc(filter, func(r rune) bool { return strings.ContainsRune("&|!(),", r) || r == ' ' || r == '\t' }) {
		if strings.EqualFold(tok, label) {
			return true
		}
	}
	return false
}

func (o *runOptions) validateAuth() error {
	switch o.authKind {
	case "token":
		if o.token != "" && o.tokenFile != "" {
			return usageErrorf("give --token or --token-file, not both")
		}
		if o.tokenURL != "" || o.clientID != "" || o.clientSecretFile != "" {
			return usageErrorf("--token-url, --client-id and --client-secret-file go with --auth oauth2")
		}
	case "azure", "oauth2":
		if o.token != "" || o.tokenFile != "" {
			return usageErrorf("--auth %s gets its own tokens; drop --token/--token-file (and COPILOTCONF_TOKEN)", o.authKind)
		}
		if o.target == "" {
			return usageErrorf("--auth %s needs --target: the embedded server accepts only its own token", o.authKind)
		}
		if o.authKind == "oauth2" && (o.tokenURL == "" || o.clientID == "" || o.clientSecretFile == "") {
			return usageErrorf("--auth oauth2 needs --token-url, --client-id and --client-secret-file")
		}
	default:
		return usageErrorf("invalid --auth %q: want token, azure or oauth2", o.authKind)
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

// byteSize is a flag value such as 16MiB, 512KiB, 1GiB or a plain number of bytes.
type byteSize int64

func (b *byteSize) String() string {
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if int64(*b) >= u.n && int64(*b)%u.n == 0 {
			return strconv.FormatInt(int64(*b)/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(int64(*b), 10)
}

func (b *byteSize) Set(s string) error {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		n      int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.n
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return fmt.Errorf("want a size such as 16MiB")
	}
	*b = byteSize(n * mult)
	return nil
}
