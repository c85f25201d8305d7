package suites

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/results"
)

// A parallel run spreads the specs over worker processes (Ginkgo runs one suite per process).
// The process that starts them coordinates: it alone talks to the target, through the run's one
// client (authentication, retries, the shared Retry-After pause, the write budget, the breaker,
// the created-objects ledger), hands every spec to the first worker that asks for it, lets the
// first worker that needs a shared object create it while the others wait for it, and gathers
// the workers' spec reports into one Ginkgo report, from which the one result model is built as
// in a serial run.

// Environment variables that make a process a worker of a parallel run (see RunWorker).
const (
	WorkerHostEnv   = "COPILOTCONF_WORKER_HOST"
	WorkerSecretEnv = "COPILOTCONF_WORKER_SECRET"
	WorkerNumberEnv = "COPILOTCONF_WORKER_NUMBER"
)

// workerHeader carries the run's secret on every call from a worker to the coordinator.
const workerHeader = "X-Copilotconf-Worker-Secret"

// workerConfig is what a worker needs to know about the run.
type workerConfig struct {
	BaseURL   string        `json:"baseUrl"`
	Workspace string        `json:"workspace"`
	RunID     string        `json:"runId"`
	ClockSkew time.Duration `json:"clockSkew"`
	MaxPages  int           `json:"maxPages"`
	ReadOnly  bool          `json:"readOnly"`
	SessionID string        `json:"sessionId"`
	// SkipEvaluations and EvaluationTimeout as in Config.
	SkipEvaluations   bool              `json:"skipEvaluations"`
	EvaluationTimeout time.Duration     `json:"evaluationTimeout"`
	Suite             types.SuiteConfig `json:"suite"`
}

// doReply answers a worker's request: the exchange (without the request body the worker
// sent), and whether the breaker is open by now.
type doReply struct {
	Exchange  *httpclient.Exchange `json:"exchange"`
	Unhealthy string               `json:"unhealthy,omitempty"`
}

type claimReply struct {
	Granted   bool   `json:"granted"`
	Unhealthy string `json:"unhealthy,omitempty"`
}

// sharedReply tells a worker to build a shared object, or hands it the object another built.
type sharedReply struct {
	Build bool            `json:"build,omitempty"`
	Value json.RawMessage `json:"value,omitempty"`
}

type sharedRequest struct {
	Key    string          `json:"key"`
	Worker int             `json:"worker"`
	Value  json.RawMessage `json:"value,omitempty"`
}

type doneRequest struct {
	Worker  int      `json:"worker"`
	Reasons []string `json:"reasons,omitempty"` // Ginkgo's special suite failure reasons
}

// coordinator is the state a parallel run shares between its workers.
type coordinator struct {
	env    *environment
	secret string
	cfg    workerConfig

	mu       sync.Mutex
	claims   map[string]int // spec ID -> worker
	reports  map[string]types.SpecReport
	order    []string
	shared   map[string]*sharedObject
	done     map[int][]string
	progress func(types.SpecReport)
	// ready is closed once BeforeSpecs is over; cancelled says it failed, and the workers are
	// sent home without running anything.
	ready     chan struct{}
	cancelled atomic.Bool
	// interrupted says the run was interrupted (Ctrl-C): a worker that then ends without
	// reporting did what it was told.
	interrupted atomic.Bool
	// exchanges holds what the workers sent, by sequence number, until the run ends: a failing
	// spec asks for the rendering of its exchanges (redacted, with a curl reproducer), which only
	// this process, holding the credentials, can make.
	exchanges map[uint64]*httpclient.Exchange
}

type sharedObject struct {
	owner int
	value json.RawMessage
	ready chan struct{} // closed once value is set (null: the build failed)
}

