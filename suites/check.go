package suites

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"

	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"
	gomegatypes "github.com/onsi/gomega/types"

	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/results"
)

// Limits of a failure message: each body shown is cut after transcriptBodyLimit bytes, and of
// a long series of exchanges (paging) the first and last shownExchanges are shown.
const (
	transcriptBodyLimit = 4096
	shownExchanges      = 4
)

// T is the per-spec check context. Checks collect problems and the spec fails once, at the end,
// with every problem, the requirement it breaks and the HTTP exchanges involved. Require-style
// checks stop the spec at once when later checks would be meaningless.
type T struct {
	ctx       context.Context
	spec      Spec
	problems  []string
	exchanges []*httpclient.Exchange
	aborted   bool
	cause     *results.Cause // set when a precondition failed: the spec is blocked
	recorded  bool
	where     types.CodeLocation // the suite line of the first check that failed
	g         gomega.Gomega      // collects matcher failures as problems
	checking  types.CodeLocation // the suite line of the matcher check under way
}

func newT(ctx context.Context, s Spec) *T {
	t := &T{ctx: ctx, spec: s}
	t.g = gomega.NewGomega(func(message string, _ ...int) {
		// Gomega writes "description\nmatcher message"; a problem is one line "description: ...".
		t.problem(t.checking, strings.Replace(message, "\n", ": ", 1))
	})
	return t
}

// check applies a matcher and records its failure as a problem (the spec goes on), as what.
func (t *T) check(what string, actual any, m gomegatypes.GomegaMatcher) bool {
	GinkgoHelper()
	t.checking = types.NewCodeLocation(0)
	return t.g.Expect(actual).To(m, what)
}

// Errorf records a problem and lets the spec go on.
func (t *T) Errorf(format string, args ...any) {
	GinkgoHelper()
	// Every helper is marked, so this is the spec's own line in its suite file.
	t.problem(types.NewCodeLocation(0), fmt.Sprintf(format, args...))
}

// problem records a problem found at where.
func (t *T) problem(where types.CodeLocation, p string) {
	if len(t.problems) == 0 {
		t.where = where
	}
	t.problems = append(t.problems, p)
}

// Fatalf records a problem and ends the spec now.
func (t *T) Fatalf(format string, args ...any) {
	GinkgoHelper()
	t.Errorf(format, args...)
	t.aborted = true
	t.record()
	Fail(t.message(), 1)
}

// FailNow ends the spec now with the problems recorded so far.
func (t *T) FailNow() {
	GinkgoHelper()
	if len(t.problems) == 0 {
		t.Errorf("the check stopped without a recorded reason")
	}
	t.aborted = true
	t.record()
	Fail(t.message(), 1)
}

// Skipf ends the spec as skipped, with the reason.
func (t *T) Skipf(format string, args ...any) {
	GinkgoHelper()
	t.aborted = true
	Skip(fmt.Sprintf(format, args...), 1)
}

func (t *T) skipWritesInReadOnlyMode() {
	GinkgoHelper()
	if env().cfg.ReadOnly && t.spec.Needs == NeedsWrites {
		t.Skipf("read-only mode: this check has to create or change objects")
	}
}

func (t *T) skipEvaluationsUnlessAsked() {
	GinkgoHelper()
	if env().cfg.SkipEvaluations && t.spec.Evaluates {
		t.Skipf("creates an evaluation, which runs a model on billed capacity: left out against a remote target unless asked for (--evaluations, or --label-filter naming %s)", EvaluationLabel)
	}
}

// Failed reports whether a problem has been recorded.
func (t *T) Failed() bool { return len(t.problems) > 0 }

// Uses attaches exchanges made elsewhere (shared objects) to this spec's transcript. A
// throttled one ends the spec as throttled.
func (t *T) Uses(exchanges ...*httpclient.Exchange) {
	GinkgoHelper()
	for _, ex := range exchanges {
		if ex == nil {
			continue
		}
		seen := false
		for _, have := range t.exchanges {
			if have == ex || (ex.Seq != 0 && have.Seq == ex.Seq) {
				seen = true
				break
			}
		}
		if !seen {
			t.exchanges = append(t.exchanges, ex)
		}
		t.stopIfThrottled(ex)
		t.stopIfUnhealthy(ex)
	}
}

// UnhealthyEntry is the report entry that marks a spec the run could not carry out because
// the breaker had opened: the target failed at the transport level too often in a row.
const UnhealthyEntry = "copilotconf-unhealthy"

// skipIfUnhealthy ends the spec as not run once the breaker has opened: whatever it would
// check now, the target can no longer answer.
func (t *T) skipIfUnhealthy() {
	GinkgoHelper()
	if err := env().unhealthy(); err != nil {
		AddReportEntry(UnhealthyEntry, err.Error(), ReportEntryVisibilityNever)
		t.Skipf("not run: %v", err)
	}
}

func (t *T) stopIfUnhealthy(ex *httpclient.Exchange) {
	GinkgoHelper()
	if !errors.Is(ex.Err, httpclient.ErrTargetUnhealthy) {
		return
	}
	AddReportEntry(UnhealthyEntry, ex.Err.Error(), ReportEntryVisibilityNever)
	t.Skipf("not run: %v", ex.Err)
}

// Do sends a request through the shared client and records the exchange in the transcript.
// A request that gave up on 429/503 ends the spec as throttled: no conformance verdict.
func (t *T) Do(req httpclient.Request) *httpclient.Exchange {
	GinkgoHelper()
	ex := env().do(t.ctx, req)
	t.Uses(ex)
	return ex
}

// ThrottledEntry is the report entry that marks a spec the target throttled: the runner reports
// it apart from conformance failures.
const ThrottledEntry = "copilotconf-throttled"

