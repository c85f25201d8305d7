package runner_test

import (
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/copilotconf/copilotconf/mockserver"
)

// guardedTarget is the reference server accepting only token, on 127.0.0.1.
func guardedTarget(t *testing.T, token string) string {
	t.Helper()
	inst, err := mockserver.Listen("127.0.0.1:0", mockserver.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = inst.Shutdown(t.Context()) })
	return inst.URL()
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const fewSpecs = `\[(SESS-GET-01|SESS-LIST-01|PROMPT-GET-01)\]`

func TestTokenFileIsReadAndReReadAfter401(t *testing.T) {
	target := guardedTarget(t, "token-from-file-new")
	file := writeFile(t, "token", "token-from-file-old\n")
	// A stand-in for a refresher (az CLI, a sidecar): the first 401 rewrites the file.
	var rotated atomic.Bool
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer token-from-file-old" && rotated.CompareAndSwap(false, true) {
			if err := os.WriteFile(file, []byte("token-from-file-new"), 0o600); err != nil {
				t.Error(err)
			}
		}
		forward(w, r, target)
	}))
	t.Cleanup(proxy.Close)
	dir := t.TempDir()
	r := copilotconf(t, nil, "run", "--target", proxy.URL, "--token-file", file, "--focus", fewSpecs, "--report-dir", dir)
	if r.code != 0 || !rotated.Load() {
		t.Fatalf("expected the rewritten token file to be picked up after a 401, got %s", r)
	}
	assertNoSecretAnywhere(t, "token-from-file-new", dir, r)
	assertNoSecretAnywhere(t, "token-from-file-old", dir, r)

	unchanged := writeFile(t, "token", "token-never-valid")
	r = copilotconf(t, nil, "run", "--target", target, "--token-file", unchanged, "--report-dir", t.TempDir())
	if r.code != 3 || !strings.Contains(r.stderr, "credentials rejected: 401") {
		t.Errorf("an unchanged token file must end in exit 3, got %s", r)
	}
}

// forward relays a request to the reference server, as a reverse proxy would.
func forward(w http.ResponseWriter, r *http.Request, target string) {
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, target+r.URL.RequestURI(), r.Body)
	req.Header = r.Header.Clone()
	req.Host = r.Host
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = copyBody(w, resp)
}

func copyBody(w http.ResponseWriter, resp *http.Response) (int64, error) {
	buf := make([]byte, 32<<10)
	var n int64
	for {
		k, err := resp.Body.Read(buf)
		if k > 0 {
			if _, werr := w.Write(buf[:k]); werr != nil {
				return n, werr
			}
			n += int64(k)
		}
		if err != nil {
			return n, nil
		}
	}
}

