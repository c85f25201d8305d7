package runner

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"runtime"

	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/suites"
)

// remoteProcs is the default number of workers against a --target: few enough for a real
// service's throttling limits (Microsoft Graph throttles per app and tenant), enough to hide
// most of a remote round trip.
const remoteProcs = 4

// A parallel run starts its workers from the program's own executable: the copilotconf command,
// or a test binary that runs the suite through the library. A worker is told so by its
// environment, and becomes one as soon as this package is loaded, before main or the tests.
func init() {
	if !suites.IsWorker() {
		return
	}
	if err := suites.RunWorker(); err != nil {
		fmt.Fprintf(os.Stderr, "copilotconf worker: %s\n", oneLine(err.Error()))
		os.Exit(ExitFailed)
	}
	os.Exit(ExitOK)
}

// workers is how many processes a run spreads its specs over: --procs, or its default for the
// target; never more than there are selected specs.
func (o runOptions) workers(selected []results.Spec) int {
	n := o.procs
	if n == 0 {
		n = remoteProcs
		if o.target == "" {
			n = runtime.NumCPU()
		}
	}
	count := 0
	for _, s := range selected {
		if s.Selected {
			count++
		}
	}
	return max(1, min(n, count))
}

// startWorker starts this executable again as a worker of a parallel run.
func startWorker(env []string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	cmd := exec.Command(exe)
	cmd.Env = env
	return cmd
}

func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) {
		if f.Name == name {
			given = true
		}
	})
	return given
}
