package runner_test

import (
	"regexp"
	"strings"
	"testing"
)

// "copilotconf help CMD" is "copilotconf CMD --help" for every command, and names no command
// that does not exist.
func TestHelpPerCommand(t *testing.T) {
	for _, cmd := range []string{"run", "serve", "validate", "specs", "mutation", "explore", "diff", "version"} {
		t.Run(cmd, func(t *testing.T) {
			viaHelp := copilotconf(t, nil, "help", cmd)
			viaFlag := copilotconf(t, nil, cmd, "--help")
			synopsis := regexp.MustCompile(`copilotconf \[?` + cmd + `\b`)
			if viaHelp.code != 0 || viaHelp.stdout != viaFlag.stdout || !synopsis.MatchString(viaHelp.stdout) {
				t.Errorf("help %s: expected exit 0 and the output of %s --help, got %s\nwant:\n%s", cmd, cmd, viaHelp, viaFlag.stdout)
			}
		})
	}
	if r := copilotconf(t, nil, "help", "frobnicate"); r.code != 2 || !strings.Contains(r.stderr, `no help for "frobnicate"`) {
		t.Errorf("help of an unknown command: expected exit 2 and one line, got %s", r)
	}
	if r := copilotconf(t, nil, "help"); r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
		t.Errorf("help: expected the usage, got %s", r)
	}
}

func TestVersionFlag(t *testing.T) {
	flag, cmd := copilotconf(t, nil, "--version"), copilotconf(t, nil, "version")
	if flag.code != 0 || flag.stdout != cmd.stdout || !strings.HasPrefix(flag.stdout, "copilotconf ") {
		t.Errorf("--version: expected exit 0 and what version prints (%q), got %s", cmd.stdout, flag)
	}
}

// Help writes flags as the README does: a one-letter flag with one dash.
func TestHelpWritesFlagsAsTheReadme(t *testing.T) {
	r := copilotconf(t, nil, "run", "--help")
	if !regexp.MustCompile(`(?m)^  -v$`).MatchString(r.stdout) || strings.Contains(r.stdout, "  --v\n") {
		t.Errorf("run --help: expected -v, as the README writes it:\n%s", r.stdout)
	}
}

// No colour code reaches output that is not a terminal, with NO_COLOR or without: Ginkgo's
// label filter errors come with them.
func TestNoColourCodes(t *testing.T) {
	for _, env := range []map[string]string{nil, {"NO_COLOR": "1"}} {
		r := copilotconf(t, env, "run", "--label-filter", "((", "--report-dir", t.TempDir())
		if r.code != 2 || strings.Contains(r.stdout+r.stderr, "\x1b[") || !strings.Contains(r.stderr, "Mismatched '('") {
			t.Errorf("a bad label filter (env %v): expected exit 2 and a plain one-line error, got %q", env, r.stderr)
		}
	}
}

// Counts agree with their nouns wherever the command prints them.
func TestPlurals(t *testing.T) {
	specs := copilotconf(t, nil, "specs")
	if !regexp.MustCompile(`(?m)^\d+ specs$`).MatchString(specs.stdout) {
		t.Errorf("specs: expected the last line \"N specs\", got %s", specs)
	}
	faults := copilotconf(t, nil, "serve", "--list-faults")
	if !regexp.MustCompile(`(?m)^\d+ faults$`).MatchString(faults.stdout) {
		t.Errorf("serve --list-faults: expected the last line \"N faults\", got %s", faults)
	}
	// One call, one replay: a fault that the first call shows.
	r := copilotconf(t, nil, "explore", "--fault", "displayname-truncated", "--seed", "5", "--report-dir", t.TempDir())
	if !strings.Contains(r.stdout, "shrunk to 1 call in ") || regexp.MustCompile(`\b1 (calls|replays|objects)\b`).MatchString(r.stdout) {
		t.Errorf("explore: expected \"shrunk to 1 call\" and no \"1 calls\", got %s", r)
	}
}
