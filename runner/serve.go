package runner

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/reports"
)

const serveSynopsis = "copilotconf serve [--addr 127.0.0.1:8080] [--token TOKEN] [--workspace ID,...] [--fault NAME,...] [--latency D] [--jitter D] [--throttle N/s] [--fail-rate P] [--evaluation-start D] [--evaluation-run D] [--data FILE] [--admin] [--cors ORIGIN,...] [--log-format text|json] [--quiet] [--list-faults]"

const serveHelp = `
Runs the reference implementation of the API in the foreground until SIGINT or SIGTERM.
It accepts only the token of --token, or else of COPILOTCONF_SERVE_TOKEN; with neither, any
non-empty bearer token (a request without one still gets 401). It never reads COPILOTCONF_TOKEN,
the token run sends. The start-up line says which applies.

For client tests, network conditions (all off by default): --latency and --jitter delay every
answer; --throttle answers requests beyond N a second (or N/m a minute) with 429 and
Retry-After; --fail-rate answers that share of requests with 503 and Retry-After: 1. Both
errors have Graph's shape.

--data FILE starts the server with the workspaces, sessions, prompts and evaluations of a JSON
file, with their ids and timestamps:
  {"workspaces": [{"id": "default", "sessions": [{"id": "...", "displayName": "...",
    "createdDateTime": "2025-10-22T20:10:54.494Z", "lastModifiedDateTime": "...",
    "prompts": [{"id": "...", "content": "...", "createdDateTime": "...", "lastModifiedDateTime": "...",
      "evaluations": [{"id": "...", "createdDateTime": "...", "outcome": "completed", "answer": "..."}]}]}]}]}
An evaluation lives from its createdDateTime, so one created a while ago is final; its outcome is
completed (the default), error or cancelled.
--admin opens, outside the API's paths and with its token: POST /_copilotconf/reset (back to
the data, or to empty workspaces) and GET /_copilotconf/state (what the server holds, in the
same JSON).

--cors lets browser clients on other origins call the server: it answers preflight OPTIONS
requests and adds Access-Control-Allow-Origin (and the headers a client may read) to answers.

Every request is logged on standard error, one line each: the time it arrived, method, path
and query, status, duration and request-id (--log-format json: one JSON object per line;
--quiet: no log).

Evaluations follow the documented flow: create a session, a prompt in it, then
POST .../prompts/{promptId}/evaluations with the body {} (201, state "created"); poll
GET .../evaluations/{evaluationId}: "running" after --evaluation-start, then final after
--evaluation-run more: "completed" with the answer in result.content (result.type "success").
To test the other endings, put a marker in the prompt's content:
  [fail]    the evaluation completes with result.type "error" and an error message as content
  [cancel]  the evaluation ends "cancelled", with isCancelled true and no answer
`

