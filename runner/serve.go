package runner

import (
	"context"
	"fmt"
	"net"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
	"github.com/copilotconf/copilotconf/reports"
)

const serveSynopsis = "copilotconf serve [--addr 127.0.0.1:8080] [--token TOKEN] [--workspace ID,...] [--fault NAME,...] [--latency D] [--evaluation-start D] [--evaluation-run D] [--list-faults]"

const serveHelp = `
Runs the reference implementation of the API in the foreground until SIGINT or SIGTERM.
Without --token it accepts any non-empty bearer token; a request without one still gets 401.

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
	token := fs.String("token", envDefault(stdio.Env, "COPILOTCONF_TOKEN", ""), "the only bearer token accepted (default: any non-empty token)")
	workspaces := fs.String("workspace", "default,secondary", "comma-separated workspace ids that exist")
	faults := fs.String("fault", "", "switch deliberate non-conformances NAME[,NAME...] on (see --list-faults)")
	listFaults := fs.Bool("list-faults", false, "list the faults and the specs each must break, then exit")
	latency := fs.Duration("latency", 0, "delay every answer this long, as a remote service would")
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
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usageErrorf("invalid --addr %q: %v", *addr, err)
	}
	ws := splitList(*workspaces)
	if len(ws) == 0 {
		return usageErrorf("--workspace must name at least one workspace")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	for name, d := range map[string]time.Duration{"--latency": *latency, "--evaluation-start": *evalStart, "--evaluation-run": *evalRun} {
		if d < 0 {
			return usageErrorf("%s must not be negative", name)
		}
	}
	// A zero delay is kept as given (an evaluation is final at once), not taken as the default.
	delays := mockserver.EvaluationDelays{Running: max(*evalStart, time.Nanosecond), Final: max(*evalRun, time.Nanosecond)}
	inst, err := mockserver.Listen(*addr, mockserver.Options{Token: *token, Workspaces: ws, Faults: splitList(*faults), Latency: *latency,
		EvaluationDelays: delays})
	if err != nil {
		return usageErrorf("%v", err)
	}
	auth := "any non-empty bearer token"
	if *token != "" {
		auth = "only the configured bearer token"
	}
	fmt.Fprintf(stdio.Stdout, "copilotconf reference server listening on %s (workspaces %s; accepts %s)\n", inst.URL(), strings.Join(ws, ", "), auth)
	if *faults != "" {
		fmt.Fprintf(stdio.Stdout, "faults on: %s (this server deliberately breaks the API)\n", strings.Join(splitList(*faults), ", "))
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