// runParallel runs the selected specs over cfg.Procs workers.
func runParallel(cfg Config, suiteCfg types.SuiteConfig, reporterCfg types.ReporterConfig) (Result, error) {
	if cfg.Worker == nil {
		return Result{}, errors.New("suites: a parallel run needs Config.Worker")
	}
	plan := Plan(suiteCfg)
	current = &environment{cfg: cfg, client: cfg.Client}
	started := time.Now()
	c := &coordinator{
		env: current, secret: randomSecret(),
		cfg: workerConfig{
			BaseURL: cfg.Client.BaseURL(), Workspace: cfg.Workspace, RunID: cfg.RunID, ClockSkew: cfg.ClockSkew,
			MaxPages: cfg.MaxPages, ReadOnly: cfg.ReadOnly, SessionID: cfg.SessionID, Suite: suiteCfg,
			SkipEvaluations: cfg.SkipEvaluations, EvaluationTimeout: cfg.EvaluationTimeout,
		},
		claims: map[string]int{}, reports: map[string]types.SpecReport{}, shared: map[string]*sharedObject{},
		done: map[int][]string{}, exchanges: map[uint64]*httpclient.Exchange{},
		ready: make(chan struct{}),
	}
	console := reporters.NewDefaultReporter(reporterCfg, cfg.Out)
	formatter.ColorableStdOut = cfg.Out
	begin := plan.Report
	begin.SuiteConfig.ParallelTotal = cfg.Procs
	begin.PreRunStats.SpecsThatWillRun = 0
	for _, o := range plan.Outcomes {
		if o.Selected {
			begin.PreRunStats.SpecsThatWillRun++
		}
	}
	var progressMu sync.Mutex // reports arrive from every worker at once
	c.progress = func(sr types.SpecReport) {
		progressMu.Lock()
		defer progressMu.Unlock()
		console.DidRun(sr)
		reportProgress(sr)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return Result{}, fmt.Errorf("listening for the workers: %w", err)
	}
	srv := &http.Server{Handler: c.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()

	before := make(chan error, 1)
	go func() {
		var err error
		if cfg.BeforeSpecs != nil {
			err = cfg.BeforeSpecs()
		}
		if err == nil {
			console.SuiteWillBegin(begin)
		}
		c.cancelled.Store(err != nil)
		close(c.ready)
		before <- err
	}()
	crashes := c.runWorkers(cfg, "http://"+ln.Addr().String())
	if err := <-before; err != nil {
		return Result{}, err
	}

	report := c.merge(plan.Report, started, suiteCfg)
	stopped := stopReason(report)
	switch {
	case len(crashes) > 0: // the root cause: the other workers were interrupted because of it
		stopped = crashes[0]
	case stopped == "" && c.interrupted.Load():
		stopped = "the run was interrupted"
	}
	res := Result{Report: report, Created: current.ledger.objects(), Specs: registeredSpecs(), Stopped: stopped}
	res.Outcomes = outcomes(report, res.Specs, suiteCfg, stopped)
	c.markUnreported(res.Outcomes, plan.Outcomes, stopped)
	if cfg.Progress != nil && current.ended > 0 {
		fmt.Fprintln(cfg.Progress)
	}
	console.SuiteDidEnd(report)
	return res, nil
}

// runWorkers starts the workers, passes an interrupt on to them, and waits for them all. It
// returns a line for each worker that ended before it had reported.
func (c *coordinator) runWorkers(cfg Config, host string) []string {
	type worker struct {
		cmd    *exec.Cmd
		stderr *tailBuffer
	}
	workers := make([]worker, 0, cfg.Procs)
	var crashes []string
	for n := 1; n <= cfg.Procs; n++ {
		cmd := cfg.Worker(append(os.Environ(), WorkerHostEnv+"="+host, WorkerSecretEnv+"="+c.secret, WorkerNumberEnv+"="+strconv.Itoa(n)))
		tail := &tailBuffer{max: 4096}
		cmd.Stdout, cmd.Stderr = io.Discard, tail
		ownProcessGroup(cmd)
		if err := cmd.Start(); err != nil {
			crashes = append(crashes, fmt.Sprintf("worker %d could not start: %v", n, err))
			continue
		}
		workers = append(workers, worker{cmd, tail})
	}
	// An interrupt, or a worker that dies, stops the run: every worker is interrupted once, as
	// Ginkgo interrupts a serial run, and reports what it was running.
	var stopOnce sync.Once
	stopAll := func() {
		stopOnce.Do(func() {
			for _, w := range workers {
				interruptProcess(w.cmd.Process)
			}
		})
	}
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)
	finished := make(chan struct{})
	go func() {
		select {
		case <-interrupts:
			c.interrupted.Store(true)
			stopAll()
		case <-finished:
		}
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	for i, w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := w.cmd.Wait()
			n := i + 1
			c.mu.Lock()
			_, reported := c.done[n]
			c.mu.Unlock()
			c.releaseShared(n)
			if (err != nil || !reported) && !c.cancelled.Load() && !c.interrupted.Load() {
				mu.Lock()
				crashes = append(crashes, fmt.Sprintf("worker %d ended before it reported (%v): %s", n, orNil(err), oneLineTail(w.stderr.String())))
				mu.Unlock()
				stopAll()
			}
		}()
	}
	wg.Wait()
	close(finished)
	return crashes // in the order the workers ended: the first is the root cause
}