func serveCommand(args []string, stdio IO) error {
	fs := newFlagSet("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	token := fs.String("token", "", "the only bearer token accepted (default: COPILOTCONF_SERVE_TOKEN, else any non-empty token)")
	logFormat := fs.String("log-format", "text", "the request log on standard error: text (one line per request) or json (one object per line)")
	quiet := fs.Bool("quiet", false, "log no requests")
	dataFile := fs.String("data", "", "start from the workspaces, sessions, prompts and evaluations of this JSON file")
	admin := fs.Bool("admin", false, "open POST /_copilotconf/reset and GET /_copilotconf/state")
	cors := fs.String("cors", "", "let browser clients on these origins (scheme://host:port, comma-separated, or *) call the server: preflight OPTIONS and CORS headers")
	workspaces := fs.String("workspace", "default,secondary", "comma-separated workspace ids that exist")
	faults := fs.String("fault", "", "switch deliberate non-conformances NAME[,NAME...] on (see --list-faults)")
	listFaults := fs.Bool("list-faults", false, "list the faults and the specs each must break, then exit")
	latency := fs.Duration("latency", 0, "delay every answer this long, as a remote service would")
	jitter := fs.Duration("jitter", 0, "add a random delay up to this long to every answer")
	throttle := fs.String("throttle", "", "answer requests beyond this rate with 429 and Retry-After: N/s or N/m")
	failRate := fs.Float64("fail-rate", 0, "answer this share of requests (0 to 1) with 503 and Retry-After")
	evalStart := fs.Duration("evaluation-start", mockserver.DefaultEvaluationDelays.Running, "time a new evaluation stays \"created\" before it runs")
	evalRun := fs.Duration("evaluation-run", mockserver.DefaultEvaluationDelays.Final, "time an evaluation stays \"running\" before it is final")
	rest, err := parseInterleaved(fs, args, stdio, serveSynopsis, serveHelp)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErrorf("serve takes no arguments, got %q", rest[0])
	}
	if *listFaults {
		return printFaults(stdio)
	}
	if *logFormat != "text" && *logFormat != "json" {
		return usageErrorf("invalid --log-format %q: want text or json", *logFormat)
	}
	tokenSource := "--token"
	if !flagGiven(fs, "token") {
		*token, tokenSource = envDefault(stdio.Env, "COPILOTCONF_SERVE_TOKEN", ""), "COPILOTCONF_SERVE_TOKEN"
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usageErrorf("invalid --addr %q: %v", *addr, err)
	}
	ws := splitList(*workspaces)
	if len(ws) == 0 {
		return usageErrorf("--workspace must name at least one workspace")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	rate, err := parseRate(*throttle)
	if err != nil {
		return usageErrorf("invalid --throttle %q: %v", *throttle, err)
	}
	if *failRate < 0 || *failRate > 1 {
		return usageErrorf("invalid --fail-rate %v: want a share from 0 to 1", *failRate)
	}
	for name, d := range map[string]time.Duration{"--latency": *latency, "--jitter": *jitter, "--evaluation-start": *evalStart, "--evaluation-run": *evalRun} {
		if d < 0 {
			return usageErrorf("%s must not be negative", name)
		}
	}
	// A zero delay is kept as given (an evaluation is final at once), not taken as the default.
	delays := mockserver.EvaluationDelays{Running: max(*evalStart, time.Nanosecond), Final: max(*evalRun, time.Nanosecond)}
	opts := mockserver.Options{Token: *token, Workspaces: ws, Faults: splitList(*faults), EvaluationDelays: delays,
		Conditions: mockserver.Conditions{Latency: *latency, Jitter: *jitter, Throttle: rate, FailRate: *failRate}}
	opts.CORS, opts.Admin = splitList(*cors), *admin
	if *dataFile != "" {
		if flagGiven(fs, "workspace") {
			return usageErrorf("--data names the workspaces; leave out --workspace")
		}
		b, err := os.ReadFile(*dataFile)
		if err != nil {
			return usageErrorf("reading --data: %v", err)
		}
		d, err := mockserver.ReadData(b)
		if err != nil {
			return usageErrorf("--data %s: %v", *dataFile, strings.TrimPrefix(err.Error(), "mockserver: "))
		}
		opts.Data, opts.Workspaces, ws = &d, nil, nil
		for _, w := range d.Workspaces {
			ws = append(ws, w.ID)
		}
	}
	for _, o := range opts.CORS {
		if u, err := url.Parse(o); o != "*" && (err != nil || u.Scheme == "" || u.Host == "" || u.Path != "") {
			return usageErrorf("invalid --cors origin %q: want scheme://host[:port], or *", o)
		}
	}
	if !*quiet {
		opts.OnRequest = requestLogger(stdio.Stderr, *logFormat)
	}
	inst, err := mockserver.Listen(*addr, opts)
	if err != nil {
		return usageErrorf("%v", err)
	}
	auth := "any non-empty bearer token (neither --token nor COPILOTCONF_SERVE_TOKEN is set)"
	if *token != "" {
		auth = "only the bearer token of " + tokenSource
	}
	fmt.Fprintf(stdio.Stdout, "copilotconf reference server listening on %s (workspaces %s; accepts %s)\n", inst.URL(), strings.Join(ws, ", "), auth)
	if *faults != "" {
		fmt.Fprintf(stdio.Stdout, "faults on: %s (this server deliberately breaks the API)\n", strings.Join(splitList(*faults), ", "))
	}
	if opts.Data != nil {
		sessions, prompts, evaluations := 0, 0, 0
		for _, w := range opts.Data.Workspaces {
			for _, x := range w.Sessions {
				sessions++
				prompts += len(x.Prompts)
				for _, p := range x.Prompts {
					evaluations += len(p.Evaluations)
				}
			}
		}
		fmt.Fprintf(stdio.Stdout, "data: %s, %s and %s from %s\n", reports.Plural(sessions, "session", "sessions"),
			reports.Plural(prompts, "prompt", "prompts"), reports.Plural(evaluations, "evaluation", "evaluations"), *dataFile)
	}
	if opts.Admin {
		fmt.Fprintf(stdio.Stdout, "admin: POST %s/_copilotconf/reset, GET %s/_copilotconf/state\n", inst.URL(), inst.URL())
	}
	if len(opts.CORS) > 0 {
		fmt.Fprintf(stdio.Stdout, "browser clients allowed from: %s\n", strings.Join(opts.CORS, ", "))
	}
	if c := opts.Conditions; c != (mockserver.Conditions{}) {
		fmt.Fprintf(stdio.Stdout, "network conditions: latency %s, jitter %s, throttle %s, fail rate %g\n", c.Latency, c.Jitter, cmp.Or(*throttle, "none"), c.FailRate)
	}
	<-ctx.Done()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := inst.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutting down: %w", err)
	}
	fmt.Fprintln(stdio.Stdout, "copilotconf reference server stopped")
	return nil
}

// parseRate reads a request rate: N/s, N/m or N (a second); "" is no limit.
func parseRate(s string) (float64, error) {
	if s == "" {
		return 0, nil
	}
	num, unit, _ := strings.Cut(s, "/")
	per := map[string]float64{"": 1, "s": 1, "m": 60}[unit]
	n, err := strconv.ParseFloat(num, 64)
	if per == 0 || err != nil || n <= 0 || math.IsInf(n, 0) || math.IsNaN(n) {
		return 0, fmt.Errorf("want a positive number of requests per second or minute, such as 5/s or 100/m")
	}
	return n / per, nil
}

// requestLogger writes one line per request to w: text or JSON.
func requestLogger(w io.Writer, format string) func(mockserver.RequestRecord) {
	var mu sync.Mutex
	return func(r mockserver.RequestRecord) {
		var line []byte
		if format == "json" {
			line, _ = json.Marshal(r)
			line = append(line, '\n')
		} else {
			line = fmt.Appendf(nil, "%s %s %s %d %s %s\n", r.Time.UTC().Format("2006-01-02T15:04:05.000Z"), r.Method, r.Path,
				r.Status, r.Duration.Round(10*time.Microsecond), cmp.Or(r.RequestID, "-"))
		}
		mu.Lock()
		defer mu.Unlock()
		_, _ = w.Write(line)
	}
}

// printFaults lists every fault with the specs it must break.
func printFaults(stdio IO) error {
	tw := tabwriter.NewWriter(stdio.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FAULT\tDESCRIPTION\tBREAKS")
	faults := mockserver.Faults()
	for _, f := range faults {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Name, f.Description, strings.Join(f.Breaks, ","))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdio.Stdout, reports.Plural(len(faults), "fault", "faults"))
	return err
}
