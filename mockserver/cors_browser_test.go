package mockserver_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/copilotconf/copilotconf/internal/testservers"
	"github.com/copilotconf/copilotconf/mockserver"
)

// corsPage is a browser client on its own origin: it lists the sessions of the server at api
// with a bearer token (which makes the browser ask first) and shows what came of it.
const corsPage = `<!doctype html><title>client</title><pre id="out">waiting</pre><script>
fetch(%q + "/security/securityCopilot/workspaces/default/sessions?$top=1",
      {headers: {"Authorization": "Bearer browser-token", "client-request-id": "from-the-browser"}})
  .then(async r => { document.getElementById("out").textContent = "status " + r.status + ", request-id " +
      (r.headers.get("request-id") ? "readable" : "hidden") + ", " + (await r.json()).value.length + " sessions"; })
  .catch(e => { document.getElementById("out").textContent = "refused: " + e; });
</script>`

// A page served from another origin lists sessions in headless Chromium when the server
// allows its origin, and is refused by the browser when it does not.
func TestBrowserClientOnAnotherOrigin(t *testing.T) {
	testservers.Chromium(t) // skips, or fails under CI, without a browser
	for _, c := range []struct {
		name  string
		cors  func(pageOrigin string) []string
		wants string
	}{
		{"allowed", func(o string) []string { return []string{o} }, "status 200, request-id readable, 1 sessions"},
		{"any origin", func(string) []string { return []string{"*"} }, "status 200, request-id readable, 1 sessions"},
		{"not allowed", func(string) []string { return nil }, "refused: TypeError"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var api string
			page := testservers.Loopback(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				fmt.Fprintf(w, corsPage, api)
			}))
			srv, err := mockserver.New(mockserver.Options{Token: "browser-token", CORS: c.cors(page)})
			if err != nil {
				t.Fatal(err)
			}
			api = testservers.Loopback(t, srv)
			create, _ := http.NewRequest(http.MethodPost, api+"/security/securityCopilot/workspaces/default/sessions", strings.NewReader(`{"displayName":"copilotconf browser client"}`))
			create.Header.Set("Authorization", "Bearer browser-token")
			create.Header.Set("Content-Type", "application/json")
			if resp, err := http.DefaultClient.Do(create); err != nil || resp.StatusCode != 201 {
				t.Fatalf("creating a session: %v %v", resp, err)
			}
			if got := showInChromium(t, page); !strings.HasPrefix(got, c.wants) {
				t.Errorf("the page on %s showed %q, want %q", page, got, c.wants)
			}
		})
	}
}

// showInChromium opens url in headless Chromium and returns the text the page shows in #out
// once it no longer says "waiting".
func showInChromium(t *testing.T, url string) string {
	t.Helper()
	ctx := testservers.ChromiumContext(t, 60*time.Second)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	for {
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#out")))
		if err != nil {
			t.Fatalf("reading the page: %v", err)
		}
		if text != "waiting" {
			return text
		}
		time.Sleep(50 * time.Millisecond)
	}
}
