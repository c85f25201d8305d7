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
)

const serveSynopsis = "copilotconf serve [--addr 127.0.0.1:8080] [--token TOKEN] [--workspace ID,...] [--fault NAME,...] [--latency D] [--list-faults]"

const serveHelp = `
Runs the reference implementation of the API in the foreground until SIGINT or SIGTERM.
Without --token it accepts any non-empty bearer token; a request without one still gets 401.
`

func serveCommand(args []string, stdio IO) error {
	fs := newFlagSet("serve")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	token := fs.String("token", envDefault(stdio.Env, "COPILOTCONF_TOKEN", ""), "the only bearer token accepted (default: any non-empty token)")
	workspaces := fs.String("workspace", "default", "comma-separated workspace ids that exist")
	faults := fs.String("fault", "", "switch deliberate non-conformances NAME[,NAME...] on (see --list-faults)")
	listFaults := fs.Bool("list-faults", false, "list the faults and the specs each must break, then exit")
	latency := fs.Duration("latency", 0, "delay every answer this long, as a remote service would")
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
	if *latency < 0 {
		return usageErrorf("--latency must not be negative")
	}
	inst, err := mockserver.Listen(*addr, mockserver.Options{Token: *token, Workspaces: ws, Faults: splitList(*faults), Latency: *latency})
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
	_, err := fmt.Fprintf(stdio.Stdout, "%d faults\n", len(faults))
	return err
}