func TestOAuth2ClientCredentials(t *testing.T) {
	const secret = "oauth-client-secret-5d1e"
	var issued atomic.Int32
	tokenServer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, sec, basic := r.BasicAuth()
		if !basic {
			id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
		}
		if r.PostForm.Get("grant_type") != "client_credentials" || id != "copilotconf-ci" || sec != secret {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"bad secret %s"}`, sec)
			return
		}
		issued.Add(1)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"oauth-issued-token-77aa","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(tokenServer.Close)
	target := guardedTarget(t, "oauth-issued-token-77aa")
	dir := t.TempDir()
	args := []string{"run", "--target", target, "--auth", "oauth2", "--token-url", tokenServer.URL, "--client-id", "copilotconf-ci",
		"--scope", "api://sessions/.default", "--focus", fewSpecs, "--report-dir", dir}
	r := copilotconf(t, nil, append(args, "--client-secret-file", writeFile(t, "secret", secret+"\n"))...)
	if r.code != 0 || issued.Load() != 1 {
		t.Fatalf("expected a pass with one token issued, got %d tokens and %s", issued.Load(), r)
	}
	assertNoSecretAnywhere(t, secret, dir, r)
	assertNoSecretAnywhere(t, "oauth-issued-token-77aa", dir, r)

	r = copilotconf(t, nil, append(args, "--client-secret-file", writeFile(t, "secret", "wrong-secret-value"))...)
	if r.code != 3 || !strings.Contains(r.stderr, "credentials rejected") || strings.Contains(r.stderr, "wrong-secret-value") {
		t.Errorf("a refused client secret must end in exit 3 without showing it, got %s", r)
	}
}

func TestAzureClientSecret(t *testing.T) {
	const tenant, client, secret = "00000000-0000-0000-0000-0000000000aa", "11111111-1111-1111-1111-1111111111bb", "entra-secret-canary-41f0"
	var issued atomic.Int32
	authority := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		base := "https://" + r.Host + "/" + tenant
		switch r.URL.Path {
		case "/" + tenant + "/v2.0/.well-known/openid-configuration":
			_ = json.NewEncoder(w).Encode(map[string]string{"token_endpoint": base + "/oauth2/v2.0/token",
				"authorization_endpoint": base + "/oauth2/v2.0/authorize", "issuer": base + "/v2.0"})
		case "/" + tenant + "/oauth2/v2.0/token":
			_ = r.ParseForm()
			if r.PostForm.Get("client_secret") != secret || !strings.Contains(r.PostForm.Get("scope"), "https://graph.microsoft.com/.default") {
				w.WriteHeader(http.StatusUnauthorized)
				fmt.Fprint(w, `{"error":"invalid_client"}`)
				return
			}
			issued.Add(1)
			fmt.Fprint(w, `{"token_type":"Bearer","access_token":"entra-issued-token-3c9d","expires_in":3600}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(authority.Close)
	ca := writeFile(t, "authority.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: authority.Certificate().Raw})))
	env := map[string]string{
		"AZURE_TENANT_ID": tenant, "AZURE_CLIENT_ID": client, "AZURE_CLIENT_SECRET": secret,
		"AZURE_AUTHORITY_HOST": authority.URL + "/",
		// Nothing may lead MSAL to other hosts or to a managed identity endpoint.
		"AZURE_REGIONAL_AUTHORITY_NAME": "", "IDENTITY_ENDPOINT": "", "MSI_ENDPOINT": "", "IMDS_ENDPOINT": "",
	}
	dir := t.TempDir()
	r := copilotconf(t, env, "run", "--target", guardedTarget(t, "entra-issued-token-3c9d"), "--auth", "azure",
		"--ca-cert", ca, "--focus", fewSpecs, "--report-dir", dir)
	if r.code != 0 || issued.Load() == 0 {
		t.Fatalf("expected a pass with a token from the loopback authority, got %d tokens and %s", issued.Load(), r)
	}
	if !strings.Contains(r.stdout, "client secret") {
		t.Errorf("the header should say how the run signed in:\n%s", r.stdout)
	}
	assertNoSecretAnywhere(t, secret, dir, r)
	assertNoSecretAnywhere(t, "entra-issued-token-3c9d", dir, r)
}

func TestAuthUsageErrors(t *testing.T) {
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--auth", "kerberos"}, "invalid --auth"},
		{[]string{"--auth", "azure"}, "--auth azure needs --target"},
		{[]string{"--auth", "oauth2", "--target", "http://127.0.0.1:1"}, "--auth oauth2 needs --token-url"},
		{[]string{"--token", "a", "--token-file", "b"}, "not both"},
		{[]string{"--token-file", "/does/not/exist"}, "/does/not/exist"},
		{[]string{"--session-id", "x"}, "--session-id goes with --read-only"},
		{[]string{"--client-cert", "x.pem"}, "go together"},
		{[]string{"--max-writes", "0"}, "--max-writes must be at least 1"},
		{[]string{"--max-body", "lots"}, "want a size"},
		{[]string{"--ca-cert", "/does/not/exist.pem", "--target", "https://127.0.0.1:1"}, "reading the CA certificates"},
	}
	for _, c := range cases {
		r := copilotconf(t, nil, append([]string{"run", "--report-dir", t.TempDir()}, c.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("%v: expected exit 2 and one line containing %q, got %s", c.args, c.want, r)
		}
	}
}
