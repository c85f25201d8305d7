// Package reports renders a results.Run into the files and the console summary a run leaves:
// junit.xml for CI, conformance-report.yaml and .json for vendors, report.html and summary.md
// for people, created.json for clean-up. Every file is a rendering of the one result model.
package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/copilotconf/copilotconf/results"
)

// The files Write produces, by name.
const (
	JUnitFile       = "junit.xml"
	ConformanceYAML = "conformance-report.yaml"
	ConformanceJSON = "conformance-report.json"
	HTMLFile        = "report.html"
	MarkdownFile    = "summary.md"
	CreatedFile     = "created.json"
)

// Files renders every report of the run, by file name. Nothing is redacted here: the
// result model holds redacted text already, and the caller passes every byte through its
// redaction once more before it writes.
func Files(run *results.Run) (map[string][]byte, error) {
	out := map[string][]byte{}
	var err error
	if out[JUnitFile], err = JUnit(run); err != nil {
		return nil, fmt.Errorf("%s: %w", JUnitFile, err)
	}
	rep := run.Report()
	if out[ConformanceJSON], err = marshalJSON(rep); err != nil {
		return nil, fmt.Errorf("%s: %w", ConformanceJSON, err)
	}
	if out[ConformanceYAML], err = yaml.JSONToYAML(out[ConformanceJSON]); err != nil {
		return nil, fmt.Errorf("%s: %w", ConformanceYAML, err)
	}
	if out[HTMLFile], err = HTML(run); err != nil {
		return nil, fmt.Errorf("%s: %w", HTMLFile, err)
	}
	out[MarkdownFile] = []byte(Markdown(run))
	if out[CreatedFile], err = marshalJSON(struct {
		Note    string                  `json:"note"`
		Objects []results.CreatedObject `json:"objects"`
	}{"Objects this run created on the target. The API has no DELETE: remove them by other means if needed.", nonNil(run.Created)}); err != nil {
		return nil, fmt.Errorf("%s: %w", CreatedFile, err)
	}
	return out, nil
}

// Write renders every report into dir, passing each through redact, and writes each file
// whole (to a temporary name first, so that a reader never sees half a report).
func Write(dir string, run *results.Run, redact func(string) string) error {
	files, err := Files(run)
	if err != nil {
		return err
	}
	for _, name := range []string{JUnitFile, ConformanceYAML, ConformanceJSON, HTMLFile, MarkdownFile, CreatedFile} {
		if err := WriteFile(filepath.Join(dir, name), []byte(redact(string(files[name])))); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes b to path through a temporary file in the same directory.
func WriteFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ReadConformanceReport reads a conformance report (JSON or YAML) from a file, or from the
// conformance-report.json of a report directory.
func ReadConformanceReport(path string) (results.ConformanceReport, error) {
	var rep results.ConformanceReport
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		path = filepath.Join(path, ConformanceJSON)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return rep, err
	}
	if err := yaml.Unmarshal(b, &rep); err != nil {
		return rep, fmt.Errorf("%s is not a conformance report: %w", path, err)
	}
	if rep.Kind != "CopilotconfConformanceReport" || len(rep.Levels) == 0 {
		return rep, fmt.Errorf("%s is not a copilotconf conformance report", path)
	}
	return rep, nil
}

func marshalJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func nonNil(c []results.CreatedObject) []results.CreatedObject {
	if c == nil {
		return []results.CreatedObject{}
	}
	return c
}

// curlNote introduces the reproducers.
const curlNote = "To repeat these requests (the token is read from $COPILOTCONF_TOKEN):"

// reproducers lists the curl commands of a spec's exchanges, one a line.
func reproducers(s results.Spec) []string {
	var out []string
	seen := map[string]bool{}
	add := func(e results.Exchange) {
		if e.Curl != "" && !seen[e.Curl] {
			seen[e.Curl] = true
			out = append(out, e.Curl)
		}
	}
	if s.Cause != nil && s.Cause.Exchange != nil {
		add(*s.Cause.Exchange)
	}
	for _, e := range s.Exchanges {
		add(e)
	}
	return out
}

// text of a spec for a list: "[ID] requirement".
func title(s results.Spec) string { return "[" + s.ID + "] " + s.Requirement }

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