func orNil(err error) string {
	if err == nil {
		return "exit status 0"
	}
	return err.Error()
}

// merge builds the run's Ginkgo report: the preview of the tree, each spec replaced by the report
// of the worker that ran it.
func (c *coordinator) merge(preview types.Report, started time.Time, suiteCfg types.SuiteConfig) types.Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := preview
	r.SuiteConfig = suiteCfg
	r.SuiteConfig.ParallelTotal = c.env.cfg.Procs
	r.StartTime, r.EndTime = started, time.Now()
	r.RunTime = r.EndTime.Sub(started)
	r.SpecReports = nil
	for _, id := range c.order {
		r.SpecReports = append(r.SpecReports, c.reports[id])
	}
	r.SpecialSuiteFailureReasons = nil
	for n := 1; n <= c.env.cfg.Procs; n++ {
		for _, reason := range c.done[n] {
			if !slices.Contains(r.SpecialSuiteFailureReasons, reason) {
				r.SpecialSuiteFailureReasons = append(r.SpecialSuiteFailureReasons, reason)
			}
		}
	}
	r.SuiteSucceeded = len(r.SpecialSuiteFailureReasons) == 0 && !slices.ContainsFunc(r.SpecReports, func(sr types.SpecReport) bool {
		return sr.State.Is(types.SpecStateFailureStates)
	})
	return r
}

// markUnreported gives a selected spec that no worker reported (the run stopped first) the
// outcome a serial run gives it: not run.
func (c *coordinator) markUnreported(out, planned []results.Spec, stopped string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range out {
		if _, ok := c.reports[out[i].ID]; ok || !planned[i].Selected {
			continue
		}
		o := &out[i]
		o.Selected, o.Outcome, o.Reason = true, results.NotRun, "never started: "+orDefault(stopped, "the run stopped")
		if _, claimed := c.claims[o.ID]; claimed {
			o.Reason = "cut off: " + orDefault(stopped, "the run stopped")
		}
	}
}

// releaseShared ends the waits for shared objects a worker was building when it ended.
func (c *coordinator) releaseShared(worker int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range c.shared {
		if f.owner == worker && f.value == nil {
			f.value = json.RawMessage("null")
			close(f.ready)
		}
	}
}

func (c *coordinator) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /config", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-c.ready:
		case <-r.Context().Done():
			return
		}
		if c.cancelled.Load() {
			http.Error(w, "the run stopped before the specs", http.StatusGone)
			return
		}
		reply(w, c.cfg)
	})
	mux.HandleFunc("POST /do", c.do)
	mux.HandleFunc("POST /claim", c.claim)
	mux.HandleFunc("POST /shared", c.sharedObject)
	mux.HandleFunc("POST /shared/publish", c.publish)
	mux.HandleFunc("GET /record/{seq}", c.record)
	mux.HandleFunc("POST /report", c.report)
	mux.HandleFunc("POST /done", c.workerDone)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(workerHeader) != c.secret {
			http.Error(w, "not a worker of this run", http.StatusForbidden)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (c *coordinator) unhealthy() string {
	if err := c.env.client.Unhealthy(); err != nil {
		return err.Error()
	}
	return ""
}

func (c *coordinator) do(w http.ResponseWriter, r *http.Request) {
	req, err := readRequest(http.MaxBytesReader(w, r.Body, maxWorkerMessage))
	if err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return
	}
	ex := c.env.do(r.Context(), req)
	if ex.Seq != 0 {
		c.mu.Lock()
		c.exchanges[ex.Seq] = ex
		c.mu.Unlock()
	}
	// The worker has the request body already; a copy without it keeps a 5 MiB upload from
	// travelling back.
	sent := *ex
	sent.RequestBody = nil
	reply(w, doReply{Exchange: &sent, Unhealthy: c.unhealthy()})
}

