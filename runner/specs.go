package runner

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/reports"
	"github.com/copilotconf/copilotconf/suites"
)

const specsSynopsis = "copilotconf specs [--json]"

func specsCommand(args []string, stdio IO) error {
	fs := newFlagSet("specs")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	rest, err := parseInterleaved(fs, args, stdio, specsSynopsis, "")
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("specs takes no arguments, got %q", rest[0])
	}
	plan := suites.Plan(types.NewDefaultSuiteConfig())
	specs := plan.Specs
	if *asJSON {
		type row struct {
			suites.Spec
			Labels []string `json:"labels"`
			// Location is the spec's declaration in the suite source, "suites/file.go:line".
			Location string `json:"location"`
		}
		rows := make([]row, len(specs))
		for i, s := range specs {
			rows[i] = row{s, s.Labels(), plan.Outcomes[i].Location}
		}
		enc := json.NewEncoder(stdio.Stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(rows)
	}
	return printSpecTable(stdio.Stdout, specs)
}

func printSpecTable(w io.Writer, specs []suites.Spec) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLABELS\tREQUIREMENT")
	for _, s := range specs {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", s.ID, strings.Join(s.Labels(), ","), s.Requirement)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(w, reports.Plural(len(specs), "spec", "specs"))
	return err
}