func (t *T) stopIfThrottled(ex *httpclient.Exchange) {
	GinkgoHelper()
	if !ex.Throttled {
		return
	}
	AddReportEntry(ThrottledEntry, ex.Label, ReportEntryVisibilityNever)
	t.Fatalf("throttled: %s was answered %d %s %d times and the retry budget (--max-retry-wait) ran out; this is no conformance verdict",
		ex.Label, ex.Status, http.StatusText(ex.Status), len(ex.Attempts))
}

// finish fails the spec with everything collected; a panic in the body becomes a problem too.
func (t *T) finish() {
	GinkgoHelper()
	if t.aborted {
		return
	}
	if r := recover(); r != nil {
		t.Errorf("the check itself panicked: %v", r)
	}
	if len(t.problems) > 0 {
		t.aborted = true
		t.record()
		Fail(t.message(), 1)
	}
}

// detailsEntry is the report entry through which a failing spec hands its problems, its
// exchanges and, when it is blocked, the cause to the result model.
const detailsEntry = "copilotconf-details"

// details is the value of the details entry.
type details struct {
	// Where is the suite line of the first check that failed.
	Where     types.CodeLocation `json:"where"`
	Problems  []string           `json:"problems,omitempty"`
	Exchanges []results.Exchange `json:"exchanges,omitempty"`
	Cause     *results.Cause     `json:"cause,omitempty"`
}

// record attaches the spec's details to its report, once, before the spec fails.
func (t *T) record() {
	GinkgoHelper()
	if t.recorded {
		return
	}
	t.recorded = true
	d := details{Where: t.where, Problems: t.problems, Cause: t.cause}
	for i, ex := range t.exchanges {
		if len(t.exchanges) > 2*shownExchanges && i >= shownExchanges && i < len(t.exchanges)-shownExchanges {
			continue
		}
		d.Exchanges = append(d.Exchanges, exchangeRecord(ex))
	}
	AddReportEntry(detailsEntry, d, ReportEntryVisibilityNever)
}

// exchangeRecord renders an exchange for the reports: redacted, with a curl reproducer. An
// exchange that many specs share (a failed shared create) is rendered once.
func exchangeRecord(ex *httpclient.Exchange) results.Exchange {
	GinkgoHelper()
	e := env()
	e.recordsMu.Lock()
	defer e.recordsMu.Unlock()
	if r, ok := e.records[ex.Seq]; ok && ex.Seq != 0 {
		return r
	}
	if e.link != nil && ex.Seq != 0 {
		if r, ok := remoteRecord(e.link, ex.Seq); ok {
			if e.records == nil {
				e.records = map[uint64]results.Exchange{}
			}
			e.records[ex.Seq] = r
			return r
		}
	}
	c := e.client
	r := results.Exchange{
		Label: ex.Label, Method: ex.Method, URL: c.Redact(ex.URL), Status: ex.Status,
		Transcript: c.Transcript(ex, transcriptBodyLimit), Curl: c.Curl(ex),
	}
	if e.records == nil {
		e.records = map[uint64]results.Exchange{}
	}
	if ex.Seq != 0 {
		e.records[ex.Seq] = r
	}
	return r
}

// block ends the spec as blocked: the object it needs could not be had, so nothing was checked.
func (t *T) block(object string, c createdEntity) {
	GinkgoHelper()
	t.skipIfUnhealthy()
	if c.Exchange == nil {
		t.Fatalf("precondition failed: could not create %s", object)
	}
	summary := fmt.Sprintf("%s answered %s (expected 201 Created with an id)", c.Op, describeStatus(c.Exchange))
	if c.Exchange.Status == http.StatusCreated {
		summary = c.Op + " answered 201 Created without an id"
	}
	t.blockedBy(object, "could not create "+object, summary, c.Spec, c.Exchange)
}

// blockedBy ends the spec as blocked by what ex (sent during spec) showed: the object it needs
// is not as it must be (failure says how), so nothing was checked.
func (t *T) blockedBy(object, failure, summary, spec string, ex *httpclient.Exchange) {
	GinkgoHelper()
	rec := exchangeRecord(ex)
	t.cause = &results.Cause{Summary: summary, Object: object, Step: ex.Label, Spec: spec, Exchange: &rec}
	t.Fatalf("precondition failed: %s: %s", failure, summary)
}

// message renders the failure: rule, documentation, problems and the redacted exchanges.
func (t *T) message() string {
	GinkgoHelper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", t.spec.Text())
	fmt.Fprintf(&b, "level: %s, operation: %s\n", t.spec.Level, t.spec.Operation)
	fmt.Fprintf(&b, "documentation: %s\n", t.spec.Doc)
	if t.where.FileName != "" {
		fmt.Fprintf(&b, "failed at: %s\n", sourceLocation(t.where))
	}
	fmt.Fprintf(&b, "\n%d problem(s):\n", len(t.problems))
	for i, p := range t.problems {
		fmt.Fprintf(&b, "  %d. %s\n", i+1, indentContinuation(p, "     "))
	}
	for i, ex := range t.exchanges {
		if omitted := len(t.exchanges) - 2*shownExchanges; omitted > 0 && i == shownExchanges {
			fmt.Fprintf(&b, "\n(%d exchanges in the middle omitted)\n", omitted)
		}
		if len(t.exchanges) > 2*shownExchanges && i >= shownExchanges && i < len(t.exchanges)-shownExchanges {
			continue
		}
		fmt.Fprintf(&b, "\nexchange %d of %d:\n%s\n", i+1, len(t.exchanges), exchangeRecord(ex).Transcript)
	}
	return env().client.Redact(b.String())
}

func indentContinuation(s, indent string) string {
	GinkgoHelper()
	return strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n"+indent)
}
