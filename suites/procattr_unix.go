//go:build unix

package suites

import (
	"os"
	"os/exec"
	"syscall"
)

// ownProcessGroup keeps a worker out of the terminal's process group: an interrupt reaches it
// once, from the coordinator, rather than twice (Ginkgo takes a second interrupt as "abort now").
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// interruptProcess asks a worker to stop as Ginkgo does on Ctrl-C: the spec under way is
// interrupted and reported, and the rest are not run.
func interruptProcess(p *os.Process) { _ = p.Signal(os.Interrupt) }
