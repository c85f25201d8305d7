package suites

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"time"

	. "github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/formatter"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/results"
	"github.com/copilotconf/copilotconf/schemas"
)

// IsWorker reports whether this process was started as a worker of a parallel run.
func IsWorker() bool { return os.Getenv(WorkerHostEnv) != "" }

// RunWorker carries out this process's share of a parallel run: it takes its configuration
// from the coordinator named in the environment, runs every spec the coordinator hands it, and
// reports them. Programs that embed the suites call it (through the runner package, which does
// so when it is loaded) before anything else, as the process was started for nothing else.
func RunWorker() error {
	n, err := strconv.Atoi(os.Getenv(WorkerNumberEnv))
	if err != nil {
		return fmt.Errorf("%s: %w", WorkerNumberEnv, err)
	}
	l := &link{host: os.Getenv(WorkerHostEnv), secret: os.Getenv(WorkerSecretEnv), worker: n,
		hc: &http.Client{}, claimed: map[string]bool{}}
	var wc workerConfig
	// The coordinator answers once the run's preflight is over; it ends this process's wait
	// itself if it goes away.
	if err := l.call(context.Background(), http.MethodGet, "/config", nil, &wc); err != nil {
		if errors.Is(err, errGone) {
			return nil // the run stopped before the specs: nothing to do
		}
		return err
	}
	validator, err := schemas.New()
	if err != nil {
		return fmt.Errorf("compiling the embedded schemas: %w", err)
	}
	// The worker renders nothing it sends to the target; this client only formats exchanges
	// that never reached the coordinator's (a request it refused to send).
	client, err := httpclient.New(httpclient.Config{BaseURL: wc.BaseURL})
	if err != nil {
		return err
	}
	cfg := Config{
		Client: client, Validator: validator, Workspace: wc.Workspace, RunID: wc.RunID, ClockSkew: wc.ClockSkew,
		MaxPages: wc.MaxPages, ReadOnly: wc.ReadOnly, SessionID: wc.SessionID, Out: io.Discard,
		SkipEvaluations: wc.SkipEvaluations, EvaluationTimeout: wc.EvaluationTimeout,
	}
	current = &environment{cfg: cfg, client: client, link: l}
	formatter.ColorableStdOut = io.Discard
	reporterCfg := types.NewDefaultReporterConfig()
	reporterCfg.Succinct, reporterCfg.NoColor = true, true
	// Each worker walks the specs in its own order, slow ones first: the workers start on
	// different chains of requests and build the shared objects side by side instead of queueing
	// for the same one. Which worker runs a spec changes nothing in its outcome.
	wc.Suite.RandomSeed += int64(n)
	wc.Suite.RandomizeAllSpecs = true
	RunSpecs(noopTestingT{}, suiteDescription, wc.Suite, reporterCfg)
	done := doneRequest{Worker: n, Reasons: finalReport.SpecialSuiteFailureReasons}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return l.call(ctx, http.MethodPost, "/done", done, nil)
}

// claimSpec makes sure that in a parallel run exactly one worker runs each spec: a worker the
// coordinator does not hand the spec to skips it, and the report of the skip is not sent.
func claimSpec(ctx context.Context, s Spec) {
	GinkgoHelper()
	l := env().link
	if l == nil {
		return
	}
	granted, err := l.claim(ctx, s.ID)
	if err != nil {
		Fail(fmt.Sprintf("%s\nnot run: this worker lost the coordinator: %v", s.Text(), err))
	}
	if !granted {
		Skip("run by another worker")
	}
}

// sendReport hands the report of a spec this worker ran to the coordinator.
func sendReport(l *link, r SpecReport) {
	if !l.ran(specIDFromText(r.LeafNodeText)) {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.call(ctx, http.MethodPost, "/report", r, nil); err != nil {
		fmt.Fprintf(os.Stderr, "copilotconf worker %d: reporting %s: %v\n", l.worker, r.LeafNodeText, err)
	}
}

// sharedAcrossWorkers builds a shared object once for the whole parallel run: the first worker
// that needs it builds it and publishes it, the others wait and decode it.
func sharedAcrossWorkers[F any](t *T, l *link, key string, build func(t *T) F) F {
	GinkgoHelper()
	var value F
	var rep sharedReply
	if err := l.call(t.ctx, http.MethodPost, "/shared", sharedRequest{Key: key, Worker: l.worker}, &rep); err != nil {
		t.Fatalf("precondition failed: could not get the shared object %q from the coordinator: %v", key, err)
	}
	if !rep.Build {
		if err := decodeShared(rep.Value, &value); err != nil {
			t.Fatalf("precondition failed: the shared object %q could not be decoded: %v", key, err)
		}
		return value
	}
	published := false
	defer func() {
		if !published { // the build ended the spec: let the other workers go on without it
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			_ = l.call(ctx, http.MethodPost, "/shared/publish", sharedRequest{Key: key, Worker: l.worker}, nil)
		}
	}()
	value = build(t)
	raw, err := json.Marshal(value)
	if err != nil {
		raw = nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	published = l.call(ctx, http.MethodPost, "/shared/publish", sharedRequest{Key: key, Worker: l.worker, Value: raw}, nil) == nil
	return value
}

func decodeShared(raw json.RawMessage, v any) error {
	if len(raw) == 0 {
		return errors.New("nothing was published")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	return dec.Decode(v)
}

// remoteRecord asks the coordinator to render an exchange it sent for this worker.
func remoteRecord(l *link, seq uint64) (results.Exchange, bool) {
	var rec results.Exchange
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := l.call(ctx, http.MethodGet, "/record/"+strconv.FormatUint(seq, 10), nil, &rec); err != nil {
		return rec, false
	}
	return rec, true
}
