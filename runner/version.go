package runner

import (
	"fmt"
	"runtime/debug"
)

// Version is set at build time with -ldflags "-X github.com/copilotconf/copilotconf/runner.Version=v1.2.3";
// otherwise the module version from the build information is used.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if info, ok := debug.ReadBuildInfo(); ok && info.Main.Version != "" && info.Main.Version != "(devel)" {
		return info.Main.Version
	}
	return "dev"
}

func versionCommand(args []string, stdio IO) error {
	fs := newFlagSet("version")
	rest, err := parseInterleaved(fs, args, stdio, "copilotconf version", "")
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("version takes no arguments")
	}
	_, err = fmt.Fprintf(stdio.Stdout, "copilotconf %s\n", version())
	return err
}
