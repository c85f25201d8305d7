package runner

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/reports"
	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/suites"
)

// runInfo is what the console and the reports say about how the run was made.
type runInfo struct {
	runID, target, workspace, auth, proxy string
	insecure, readOnly, skipEvaluations   bool
}

// newRun builds the result model of a run from what the suites produced and how the run was made.
func newRun(o runOptions, info runInfo, started time.Time, outcomes []results.Spec) *results.Run {
	return &results.Run{
		Tool:    results.Tool{Name: "copilotconf", Version: version()},
		RunID:   info.runID,
		Started: started, Finished: time.Now(),
		Target: results.Target{URL: info.target, Workspace: info.workspace, Auth: info.auth, Proxy: info.proxy,
			TLSVerification: !info.insecure},
		Implementation: results.Implementation{Name: o.implName, Version: o.implVersion, URL: o.implURL, Contact: o.implContact},
		Mode: results.Mode{Strict: o.strict, ReadOnly: o.readOnly, LabelFilter: o.labelFilter, Focus: o.focus, Skip: o.skip,
			Faults: o.faults, SkippedEvaluations: info.skipEvaluations},
		Specs:   outcomes,
		Created: []results.CreatedObject{},
	}
}

// writeReports writes every report of the run, and Ginkgo's own report when there is one;
// every byte passes redact.
func writeReports(dir string, run *results.Run, ginkgoReport *types.Report, redact func(string) string) error {
	if err := reports.Write(dir, run, redact); err != nil {
		return err
	}
	if ginkgoReport == nil {
		return nil
	}
	b, err := json.MarshalIndent([]types.Report{suites.WithoutDetails(*ginkgoReport)}, "", "  ")
	if err != nil {
		return fmt.Errorf("report.json: %w", err)
	}
	return reports.WriteFile(filepath.Join(dir, "report.json"), []byte(redact(string(b))))
}

// checkReportDir makes sure reports can be written before the first request is sent.
func checkReportDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usageErrorf("cannot create the report directory: %v", err)
	}
	probe, err := os.CreateTemp(dir, ".copilotconf-write-check-*")
	if err != nil {
		return usageErrorf("the report directory %s is not writable: %v", dir, err)
	}
	probe.Close()
	return os.Remove(probe.Name())
}

// labelWord finds the label names in a Ginkgo label filter: what stands between the operators.
var labelWord = regexp.MustCompile(`[^&|!(),\s]+`)

// checkLabels rejects a label filter that names a label no spec has (a typo such as "advsory"
// would otherwise narrow the run in silence).
func checkLabels(filter string, specs []suites.Spec) error {
	if filter == "" {
		return nil
	}
	known := map[string]bool{}
	for _, s := range specs {
		for _, l := range s.Labels() {
			known[strings.ToLower(l)] = true
		}
	}
	for _, word := range labelWord.FindAllString(filter, -1) {
		if strings.HasPrefix(word, "/") || strings.Contains(word, ":") {
			continue // a regular expression or a set label: Ginkgo matches them itself
		}
		if !known[strings.ToLower(word)] {
			names := make([]string, 0, len(known))
			for k := range known {
				names = append(names, k)
			}
			slices.Sort(names)
			return usageErrorf("--label-filter %q names the label %q, which no spec has (labels: %s)", filter, word, strings.Join(names, ", "))
		}
	}
	return nil
}