func (c *coordinator) claim(w http.ResponseWriter, r *http.Request) {
	var req struct {
		ID     string `json:"id"`
		Worker int    `json:"worker"`
	}
	if !decode(w, r, &req) {
		return
	}
	c.mu.Lock()
	_, taken := c.claims[req.ID]
	if !taken {
		c.claims[req.ID] = req.Worker
	}
	c.mu.Unlock()
	reply(w, claimReply{Granted: !taken, Unhealthy: c.unhealthy()})
}

// sharedObject answers the first worker that asks for a shared object "build it", and every other
// one, once the object is published, with the object.
func (c *coordinator) sharedObject(w http.ResponseWriter, r *http.Request) {
	var req sharedRequest
	if !decode(w, r, &req) {
		return
	}
	c.mu.Lock()
	f, ok := c.shared[req.Key]
	if !ok {
		c.shared[req.Key] = &sharedObject{owner: req.Worker, ready: make(chan struct{})}
		c.mu.Unlock()
		reply(w, sharedReply{Build: true})
		return
	}
	c.mu.Unlock()
	select {
	case <-f.ready:
		reply(w, sharedReply{Value: f.value})
	case <-r.Context().Done():
	}
}

func (c *coordinator) publish(w http.ResponseWriter, r *http.Request) {
	var req sharedRequest
	if !decode(w, r, &req) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	f, ok := c.shared[req.Key]
	if !ok || f.owner != req.Worker || f.value != nil {
		http.Error(w, "not the builder of "+req.Key, http.StatusConflict)
		return
	}
	f.value = req.Value
	if len(f.value) == 0 {
		f.value = json.RawMessage("null")
	}
	close(f.ready)
	w.WriteHeader(http.StatusNoContent)
}

func (c *coordinator) record(w http.ResponseWriter, r *http.Request) {
	seq, err := strconv.ParseUint(r.PathValue("seq"), 10, 64)
	c.mu.Lock()
	ex, ok := c.exchanges[seq]
	c.mu.Unlock()
	if err != nil || !ok {
		http.Error(w, "no such exchange", http.StatusNotFound)
		return
	}
	reply(w, exchangeRecord(ex))
}

func (c *coordinator) report(w http.ResponseWriter, r *http.Request) {
	var sr types.SpecReport
	if !decode(w, r, &sr) {
		return
	}
	sr.RunningInParallel = true // Ginkgo's reporters then show each spec whole, as it ends
	id := specIDFromText(sr.LeafNodeText)
	c.mu.Lock()
	if _, dup := c.reports[id]; !dup {
		c.order = append(c.order, id)
	}
	c.reports[id] = sr
	c.mu.Unlock()
	c.progress(sr)
	w.WriteHeader(http.StatusNoContent)
}

func (c *coordinator) workerDone(w http.ResponseWriter, r *http.Request) {
	var req doneRequest
	if !decode(w, r, &req) {
		return
	}
	c.mu.Lock()
	c.done[req.Worker] = append([]string{}, req.Reasons...)
	c.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// maxWorkerMessage bounds what the coordinator reads from one worker call (a spec report with
// its transcripts, a shared object).
const maxWorkerMessage = 256 << 20

func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxWorkerMessage))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		http.Error(w, "bad request: "+err.Error(), http.StatusBadRequest)
		return false
	}
	return true
}

