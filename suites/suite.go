// Package suites holds the Ginkgo conformance specs for the Security Copilot sessions API.
//
// The runner builds a Config, and Run hands it to the specs and runs them in-process. Every spec
// is declared through conformance/entry, which keeps its ID, requirement, documentation page and
// labels in one place.
package suites

import (
	"context"
	"errors"
	"io"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/internal/httpclient"
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
	// ReadOnly skips the specs that must write and points the others at sessions and prompts
	// that already exist (the first page of the list, or SessionID).
	ReadOnly bool
	// SessionID names an existing session (ideally one with prompts) for a read-only run.
	SessionID string
}

// Result is what a run produced.
type Result struct {
	Report  types.Report
	Created []CreatedObject
	Specs   []Spec
}

// environment is the Ginkgo-setup state of one run: configuration, fixtures, write ledger.
type environment struct {
	cfg      Config
	client   *httpclient.Client
	fixtures fixtureCache
	ledger   ledger
}

var (
	current     *environment
	finalReport types.Report
)

var _ = ReportAfterSuite("copilotconf", func(r Report) { finalReport = r })

func env() *environment {
	if current == nil {
		panic("suites: Run was not called")
	}
	return current
}

func (e *environment) do(ctx context.Context, req httpclient.Request) *httpclient.Exchange {
	ex := e.client.Do(ctx, req)
	e.ledger.observe(ex)
	return ex
}

// Run runs the specs selected by suiteCfg against the configured target. Ginkgo allows one run
// per process.
func Run(cfg Config, suiteCfg types.SuiteConfig, reporterCfg types.ReporterConfig) (Result, error) {
	if cfg.Client == nil || cfg.Validator == nil {
		return Result{}, errors.New("suites: Config needs a Client and a Validator")
	}
	if cfg.Workspace == "" {
		cfg.Workspace = "default"
	}
	if cfg.MaxPages <= 0 {
		cfg.MaxPages = 500
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	current = &environment{cfg: cfg, client: cfg.Client}
	formatter.ColorableStdOut = cfg.Out
	RunSpecs(noopTestingT{}, "copilotconf", suiteCfg, reporterCfg)
	return Result{Report: finalReport, Created: current.ledger.objects(), Specs: registeredSpecs()}, nil
}

// Catalog lists every spec without sending a request (a Ginkgo dry run).
func Catalog() ([]Spec, error) {
	cfg := types.NewDefaultSuiteConfig()
	cfg.DryRun = true
	rcfg := types.NewDefaultReporterConfig()
	rcfg.Succinct = true
	formatter.ColorableStdOut = io.Discard
	current = &environment{}
	RunSpecs(noopTestingT{}, "copilotconf", cfg, rcfg)
	return registeredSpecs(), nil
}

// noopTestingT satisfies RunSpecs; the outcome is read from the report instead.
type noopTestingT struct{}

func (noopTestingT) Fail() {}
