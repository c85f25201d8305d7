// Package suites holds the Ginkgo conformance specs for the Security Copilot API: sessions,
// prompts, workspaces, plugins and evaluations.
//
// The runner builds a Config, and Run hands it to the specs and runs them in-process. Every spec
// is declared through conformance/entry, which keeps its ID, requirement, documentation page and
// labels in one place.
package suites

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/schemas"
)

// Config is what the specs need to know about the target. The runner builds it.
type Config struct {
	Client    *httpclient.Client
	Validator *schemas.Validator
	Workspace string
	// RunID names every object the run creates ("copilotconf <RunID> ...").
	RunID string
	// ClockSkew is how far the target's clock may be from ours when timestamps are compared
	// with the time of the request.
	ClockSkew time.Duration
	// MaxPages bounds how many next links a spec follows before it calls the paging endless.
	MaxPages int
	// Out receives Ginkgo's console output.
	Out io.Writer
	// Progress, when set, receives one character per spec as it ends: "." passed, "F" failed,
	// "B" blocked, "T" throttled, "s" skipped, "!" cut off.
	Progress io.Writer
	// ReadOnly skips the specs that must write and points the others at sessions and prompts
	// that already exist (the first page of the list, or SessionID).
	ReadOnly bool
	// SessionID names an existing session (ideally one with prompts) for a read-only run.
	SessionID string
	// SkipEvaluations skips the specs that create evaluations (EvaluationLabel), saying why.
	SkipEvaluations bool
	// EvaluationTimeout bounds how long a created evaluation is polled to reach a final state.
	EvaluationTimeout time.Duration
	// Procs above 1 spreads the specs over that many worker processes (Ginkgo runs one suite
	// per process); Worker starts one, with the given environment (see RunWorker).
	Procs  int
	Worker func(env []string) *exec.Cmd
	// BeforeSpecs, when set, runs before any spec (a parallel run starts its workers
	// meanwhile); when it fails no spec runs and Run returns its error.
	BeforeSpecs func() error
}

// Result is what a run produced.
type Result struct {
	// Report is Ginkgo's own report of the run.
	Report  types.Report
	Created []CreatedObject
	// Specs is the whole catalogue, in catalogue order.
	Specs []Spec
	// Outcomes holds one outcome per spec of the catalogue, in the same order.
	Outcomes []results.Spec
	// Stopped says why the run ended before every selected spec ran; empty otherwise.
	Stopped string
}

// environment is the Ginkgo-setup state of one run: configuration, shared objects, write ledger.
type environment struct {
	cfg     Config
	ended   int // specs reported on Progress
	client  *httpclient.Client
	objects sharedCache
	ledger  ledger

	recordsMu sync.Mutex
	records   map[uint64]results.Exchange // rendered exchanges, by the client's sequence number

	// link is set in a worker of a parallel run: requests, shared objects and spec reports go
	// through the coordinator.
	link *link
}

var (
	current     *environment
	finalReport types.Report
)

var _ = ReportAfterSuite("copilotconf", func(r Report) {
	finalReport = r
	if current != nil && current.cfg.Progress != nil && current.ended > 0 {
		fmt.Fprintln(current.cfg.Progress)
	}
})

// reportProgress shows on Progress how a spec ended. Every top-level group registers it
// (see describe): a top-level ReportAfterEach would not survive Plan's preview of the tree.
func reportProgress(r SpecReport) {
	if current != nil && current.link != nil {
		sendReport(current.link, r)
		return
	}
	if current == nil || current.cfg.Progress == nil {
		return
	}
	mark := progressMark(r)
	if mark == "" {
		return
	}
	current.ended++
	if current.ended > 1 && current.ended%60 == 1 {
		mark = "\n" + mark
	}
	fmt.Fprint(current.cfg.Progress, mark)
}

// progressMark is the character Progress shows for a spec that ended ("" for one the
// selection left out).
func progressMark(r SpecReport) string {
	if r.State == types.SpecStateSkipped && r.Failure.Message == "" {
		return "" // left out by the selection, or never started
	}
	rs := results.Spec{Selected: true}
	judge(&rs, r, types.SuiteConfig{}, "")
	return map[results.Outcome]string{results.Passed: ".", results.Failed: "F", results.Blocked: "B",
		results.Throttled: "T", results.Skipped: "s", results.NotRun: "!"}[rs.Outcome]
}

func env() *environment {
	if current == nil {
		panic("suites: Run was not called")
	}
	return current
}

func (e *environment) do(ctx context.Context, req httpclient.Request) *httpclient.Exchange {
	if e.link != nil {
		return e.link.do(ctx, req)
	}
	ex := e.client.Do(ctx, req)
	e.ledger.observe(ex, e.client.BaseURL())
	return ex
}

// unhealthy says why the run's client stopped sending requests (the breaker opened), or nil.
func (e *environment) unhealthy() error {
	if e.link != nil {
		return e.link.state()
	}
	return e.client.Unhealthy()
}

// Run runs the specs selected by suiteCfg against the configured target, in this process or,
// with cfg.Procs above 1, over worker processes. Ginkgo allows one run per process.
func Run(cfg Config, suiteCfg types.SuiteConfig, reporterCfg types.ReporterConfig) (Result, error) {
	if cfg.Client == nil || cfg.Validator == nil {
		return Result{}, errors.New("suites: Config needs a Client and a Validator")
	}
	if cfg.Workspace == "" {
		cfg.Workspace = "default"
	}
	if cfg.EvaluationTimeout <= 0 {
		cfg.EvaluationTimeout = DefaultEvaluationTimeout
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 500
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	if cfg.Procs > 1 {
		return runParallel(cfg, suiteCfg, reporterCfg)
	}
	if cfg.BeforeSpecs != nil {
		if err := cfg.BeforeSpecs(); err != nil {
			return Result{}, err
		}
	}
	current = &environment{cfg: cfg, client: cfg.Client}
	formatter.ColorableStdOut = cfg.Out
	RunSpecs(noopTestingT{}, suiteDescription, suiteCfg, reporterCfg)
	res := Result{Report: finalReport, Created: current.ledger.objects(), Specs: registeredSpecs(), Stopped: stopReason(finalReport)}
	res.Outcomes = outcomes(finalReport, res.Specs, suiteCfg, res.Stopped)
	return res, nil
}

// Catalog lists every spec without sending a request.
func Catalog() ([]Spec, error) {
	return Plan(types.NewDefaultSuiteConfig()).Specs, nil
}

// Plan walks the spec tree without running anything: the catalogue, and for each spec
// whether suiteCfg selects it. Selected specs are "not run" (a run that stops before the
// specs gives the reason), the others skipped. It may be called before Run.
func Plan(suiteCfg types.SuiteConfig) Result {
	formatter.ColorableStdOut = io.Discard
	report := PreviewSpecs(suiteDescription)
	res := Result{Report: report, Specs: registeredSpecs()}
	res.Outcomes = outcomes(report, res.Specs, suiteCfg, "")
	for i := range res.Outcomes {
		if o := &res.Outcomes[i]; o.Selected {
			o.Outcome, o.Reason, o.Problems, o.Exchanges, o.Cause, o.Message = results.NotRun, "", nil, nil, nil, ""
		}
	}
	return res
}

// noopTestingT satisfies RunSpecs; the outcome is read from the report instead.
type noopTestingT struct{}

func (noopTestingT) Fail() {}
