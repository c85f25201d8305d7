// Package runner is the copilotconf command line: subcommands, flags and environment variables,
// the choice of target, running the suites in-process, reports and exit codes.
package runner

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// Exit codes of the copilotconf command.
const (
	// ExitOK: every selected non-advisory spec passed (advisory ones too with --strict);
	// for validate, every document is valid.
	ExitOK = 0
	// ExitFailed: a non-advisory spec failed (any spec with --strict), the run timed out or was
	// interrupted; for validate, a document is invalid.
	ExitFailed = 1
	// ExitUsage: bad flags, environment or configuration.
	ExitUsage = 2
	// ExitTarget: the target could not be reached, or rejected the credentials or the workspace,
	// before any spec ran.
	ExitTarget = 3
)

// exitError carries an exit code with the one-line message printed for it.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &exitError{code: ExitUsage, err: fmt.Errorf(format, args...)}
}

func targetErrorf(format string, args ...any) error {
	return &exitError{code: ExitTarget, err: fmt.Errorf(format, args...)}
}

// Env looks up environment variables; tests pass a map, main passes os.LookupEnv.
type Env func(key string) (string, bool)

// IO is where a command reads its environment and writes its output.
type IO struct {
	Stdout io.Writer
	Stderr io.Writer
	Env    Env
	// Stdin answers the questions a command asks when Interactive (stdin is a terminal):
	// explore asks before it writes to a target on another machine without --max-writes.
	Stdin       io.Reader
	Interactive bool
}

const mainUsage = `copilotconf checks whether an endpoint behaves like the Microsoft Graph
Security Copilot API (beta): sessions, prompts, workspaces, plugins, evaluations.

Usage:
  copilotconf [run] [flags]        run the conformance suites (the default)
  copilotconf serve [flags]        run the reference server in the foreground
  copilotconf validate --kind K FILE...
                                   validate JSON documents against the embedded schemas
  copilotconf specs [--json]       list every spec: ID, labels, requirement
  copilotconf mutation             prove every check can fail: run the suite against every fault
  copilotconf explore [flags]      random call sequences checked against a model of the API (mocks, staging)
  copilotconf diff OLD NEW         compare two runs' outcomes: regressions, fixes, drift
  copilotconf version              print the version

Run "copilotconf <command> --help" for the flags of a command.
` + exitCodesHelp

const exitCodesHelp = `
Exit codes:
  0  all selected non-advisory specs passed (with --strict: all specs); validate: all valid
  1  a non-advisory spec failed (with --strict: any spec), a spec was throttled, or the run
     timed out or was interrupted; validate: a document is invalid; mutation: a fault went
     undetected; explore: a property broke; diff: a spec that passed in OLD did not pass in NEW
  2  usage or configuration error
  3  the target is unreachable, or rejected the credentials (or no token could be had) or the
     workspace, before any spec ran
`

// commands are the subcommands, as the usage lists them.
var commands = []string{"run", "serve", "validate", "specs", "mutation", "explore", "diff", "version"}

// Main runs the copilotconf command with args (without the program name) and returns the exit code.
func Main(args []string, stdio IO) int {
	if stdio.Env == nil {
		stdio.Env = func(string) (string, bool) { return "", false }
	}
	cmd, rest := "run", args
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, rest = args[0], args[1:]
	} else if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "-help") {
		fmt.Fprint(stdio.Stdout, mainUsage)
		return ExitOK
	} else if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		cmd, rest = "version", args[1:]
	}
	var err error
	switch cmd {
	case "run":
		return runCommand(rest, stdio)
	case "serve":
		err = serveCommand(rest, stdio)
	case "validate":
		return validateCommand(rest, stdio)
	case "specs":
		err = specsCommand(rest, stdio)
	case "mutation":
		return mutationCommand(rest, stdio)
	case "explore":
		return exploreCommand(rest, stdio)
	case "diff":
		return diffCommand(rest, stdio)
	case "version":
		err = versionCommand(rest, stdio)
	case "help":
		// "copilotconf help CMD" is "copilotconf CMD --help".
		if len(rest) == 0 || rest[0] == "help" {
			fmt.Fprint(stdio.Stdout, mainUsage)
			return ExitOK
		}
		if !slices.Contains(commands, rest[0]) {
			return report(usageErrorf("no help for %q: it is not a command (want %s; see copilotconf --help)", rest[0], strings.Join(commands, ", ")), stdio)
		}
		return Main([]string{rest[0], "--help"}, stdio)
	default:
		err = usageErrorf("unknown command %q (want %s; see copilotconf --help)", cmd, strings.Join(commands, ", "))
	}
	return report(err, stdio)
}

// report prints err as one line and turns it into an exit code.
func report(err error, stdio IO) int {
	if err == nil {
		return ExitOK
	}
	if errors.Is(err, errHelpShown) {
		return ExitOK
	}
	fmt.Fprintf(stdio.Stderr, "copilotconf: %s\n", oneLine(ansiEscape.ReplaceAllString(err.Error(), "")))
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	return ExitUsage
}

// ansiEscape matches the terminal colour codes some libraries put in their errors (Ginkgo's
// label filter parser): an error line is plain text wherever it goes.
var ansiEscape = regexp.MustCompile("\x1b\\[[0-9;]*[A-Za-z]")

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
