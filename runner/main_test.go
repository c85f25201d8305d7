package runner_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/runner"
)

// The tests run the command in a child process (this test binary re-executed), because Ginkgo
// runs its suite once per process, just as the built binary does.
const (
	childEnv         = "COPILOTCONF_TEST_CHILD"
	childInteractive = "COPILOTCONF_TEST_INTERACTIVE"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		// A test stands for a terminal with childInteractive: the answers come on stdin.
		os.Exit(runner.Main(os.Args[1:], runner.IO{Stdout: os.Stdout, Stderr: os.Stderr, Env: os.LookupEnv,
			Stdin: os.Stdin, Interactive: os.Getenv(childInteractive) == "1"}))
	}
	code := m.Run()
	if plainBinary.dir != "" {
		os.RemoveAll(plainBinary.dir)
	}
	os.Exit(code)
}

// result is what one command invocation showed the user, with its wall time and peak memory.
type result struct {
	code           int
	stdout, stderr string
	wall           time.Duration
	maxRSSKiB      int64 // peak resident set size of the child; -1 when unknown
}

// copilotconf runs the command (this test binary) with args; env adds variables.
func copilotconf(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	return runBinary(t, os.Args[0], env, args...)
}

// runBinary runs a copilotconf binary with args. The COPILOTCONF_* variables of the parent are
// removed so that the developer's shell cannot change the outcome; env adds variables.
func runBinary(t *testing.T, bin string, env map[string]string, args ...string) result {
	t.Helper()
	return runBinaryWithin(t, 3*time.Minute, bin, env, args...)
}

// copilotconfAnswering runs the command as in a terminal, with answers typed on stdin.
func copilotconfAnswering(t *testing.T, env map[string]string, answers string, args ...string) result {
	t.Helper()
	all := map[string]string{childInteractive: "1"}
	for k, v := range env {
		all[k] = v
	}
	return runCommand(t, 3*time.Minute, os.Args[0], all, strings.NewReader(answers), args...)
}

// runBinaryWithin is runBinary with its own time limit.
func runBinaryWithin(t *testing.T, limit time.Duration, bin string, env map[string]string, args ...string) result {
	t.Helper()
	return runCommand(t, limit, bin, env, nil, args...)
}

// runCommand runs a copilotconf binary with args, env and stdin (nil: none), within limit.
func runCommand(t *testing.T, limit time.Duration, bin string, env map[string]string, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(cleanEnv(), childEnv+"=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.WaitDelay = 10 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Stdin = &stdout, &stderr, stdin
	start := time.Now()
	err := cmd.Start()
	peakKiB := int64(-1)
	if err == nil {
		stop := watchPeakRSS(cmd.Process.Pid)
		err = cmd.Wait()
		peakKiB = stop()
	}
	wall := time.Since(start)
	code := 0
	if err != nil {
		exitErr, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("running copilotconf %v: %v", args, err)
		}
		code = exitErr.ExitCode()
	}
	if peakKiB <= 0 {
		peakKiB = maxRSSKiB(cmd.ProcessState)
	}
	return result{code, stdout.String(), stderr.String(), wall, peakKiB}
}

func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "COPILOTCONF_") {
			out = append(out, kv)
		}
	}
	return out
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\n--- stdout\n%s\n--- stderr\n%s", r.code, r.stdout, r.stderr)
}