// framedRequest writes a request for the coordinator: its JSON without the body on the first
// line, then the body as is (a 5 MiB upload costs no base64).
func framedRequest(req httpclient.Request) io.Reader {
	body := req.Body
	head := struct {
		httpclient.Request
		HasBody bool `json:"hasBody"`
	}{req, body != nil}
	head.Body = nil
	line, err := json.Marshal(head)
	if err != nil { // a Request is plain data
		panic(fmt.Sprintf("encoding a request: %v", err))
	}
	return io.MultiReader(bytes.NewReader(line), strings.NewReader("\n"), bytes.NewReader(body))
}

// readRequest reads what framedRequest wrote.
func readRequest(r io.Reader) (httpclient.Request, error) {
	br := bufio.NewReader(r)
	line, err := br.ReadBytes('\n')
	if err != nil {
		return httpclient.Request{}, fmt.Errorf("reading the request line: %w", err)
	}
	var head struct {
		httpclient.Request
		HasBody bool `json:"hasBody"`
	}
	if err := json.Unmarshal(line, &head); err != nil {
		return httpclient.Request{}, fmt.Errorf("decoding the request line: %w", err)
	}
	req := head.Request
	body, err := io.ReadAll(br)
	if err != nil {
		return req, fmt.Errorf("reading the request body: %w", err)
	}
	if head.HasBody {
		req.Body = body
	}
	return req, nil
}

func reply(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func randomSecret() string {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}

// oneLineTail is the last non-empty line of a worker's error output.
func oneLineTail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return "no error output"
}

// errGone is the coordinator's answer once the run stopped before the specs.
var errGone = errors.New("the run stopped before the specs")

// link is a worker's connection to the coordinator.
type link struct {
	host, secret string
	worker       int
	hc           *http.Client

	mu        sync.Mutex
	unhealthy string
	claimed   map[string]bool
}

func (l *link) call(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if r, ok := in.(io.Reader); ok {
		body = r
	} else if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encoding %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, l.host+path, body)
	if err != nil {
		return err
	}
	req.Header.Set(workerHeader, l.secret)
	resp, err := l.hc.Do(req)
	if err != nil {
		return fmt.Errorf("the coordinator: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusGone {
		return errGone
	}
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("the coordinator answered %s to %s: %s", resp.Status, path, strings.TrimSpace(string(msg)))
	}
	if out == nil {
		return nil
	}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("decoding the coordinator's answer to %s: %w", path, err)
	}
	return nil
}

func (l *link) setUnhealthy(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if s != "" {
		l.unhealthy = s
	}
}

// state says why the coordinator's client stopped sending requests, or nil.
func (l *link) state() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.unhealthy == "" {
		return nil
	}
	return fmt.Errorf("%w", errors.New(l.unhealthy))
}

// do sends a request through the coordinator; a failure to reach it becomes the exchange's error.
func (l *link) do(ctx context.Context, req httpclient.Request) *httpclient.Exchange {
	var rep doReply
	if err := l.call(ctx, http.MethodPost, "/do", framedRequest(req), &rep); err != nil || rep.Exchange == nil {
		ex := &httpclient.Exchange{Label: req.Label, Method: req.Method, RequestBody: req.Body, Started: time.Now(), Err: err}
		if ex.Err == nil {
			ex.Err = errors.New("the coordinator sent no exchange")
		}
		return ex
	}
	l.setUnhealthy(rep.Unhealthy)
	rep.Exchange.RequestBody = req.Body
	return rep.Exchange
}

// claim asks for a spec; false: another worker runs it.
func (l *link) claim(ctx context.Context, id string) (bool, error) {
	var rep claimReply
	if err := l.call(ctx, http.MethodPost, "/claim", map[string]any{"id": id, "worker": l.worker}, &rep); err != nil {
		return false, err
	}
	l.setUnhealthy(rep.Unhealthy)
	if rep.Granted {
		l.mu.Lock()
		l.claimed[id] = true
		l.mu.Unlock()
	}
	return rep.Granted, nil
}

func (l *link) ran(id string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.claimed[id]
}
