package mockserver

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Options configure a Server.
type Options struct {
	// Token is the accepted bearer token. "" accepts any non-empty bearer
	// token; otherwise only this exact token is accepted.
	Token string
	// Workspaces lists the workspace ids that exist (matched
	// case-insensitively); nil means []string{"default", "secondary"}. Other ids → 404.
	Workspaces []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// MaxBodyBytes limits request bodies; 0 means 1 MiB. Larger bodies → 413.
	MaxBodyBytes int64
	// Faults switches on deliberate non-conformances by name (see Faults). Empty: the server
	// is conformant.
	Faults []string
	// Latency delays every answer, as a remote service would (0: none). A request whose client
	// goes away meanwhile gets no answer. Conditions.Latency adds to it.
	Latency time.Duration
	// Conditions simulate the network for client tests: jitter, throttling (429) and random
	// failures (503), with Retry-After. The zero value simulates nothing.
	Conditions Conditions
	// EvaluationDelays time an evaluation's life: created, running after Running, final after
	// Final more. Zero values: DefaultEvaluationDelays.
	EvaluationDelays EvaluationDelays
	// Data, when set, is the state the server starts from and Reset returns to: its workspaces
	// (Workspaces must then be empty), sessions and prompts, with fixed ids and timestamps.
	Data *Data
	// Admin opens the admin endpoints, outside the API's paths: POST /_copilotconf/reset and
	// GET /_copilotconf/state (with the API's bearer token).
	Admin bool
	// CORS lists the origins (scheme://host:port) whose browser clients may call the server;
	// "*" allows any. Empty: no CORS headers, and OPTIONS is answered 405.
	CORS []string
	// OnRequest, when set, is called once for every request after it was answered (for a
	// request log).
	OnRequest func(RequestRecord)
}

// RequestRecord is what the server's request log says of one request.
type RequestRecord struct {
	Time      time.Time     `json:"time"` // when it arrived
	Method    string        `json:"method"`
	Path      string        `json:"path"` // with the query
	Status    int           `json:"status"`
	Duration  time.Duration `json:"-"`
	Millis    float64       `json:"durationMs"`
	RequestID string        `json:"requestId,omitempty"`
}

// EvaluationDelays time the simulated life of an evaluation. An evaluation of a prompt whose
// content holds "[fail]" completes with an error result; one holding "[cancel]" ends cancelled.
type EvaluationDelays struct {
	Running time.Duration // from created to running
	Final   time.Duration // from running to completed (or cancelled)
}

// DefaultEvaluationDelays are short enough for tests and long enough to poll each state.
var DefaultEvaluationDelays = EvaluationDelays{Running: 200 * time.Millisecond, Final: 300 * time.Millisecond}

const defaultMaxBodyBytes = 1 << 20

// Server is the API as an http.Handler. It is safe for concurrent use.
type Server struct {
	token            string
	now              func() time.Time
	maxBodyBytes     int64
	conditions       Conditions
	cors             *corsPolicy // nil: none
	admin            bool
	initial          Data    // what Reset returns to
	bucket           *bucket // with a throttle rate
	evaluationDelays EvaluationDelays
	onRequest        func(RequestRecord)
	workspaces       map[string]string // lower-cased id → id as configured
	store            *store
	nonce            string       // ties $skiptoken values to this server instance
	faults           http.Handler // the fault layer in front of the server; nil when no fault is on
}

