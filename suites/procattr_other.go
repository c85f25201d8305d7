//go:build !unix

package suites

import (
	"os"
	"os/exec"
)

func ownProcessGroup(*exec.Cmd) {}

// interruptProcess stops a worker; without Unix signals it cannot be interrupted gently.
func interruptProcess(p *os.Process) { _ = p.Kill() }
