package reports_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/copilotconf/copilotconf/internal/testservers"
	"github.com/copilotconf/copilotconf/reports"
)

// browserEvents collects what the page did that it must not: console errors, uncaught
// exceptions and network requests other than the page itself.
type browserEvents struct {
	mu       sync.Mutex
	errors   []string
	requests []string
}

func (b *browserEvents) listen(pageURL string) func(ev any) {
	return func(ev any) {
		b.mu.Lock()
		defer b.mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.errors = append(b.errors, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
			}
		case *runtime.EventExceptionThrown:
			b.errors = append(b.errors, fmt.Sprintf("exception: %s (line %d)", e.ExceptionDetails.Text, e.ExceptionDetails.LineNumber))
		case *network.EventRequestWillBeSent:
			if e.Request.URL != pageURL {
				b.requests = append(b.requests, e.Request.URL)
			}
		}
	}
}

func TestHTMLReportInChromium(t *testing.T) {
	dir := t.TempDir()
	page := filepath.Join(dir, reports.HTMLFile)
	b, err := reports.HTML(sampleRun())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, b, 0o644); err != nil {
		t.Fatal(err)
	}
	pageURL := "file://" + page

	ctx := testservers.ChromiumContext(t, 90*time.Second, chromedp.WindowSize(1280, 1600))

	events := &browserEvents{}
	if err := chromedp.Listen(ctx, events.listen(pageURL)); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	css := func(sel string) chromedp.CSS { return chromedp.CSS(sel) }
	// js runs a script for its effect (dispatching the events a person's input would).
	js := func(expr string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := chromedp.Evaluate[bool](expr+"; true")(ctx, tg)
			return err
		})
	}
	choose := func(id, value, event string) chromedp.Action[chromedp.Void] {
		return js(`(e => { e.value = "` + value + `"; e.dispatchEvent(new Event("` + event + `")); })(document.getElementById("` + id + `"))`)
	}
	do := func(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	text := func(t *testing.T, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(css(sel)))
		if err != nil {
			t.Fatalf("reading %s: %v", sel, err)
		}
		return s
	}
	visible := func(t *testing.T) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`[...document.querySelectorAll("#specs tbody tr")].filter(r => !r.hidden).length`))
		if err != nil {
			t.Fatalf("counting visible rows: %v", err)
		}
		return n
	}
	do(t, chromedp.Navigate(pageURL), chromedp.WaitVisible(css("#specs tbody tr")))
	if claim, shown := text(t, "#claim"), text(t, "#shown"); claim != "claim: none" || shown != "6 of 6 specs shown" {
		t.Errorf("header: claim %q, %q", claim, shown)
	}

	t.Run("filters change what is visible", func(t *testing.T) {
		if n := visible(t); n != 6 {
			t.Fatalf("all 6 specs should show at first, %d do", n)
		}
		do(t, chromedp.Click(css("#filter-outcome-passed")))
		if n := visible(t); n != 5 {
			t.Errorf("hiding passed specs: expected 5 rows, got %d", n)
		}
		do(t, chromedp.Click(css("#filter-outcome-passed")), choose("filter-level", "odata", "change"))
		if n := visible(t); n != 1 {
			t.Errorf("level odata: expected 1 row, got %d", n)
		}
		do(t, choose("filter-level", "", "change"), chromedp.SendKeys(css("#filter-search"), "sess-get"))
		if n := visible(t); n != 2 {
			t.Errorf("search sess-get: expected 2 rows, got %d", n)
		}
		do(t, choose("filter-search", "", "input"), choose("filter-operation", "create-session", "change"))
		if n := visible(t); n != 2 {
			t.Errorf("operation create-session: expected 2 rows, got %d", n)
		}
		do(t, choose("filter-operation", "", "change"))
		if n := visible(t); n != 6 {
			t.Errorf("filters cleared: expected 6 rows, got %d", n)
		}
	})

	t.Run("a failing spec's details show its problems", func(t *testing.T) {
		sel := `tr[data-id="SESS-CREATE-01"] details.spec-details`
		do(t, chromedp.Click(css(sel+" > summary")), chromedp.WaitVisible(css(sel+" .problems")))
		details := text(t, sel)
		for _, want := range []string{"expected status 201 Created, got 200 OK", "Documentation: https://learn.microsoft.com/", "suites/create_session.go:42"} {
			if !strings.Contains(details, want) {
				t.Errorf("the details lack %q:\n%s", want, details)
			}
		}
		do(t, chromedp.Click(css(sel+" details.exchange > summary")))
		if curl := text(t, sel+" pre.curl"); !strings.Contains(curl, "$COPILOTCONF_TOKEN") {
			t.Errorf("the reproducer is not shown: %q", curl)
		}
		if causes := text(t, "#causes"); !strings.Contains(causes, "2 blocked by: create session answered 200 OK") {
			t.Errorf("the root causes are not shown: %q", causes)
		}
	})

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(dir, "report.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("COPILOTCONF_SCREENSHOT"); out != "" {
		_ = os.WriteFile(out, shot, 0o644)
	}
	t.Logf("screenshot: %s (%d bytes)", shotPath, len(shot))

	events.mu.Lock()
	defer events.mu.Unlock()
	if len(events.errors) > 0 {
		t.Errorf("the page logged errors: %v", events.errors)
	}
	if len(events.requests) > 0 {
		t.Errorf("the page made network requests: %v", events.requests)
	}
}