// New validates opts and returns a Server with an empty store.
func New(opts Options) (*Server, error) {
	if opts.MaxBodyBytes < 0 {
		return nil, errors.New("mockserver: MaxBodyBytes must not be negative")
	}
	s := &Server{
		token:            opts.Token,
		now:              opts.Now,
		maxBodyBytes:     opts.MaxBodyBytes,
		conditions:       opts.Conditions,
		cors:             newCORSPolicy(opts.CORS),
		admin:            opts.Admin,
		workspaces:       make(map[string]string),
		evaluationDelays: opts.EvaluationDelays,
		onRequest:        opts.OnRequest,
	}
	if s.evaluationDelays == (EvaluationDelays{}) {
		s.evaluationDelays = DefaultEvaluationDelays
	}
	s.conditions.Latency += opts.Latency
	if err := s.conditions.validate(); err != nil {
		return nil, err
	}
	if s.conditions.Throttle > 0 {
		s.bucket = newBucket(s.conditions.Throttle)
	}
	if s.evaluationDelays.Running < 0 || s.evaluationDelays.Final < 0 {
		return nil, errors.New("mockserver: EvaluationDelays must not be negative")
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.maxBodyBytes == 0 {
		s.maxBodyBytes = defaultMaxBodyBytes
	}
	ws := opts.Workspaces
	if opts.Data != nil {
		if len(ws) > 0 {
			return nil, errors.New("mockserver: give the workspaces in Data or in Workspaces, not both")
		}
		if err := opts.Data.validate(); err != nil {
			return nil, err
		}
		for _, w := range opts.Data.Workspaces {
			ws = append(ws, w.ID)
		}
	}
	if ws == nil {
		ws = []string{"default", "secondary"}
	}
	for _, id := range ws {
		if id == "" {
			return nil, errors.New("mockserver: empty workspace id")
		}
		key := strings.ToLower(id)
		if _, dup := s.workspaces[key]; dup {
			return nil, fmt.Errorf("mockserver: duplicate workspace id %q", id)
		}
		s.workspaces[key] = id
	}
	var n [6]byte
	if _, err := rand.Read(n[:]); err != nil {
		return nil, fmt.Errorf("mockserver: %w", err)
	}
	s.nonce = hex.EncodeToString(n[:])
	s.store = newStore(ws)
	s.initial = Data{}
	if opts.Data != nil {
		s.initial = *opts.Data
	} else {
		for _, id := range ws {
			s.initial.Workspaces = append(s.initial.Workspaces, DataWorkspace{ID: id})
		}
	}
	s.store.load(s.initial)
	faults, err := lookupFaults(opts.Faults)
	if err != nil {
		return nil, err
	}
	if len(faults) > 0 {
		s.faults = &faultLayer{next: http.HandlerFunc(s.serve), server: s, faults: faults}
	}
	return s, nil
}

// reqCtx carries what every stage of one request needs.
type reqCtx struct {
	r               *http.Request
	requestID       string
	clientRequestID string
	root            string // service root, "http://host"
	meta            metadataLevel
	ieee754         bool // IEEE754Compatible=true: Int64 values as strings
	now             time.Time
}

// response is a rendered answer before it is written. Every response,
// success or error, is written by writeJSON.
type response struct {
	status int
	header http.Header // operation-specific headers (Allow, Location, WWW-Authenticate)
	body   *jsonObject
}

// ServeHTTP runs one request: common context, panic recovery, auth,
// routing, the operation, then writeJSON.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.onRequest != nil {
		rec := &statusRecorder{ResponseWriter: w}
		start := time.Now()
		defer func() {
			d := time.Since(start)
			s.onRequest(RequestRecord{Time: start, Method: r.Method, Path: r.URL.RequestURI(), Status: rec.status,
				Duration: d, Millis: float64(d.Microseconds()) / 1000, RequestID: rec.Header().Get("request-id")})
		}()
		w = rec
	}
	if s.cors != nil && s.cors.handle(w, r) {
		return // a preflight request, answered
	}
	if s.admin && s.serveAdmin(w, r) || s.serveMetadata(w, r) {
		return
	}
	if !s.conditions.delay(r) {
		return // the client went away
	}
	if e := s.refusal(time.Now()); e != nil {
		rc := s.newReqCtx(r)
		rc.now = s.now()
		s.writeJSON(w, rc, errorResponse(rc, e))
		return
	}
	if s.faults != nil {
		s.faults.ServeHTTP(w, r)
		return
	}
	s.serve(w, r)
}

// serve is the conformant server.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	rc := s.newReqCtx(r)
	resp := s.safeHandle(rc)
	s.writeJSON(w, rc, resp)
}

func (s *Server) newReqCtx(r *http.Request) *reqCtx {
	rc := &reqCtx{r: r, requestID: newUUID()}
	rc.clientRequestID = r.Header.Get("client-request-id")
	if rc.clientRequestID == "" {
		rc.clientRequestID = rc.requestID
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	rc.root = scheme + "://" + host
	rc.meta, rc.ieee754 = negotiate(r.Header.Values("Accept"))
	return rc
}

// safeHandle turns a panic into an OData error so a client never sees a
// dropped connection. A 500 here is always a bug in this package.
func (s *Server) safeHandle(rc *reqCtx) (resp *response) {
	defer func() {
		if v := recover(); v != nil {
			if rc.now.IsZero() { // the clock itself failed
				rc.now = time.Now()
			}
			resp = errorResponse(rc, fmt.Errorf("panic: %v", v))
		}
	}()
	rc.now = s.now()
	if err := s.authenticate(rc.r); err != nil {
		return errorResponse(rc, err)
	}
	resp, err := s.route(rc)
	if err != nil {
		return errorResponse(rc, err)
	}
	return resp
}

// authenticate enforces "Authorization: Bearer <token>" on every request.
func (s *Server) authenticate(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if strings.TrimSpace(h) == "" {
		return unauthorized("Access token is empty.")
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return unauthorized("Authorization header must use the Bearer scheme.")
	}
	token = strings.TrimSpace(token)
	if token == "" {
		return unauthorized("Access token is empty.")
	}
	if s.token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.token)) != 1 {
		return unauthorized("Access token validation failure. Invalid audience.")
	}
	return nil
}

// writeJSON is the single place where a response reaches the wire. It
// completes resp with the headers every response carries, encodes the
// ordered body and writes both.
//
// Seam for fault switches: at the marked point resp.status, resp.header
// and resp.body are final and nothing has been written, so a later feature
// that deliberately breaks conformance (wrong status, missing header,
// altered or missing body member) changes the response there, in one place.
func (s *Server) writeJSON(w http.ResponseWriter, rc *reqCtx, resp *response) {
	if resp.header == nil {
		resp.header = http.Header{}
	}
	resp.header.Set("Content-Type", contentType(rc.meta, rc.ieee754))
	resp.header.Set("request-id", rc.requestID)
	resp.header.Set("client-request-id", rc.clientRequestID)
	resp.header.Set("OData-Version", "4.0")
	resp.header.Set("Date", rc.now.UTC().Format(http.TimeFormat))

	// (fault switches hook in here)

	b, err := resp.body.MarshalJSON()
	if err != nil {
		// Bodies are built from encodable values only; keep the promise of
		// an OData error anyway.
		b, _ = errorResponse(rc, err).body.MarshalJSON()
		resp.status = http.StatusInternalServerError
	}
	h := w.Header()
	for k, vs := range resp.header {
		h[k] = vs
	}
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(resp.status)
	if rc.r.Method != http.MethodHead {
		_, _ = w.Write(b)
	}
}

// statusRecorder remembers the status written through it (0: the client went away first).
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

// Unwrap gives http.ResponseController the writer underneath.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
