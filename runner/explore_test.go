package runner_test

import (
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/copilotconf/copilotconf/mockserver"
)

func TestExploreCleanServerFindsNothing(t *testing.T) {
	dir := t.TempDir()
	r := copilotconf(t, nil, "explore", "--steps", "300", "--seed", "11", "--report-dir", dir)
	if r.code != 0 || !strings.Contains(r.stdout, "No property broke") || !strings.Contains(r.stdout, "seed 11") {
		t.Fatalf("expected exit 0 and nothing broken, got %s", r)
	}
	for _, want := range []string{"Steps: 300", "Calls: create-evaluation", "list-workspaces", "Properties checked: auth", "count "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the summary lacks %q:\n%s", want, r.stdout)
		}
	}
	j, err := os.ReadFile(filepath.Join(dir, "junit.xml"))
	if err != nil || !strings.Contains(string(j), `<testcase name="round-trip"`) || strings.Contains(string(j), "<failure") {
		t.Errorf("junit.xml: expected passing test cases per property, got %v\n%s", err, j)
	}
	sessions, prompts := readCreated(t, dir)
	if sessions == 0 || prompts == 0 || !strings.Contains(r.stdout, "Created on the target: ") {
		t.Errorf("created.json: expected the sessions and prompts explore created, got %d and %d", sessions, prompts)
	}
}

func TestExploreFindsShrinksAndRepeats(t *testing.T) {
	var verdicts []string
	for i := 0; i < 2; i++ {
		dir := t.TempDir()
		r := copilotconf(t, nil, "explore", "--fault", "displayname-truncated", "--seed", "5", "--report-dir", dir)
		if r.code != 1 {
			t.Fatalf("expected exit 1 (a property broke), got %s", r)
		}
		m := regexp.MustCompile(`property "([a-z-]+)" broke after (\d+) calls?`).FindStringSubmatch(r.stdout)
		shrunk := regexp.MustCompile(`shrunk to (\d+) calls?`).FindStringSubmatch(r.stdout)
		if m == nil || shrunk == nil || len(shrunk[1]) > 1 || shrunk[1] > "6" {
			t.Fatalf("expected a broken property shrunk to at most 6 calls:\n%s", r.stdout)
		}
		verdicts = append(verdicts, m[0]+" / "+shrunk[0])
		for _, f := range []string{"junit.xml", "created.json", "failure.txt", "replay.sh"} {
			if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
		j, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
		if !strings.Contains(string(j), `<testcase name="`+m[1]+`" classname="explore">`) || !strings.Contains(string(j), "<failure") {
			t.Errorf("junit.xml does not fail the test case of %s:\n%s", m[1], j)
		}
	}
	if verdicts[0] != verdicts[1] {
		t.Errorf("the same seed gave different verdicts: %q and %q", verdicts[0], verdicts[1])
	}
}

func TestExploreUsageAndTargetErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"zero steps", []string{"explore", "--steps", "0"}, 2, "invalid --steps"},
		{"a flag of run", []string{"explore", "--focus", "x"}, 2, "--focus is a flag of run"},
		{"a remote target without a write budget", []string{"explore", "--target", "https://copilotconf.invalid/beta", "--token", "t"}, 2, "give --max-writes N"},
		{"an unreachable target", []string{"explore", "--target", "http://127.0.0.1:1", "--token", "t", "--request-timeout", "2s", "--max-retry-wait", "0s"}, 3, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := copilotconf(t, nil, append(c.args, "--report-dir", t.TempDir())...)
			if r.code != c.code || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("expected exit %d and one line containing %q, got %s", c.code, c.want, r)
			}
		})
	}
	help := copilotconf(t, nil, "explore", "--help")
	if help.code != 0 || !strings.Contains(help.stdout, "--steps N") || !strings.Contains(help.stdout, "not production tenants") {
		t.Errorf("explore --help: %s", help)
	}
}

// Against a target on another machine without --max-writes, explore asks when it runs in a
// terminal: "y" goes on within the default budget, anything else sends nothing. The target's
// name is reached through a forward proxy on loopback, so no traffic leaves this machine.
func TestExploreAsksBeforeWritingToARemoteTarget(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Token: "remote-token"})
	if err != nil {
		t.Fatal(err)
	}
	var requests atomic.Int64
	_, env := forwardProxy(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		srv.ServeHTTP(w, r)
	}))
	args := []string{"explore", "--target", "http://tenant.copilotconf.test", "--token", "remote-token", "--steps", "200", "--seed", "3"}

	for _, answer := range []string{"n\n", "\n", ""} {
		r := copilotconfAnswering(t, env, answer, append(args, "--report-dir", t.TempDir())...)
		if r.code != 2 || !strings.Contains(r.stderr, "Go on? [y/N]") || !strings.Contains(r.stderr, "not confirmed: nothing was sent") || requests.Load() != 0 {
			t.Fatalf("answering %q: expected the question, exit 2 and no request, got %d requests and %s", answer, requests.Load(), r)
		}
	}
	dir := t.TempDir()
	r := copilotconfAnswering(t, env, "y\n", append(args, "--report-dir", dir)...)
	if r.code != 0 || requests.Load() == 0 {
		t.Fatalf("answering y: expected the exploration to run through the proxy and pass, got %d requests and %s", requests.Load(), r)
	}
	if sessions, prompts := readCreated(t, dir); sessions == 0 || sessions+prompts > 20 {
		t.Errorf("answering y: expected objects created within the default budget of 20, got %d sessions and %d prompts", sessions, prompts)
	}
	if !strings.Contains(r.stdout, "The write budget (--max-writes 20) was spent: from then on explore created nothing.") || !strings.Contains(r.stdout, "Steps: 200 ") {
		t.Errorf("answering y: expected 200 steps and the budget said spent:\n%s", r.stdout)
	}
	refused := copilotconf(t, env, append(args, "--report-dir", t.TempDir())...)
	if refused.code != 2 || !strings.Contains(refused.stderr, "give --max-writes N") || strings.Contains(refused.stderr, "Go on?") {
		t.Errorf("without a terminal: expected a refusal without a question, got %s", refused)
	}
}
