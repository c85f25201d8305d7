package runner_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// actionFile is the part of action.yml the test reads.
type actionFile struct {
	Inputs map[string]struct {
		Default string `json:"default"`
	} `json:"inputs"`
	Runs struct {
		Using string `json:"using"`
		Steps []struct {
			ID   string            `json:"id"`
			Uses string            `json:"uses"`
			Run  string            `json:"run"`
			Env  map[string]string `json:"env"`
			With map[string]string `json:"with"`
		} `json:"steps"`
	} `json:"runs"`
}

// TestActionInputsMapToFlags checks that the GitHub Action is composite, builds copilotconf
// from its own source, passes every input to a real flag of run (through the flag's
// environment variable or on the command line), never puts an input into a script, and
// uploads the reports.
func TestActionInputsMapToFlags(t *testing.T) {
	b, err := os.ReadFile("../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var a actionFile
	if err := yaml.Unmarshal(b, &a); err != nil {
		t.Fatalf("action.yml does not parse: %v", err)
	}
	if a.Runs.Using != "composite" {
		t.Errorf("the action must be composite, it uses %q", a.Runs.Using)
	}
	help := copilotconf(t, nil, "run", "--help").stdout
	var run, build, upload bool
	var runEnv map[string]string
	var script string
	for _, s := range a.Runs.Steps {
		switch {
		case s.ID == "run":
			run, runEnv, script = true, s.Env, s.Run
		case strings.Contains(s.Run, "go build") && strings.Contains(s.Run, "GITHUB_ACTION_PATH"):
			build = true
		case strings.HasPrefix(s.Uses, "actions/upload-artifact@"):
			upload = s.With["path"] == "${{ inputs.report-dir }}"
		}
		if strings.Contains(s.Run, "${{") {
			t.Errorf("step %q interpolates an expression into its script; pass inputs through env", s.ID)
		}
	}
	if !run || !build || !upload {
		t.Fatalf("expected a build step from the action's source (%v), a run step (%v) and an upload of the report directory (%v)", build, run, upload)
	}
	for name := range a.Inputs {
		if name == "artifact-name" {
			continue // the upload's, not copilotconf's
		}
		flag := "--" + name
		if !regexp.MustCompile(`(?m)^\s+` + regexp.QuoteMeta(flag) + `(\s|$)`).MatchString(help) {
			t.Errorf("input %q: run has no flag %s", name, flag)
			continue
		}
		var viaEnv string
		for k, v := range runEnv {
			if v == "${{ inputs."+name+" }}" {
				viaEnv = k
			}
		}
		switch {
		case viaEnv == "":
			t.Errorf("input %q is not passed to the run step", name)
		case strings.HasPrefix(viaEnv, "COPILOTCONF_"):
			if !regexp.MustCompile(viaEnv + `\s+.*` + regexp.QuoteMeta(flag)).MatchString(help) {
				t.Errorf("input %q goes through %s, which run --help does not document as %s", name, viaEnv, flag)
			}
		case !strings.Contains(script, `"$`+viaEnv+`"`) || !strings.Contains(script, flag):
			t.Errorf("input %q goes through %s, but the script does not pass it as %s", name, viaEnv, flag)
		}
	}
}
