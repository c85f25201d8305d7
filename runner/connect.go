package runner

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/copilotconf/copilotconf/internal/auth"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/mockserver"
)

// target is where a run sends its requests, and how.
type target struct {
	url         string
	description string // for the console: the URL and what it is
	client      *httpclient.Client
	preflight   *httpclient.Client // the same, with a short retry budget
	credentials auth.Credentials
	proxy       string // the proxy requests go through, if any
	close       func()
}

// connect starts the embedded server when there is no target, then builds the credentials,
// the transport and the HTTP clients.
func connect(o runOptions, stdio IO) (*target, error) {
	t := &target{url: o.target, description: o.target, close: func() {}}
	token := o.token
	if o.tokenFile != "" && o.target == "" {
		creds, err := auth.TokenFile(o.tokenFile)
		if err != nil {
			return nil, usageErrorf("%v", err)
		}
		if token, err = creds.Token(context.Background()); err != nil {
			return nil, usageErrorf("%v", err)
		}
	}
	if o.target == "" {
		if token == "" {
			token = randomToken()
		}
		inst, err := mockserver.Listen("127.0.0.1:0", embeddedOptions(o, token))
		if err != nil {
			return nil, usageErrorf("starting the embedded reference server: %v", err)
		}
		// Every request of the run has been answered by the time it closes; a connection that
		// still counts as active (an upload the server refused early) must not hold the exit.
		t.close = func() { _ = inst.Close() }
		t.url = inst.URL()
		t.description = t.url + " (embedded reference server)"
		if o.faults != "" {
			t.description = t.url + " (embedded reference server with faults " + o.faults + ")"
		}
	}
	transport, err := httpclient.NewTransport(httpclient.TLSOptions{
		CACertFile: o.caCert, ClientCertFile: o.clientCert, ClientKeyFile: o.clientKey, InsecureSkipVerify: o.insecure,
	})
	if err != nil {
		t.close()
		return nil, usageErrorf("%v", err)
	}
	if t.credentials, err = credentials(o, token, transport, stdio); err != nil {
		t.close()
		return nil, err
	}
	if u, _ := url.Parse(t.url); u != nil {
		if p, err := transport.Proxy(&http.Request{URL: u}); err == nil && p != nil {
			t.proxy = redactURL(p.String())
		}
	}
	cfg := httpclient.Config{
		BaseURL:        t.url,
		Credentials:    t.credentials,
		RequestTimeout: o.requestTimeout,
		MaxRetryWait:   retryBudget(o.maxRetryWait),
		MaxBody:        int64(o.maxBody),
		UserAgent:      "copilotconf/" + version(),
		Transport:      transport,
		Rate:           o.rate,
		ReadOnly:       o.readOnly,
		MaxWrites:      o.maxWrites,
	}
	cfg.MaxTransportFailures = o.maxTransportFailures
	if t.client, err = httpclient.New(cfg); err != nil {
		t.close()
		return nil, usageErrorf("%v", err)
	}
	cfg.MaxTransportFailures = 0
	cfg.MaxRetryWait = retryBudget(min(o.maxRetryWait, preflightRetryWait))
	if t.preflight, err = httpclient.New(cfg); err != nil {
		t.close()
		return nil, usageErrorf("%v", err)
	}
	return t, nil
}

// retryBudget maps the --max-retry-wait flag (0 = never retry) to the client's setting.
func retryBudget(d time.Duration) time.Duration {
	if d == 0 {
		return -1
	}
	return d
}

// preflightRetryWait bounds the retries of the preflight request.
const preflightRetryWait = 3 * time.Second

// credentials builds the token source the flags ask for.
func credentials(o runOptions, token string, transport http.RoundTripper, stdio IO) (auth.Credentials, error) {
	httpClient := &http.Client{Transport: transport, Timeout: o.requestTimeout}
	switch o.authKind {
	case "azure":
		creds, err := auth.Azure(auth.AzureOptions{
			Scope:                    o.scope,
			ClientOptions:            azcore.ClientOptions{Transport: httpClient},
			DisableInstanceDiscovery: true,
			Env:                      func(k string) (string, bool) { return stdio.Env(k) },
		})
		if err != nil {
			return nil, usageErrorf("--auth azure: %v", err)
		}
		return creds, nil
	case "oauth2":
		creds, err := auth.OAuth2ClientCredentials(auth.OAuth2Options{
			TokenURL: o.tokenURL, ClientID: o.clientID, ClientSecretFile: o.clientSecretFile,
			Scopes: splitList(o.scope), HTTPClient: httpClient,
		})
		if err != nil {
			return nil, usageErrorf("--auth oauth2: %v", err)
		}
		return creds, nil
	}
	if o.tokenFile != "" {
		creds, err := auth.TokenFile(o.tokenFile)
		if err != nil {
			return nil, usageErrorf("--token-file: %v", err)
		}
		return creds, nil
	}
	if token == "" {
		return nil, nil
	}
	return auth.Static(token), nil
}

// describeAuth says how the run signs in, without secrets.
func (t *target) describeAuth() string {
	if t.credentials == nil {
		return "no token"
	}
	return t.credentials.Describe()
}

// redactingWriter passes console output through the client's redaction.
type redactingWriter struct {
	w      io.Writer
	redact func(string) string
}

func (r redactingWriter) Write(p []byte) (int, error) {
	if _, err := r.w.Write([]byte(r.redact(string(p)))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// embeddedWorkspaces are the workspaces of the embedded server: the run's, and one more, so
// that the specs that list workspaces, and the plugins of each, see more than one.
func embeddedWorkspaces(workspace string) []string {
	other := "secondary"
	if strings.EqualFold(workspace, other) {
		other = "default"
	}
	return []string{workspace, other}
}

// embeddedOptions are the embedded reference server's: the run's workspace and a second one,
// the faults asked for, and short evaluations, so that a run is quick, yet long enough that
// the first polls see each state.
func embeddedOptions(o runOptions, token string) mockserver.Options {
	return mockserver.Options{Token: token, Workspaces: embeddedWorkspaces(o.workspace), Faults: splitList(o.faults),
		EvaluationDelays: mockserver.EvaluationDelays{Running: 50 * time.Millisecond, Final: 100 * time.Millisecond}}
}
