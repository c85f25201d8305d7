// Command copilotconf checks whether an endpoint behaves like the Microsoft Graph Security
// Copilot API (beta). See README.md.
package main

import (
	"os"

	"github.com/copilotconf/copilotconf/runner"
)

func main() {
	stdin, err := os.Stdin.Stat()
	interactive := err == nil && stdin.Mode()&os.ModeCharDevice != 0
	os.Exit(runner.Main(os.Args[1:], runner.IO{Stdout: os.Stdout, Stderr: os.Stderr, Env: os.LookupEnv, Stdin: os.Stdin, Interactive: interactive}))
}
