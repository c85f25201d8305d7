package runner

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	"github.com/copilotconf/copilotconf/results"
)

// Options configure RunSuite, the suite run from Go. Zero values are the command's defaults;
// each field is the `copilotconf run` flag of the same name.
type Options struct {
	// Target is the service root. Empty (and no Handler): the embedded reference server.
	Target string
	// Handler, when set, is served on 127.0.0.1 for the run and is the target: a service's
	// own http.Handler, checked in-process.
	Handler http.Handler
	// Token is the bearer token sent (and, for a Handler, expected).
	Token       string
	Workspace   string
	LabelFilter string
	Focus, Skip string
	Strict      bool
	ReadOnly    bool
	// ReportDir receives the reports; empty: "copilotconf-report" in the working directory.
	ReportDir string
	// Faults switches faults on in the embedded server (only without Target and Handler).
	Faults string
	// Procs spreads the specs over this many worker processes, started from the test binary
	// itself (this package turns such a process into a worker as soon as it is loaded). 0: the
	// number of CPUs against the embedded server, 4 against Target or Handler; 1: this process
	// alone.
	Procs int
	// Evaluations runs the specs that create evaluations against Target or Handler too (the
	// embedded server always runs them): a real evaluation uses billed capacity.
	Evaluations bool
	// Args are further `copilotconf run` flags, such as "--max-writes", "5".
	Args []string
	// Out receives the console output; nil discards it.
	Out io.Writer
}

// RunSuite runs the conformance suite as `copilotconf run` does, and returns the result model
// and the command's exit code. Ginkgo runs one suite per process: call it once per test binary.
// An error is a usage problem, or the target refused before or during the run (exit 2 or 3);
// the result model is nil when nothing ran.
func RunSuite(o Options) (*results.Run, int, error) {
	args := []string{}
	if o.Handler != nil {
		if o.Target != "" {
			return nil, ExitUsage, errors.New("give Target or Handler, not both")
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, ExitUsage, fmt.Errorf("serving the handler: %w", err)
		}
		srv := &http.Server{Handler: o.Handler}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		o.Target = "http://" + ln.Addr().String()
	}
	add := func(flag, value string) {
		if value != "" {
			args = append(args, flag, value)
		}
	}
	add("--target", o.Target)
	add("--token", o.Token)
	add("--workspace", o.Workspace)
	add("--label-filter", o.LabelFilter)
	add("--focus", o.Focus)
	add("--skip", o.Skip)
	add("--report-dir", o.ReportDir)
	add("--fault", o.Faults)
	if o.Procs != 0 {
		args = append(args, "--procs", strconv.Itoa(o.Procs))
	}
	if o.Strict {
		args = append(args, "--strict")
	}
	if o.ReadOnly {
		args = append(args, "--read-only")
	}
	if o.Evaluations {
		args = append(args, "--evaluations")
	}
	args = append(args, o.Args...)
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	stdio := IO{Stdout: out, Stderr: out, Env: func(string) (string, bool) { return "", false }}
	opts, err := parseRunOptions(args, stdio)
	if err != nil {
		return nil, exitCodeOf(err), err
	}
	run, code, err := run(opts, stdio)
	if err != nil {
		return run, exitCodeOf(err), err
	}
	return run, code, nil
}

// exitCodeOf is the exit code an error stands for.
func exitCodeOf(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}

// ExitCodeText names an exit code for messages.
func ExitCodeText(code int) string {
	switch code {
	case ExitOK:
		return "0 (passed)"
	case ExitFailed:
		return "1 (a spec failed)"
	case ExitUsage:
		return "2 (usage)"
	case ExitTarget:
		return "3 (target refused)"
	}
	return strconv.Itoa(code)
}
