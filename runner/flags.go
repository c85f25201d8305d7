package runner

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// errHelpShown ends a command after --help printed its usage; the exit code is 0.
var errHelpShown = errors.New("help shown")

// newFlagSet makes a flag set that reports errors as values (one line, exit code 2) and prints
// its usage only when asked for.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseInterleaved parses flags that may come before, between or after positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string, stdio IO, synopsis, extraHelp string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				printUsage(fs, stdio.Stdout, synopsis, extraHelp)
				return nil, errHelpShown
			}
			return nil, usageErrorf("%s: %v (see copilotconf %s --help)", fs.Name(), err, fs.Name())
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return positional, nil
		}
		if rest[0] == "--" {
			return append(positional, rest[1:]...), nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

func printUsage(fs *flag.FlagSet, w io.Writer, synopsis, extraHelp string) {
	fmt.Fprintf(w, "Usage: %s\n\nFlags:\n", synopsis)
	fs.SetOutput(w)
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if len(f.Name) == 1 { // a one-letter flag is written as users type it: -v
			line = "  -" + f.Name
		}
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n      %s", line, usage)
		if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fs.SetOutput(io.Discard)
	if extraHelp != "" {
		fmt.Fprint(w, extraHelp)
	}
}

// envDefault returns the environment variable's value, or def when it is unset or empty.
func envDefault(env Env, key, def string) string {
	if v, ok := env(key); ok && strings.TrimSpace(v) != "" {
		return v
	}
	return def
}
