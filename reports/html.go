package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"strings"

	"github.com/copilotconf/copilotconf/results"
)

//go:embed assets/report.html
var htmlPage string

// htmlDataMarker is replaced by the run's data in the page.
const htmlDataMarker = "/*COPILOTCONF-DATA*/null"

// htmlView is the data the page renders: the run, its claim and counts, and the specs.
// Failure messages are left out (problems and exchanges carry the same), and a blocked spec
// names its cause's exchange only in its group, to keep the page small.
type htmlView struct {
	Run       htmlRun         `json:"run"`
	Claim     results.Claim   `json:"claim"`
	Unclaimed []string        `json:"unclaimed"`
	Counts    results.Counts  `json:"counts"`
	Levels    []htmlLevel     `json:"levels"`
	Specs     []htmlSpec      `json:"specs"`
	Causes    []results.Group `json:"causes"`
}

type htmlRun struct {
	Tool           results.Tool           `json:"tool"`
	RunID          string                 `json:"runId"`
	Finished       string                 `json:"finished"`
	Target         results.Target         `json:"target"`
	Implementation results.Implementation `json:"implementation"`
	Mode           string                 `json:"mode"`
	Stopped        string                 `json:"stopped"`
	Catalog        string                 `json:"catalog"`
}

type htmlLevel struct {
	Name    string         `json:"name"`
	Claimed bool           `json:"claimed"`
	Counts  results.Counts `json:"counts"`
}

type htmlSpec struct {
	ID          string             `json:"id"`
	Level       string             `json:"level"`
	Operation   string             `json:"operation"`
	Requirement string             `json:"requirement"`
	Doc         string             `json:"doc"`
	Location    string             `json:"location"`
	FailedAt    string             `json:"failedAt"`
	Outcome     string             `json:"outcome"`
	Reason      string             `json:"reason"`
	Problems    []string           `json:"problems"`
	Cause       int                `json:"cause"` // index into causes, or -1
	Exchanges   []results.Exchange `json:"exchanges"`
}

// HTML renders the run as one self-contained page: no external asset, no network request
// (its Content-Security-Policy forbids them), every value inserted as text.
func HTML(run *results.Run) ([]byte, error) {
	claim := run.Claim()
	v := htmlView{
		Run: htmlRun{Tool: run.Tool, RunID: run.RunID, Finished: run.Finished.UTC().Format("2006-01-02 15:04:05 UTC"),
			Target: run.Target, Implementation: run.Implementation, Mode: describeMode(run.Mode), Stopped: run.Stopped,
			Catalog: run.CatalogDigest()},
		Claim: claim, Unclaimed: run.Unclaimed(), Counts: run.Count(nil),
		Causes: run.Groups(results.Blocked),
	}
	for _, level := range results.Levels {
		v.Levels = append(v.Levels, htmlLevel{Name: level, Claimed: claim.Includes(level),
			Counts: run.Count(func(s results.Spec) bool { return s.Level == level })})
	}
	for _, s := range run.Specs {
		hs := htmlSpec{ID: s.ID, Level: s.Level, Operation: s.Operation, Requirement: s.Requirement, Doc: s.Doc,
			Location: s.Location, FailedAt: s.FailureLocation, Outcome: string(s.Outcome), Reason: s.Reason, Problems: nonNilStrings(s.Problems),
			Cause: -1, Exchanges: s.Exchanges}
		if run.Warning(s) {
			hs.Outcome = "warning"
		}
		if !s.Selected {
			hs.Outcome = "not-selected"
		}
		if s.Cause != nil {
			for i, g := range v.Causes {
				if g.Reason == s.Cause.Summary {
					hs.Cause = i
				}
			}
		}
		if hs.Exchanges == nil {
			hs.Exchanges = []results.Exchange{}
		}
		v.Specs = append(v.Specs, hs)
	}
	var data bytes.Buffer
	enc := json.NewEncoder(&data)
	enc.SetEscapeHTML(true) // "<" as \u003c: the data cannot close the script element
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	if !strings.Contains(htmlPage, htmlDataMarker) {
		panic("reports: the page template lost its data marker")
	}
	return []byte(strings.Replace(htmlPage, htmlDataMarker, strings.TrimSpace(data.String()), 1)), nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
