package auth

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
)

const (
	azTenant   = "00000000-0000-0000-0000-0000000000aa"
	azClient   = "11111111-1111-1111-1111-1111111111bb"
	azSecret   = "az-secret-canary-93b1" // must never appear in errors or Describe
	assertType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// fakeEntra is a loopback TLS server acting as the Entra ID authority.
type fakeEntra struct {
	*httptest.Server
	t         *testing.T
	expiresIn atomic.Int64
	status    atomic.Int32 // non-zero: token endpoint answers this status
	tokens    atomic.Int32
	mu        sync.Mutex
	forms     []url.Values // token requests
}

func newFakeEntra(t *testing.T) *fakeEntra {
	f := &fakeEntra{t: t}
	f.expiresIn.Store(3600)
	f.Server = httptest.NewTLSServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeEntra) serve(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/" + azTenant + "/v2.0/.well-known/openid-configuration":
		base := f.URL + "/" + azTenant
		json.NewEncoder(w).Encode(map[string]string{
			"token_endpoint":         base + "/oauth2/v2.0/token",
			"authorization_endpoint": base + "/oauth2/v2.0/authorize",
			"issuer":                 base + "/v2.0",
		})
	case "/" + azTenant + "/oauth2/v2.0/token":
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			f.t.Errorf("bad token request: %s %v", r.Method, err)
		}
		f.mu.Lock()
		f.forms = append(f.forms, r.PostForm)
		f.mu.Unlock()
		if st := int(f.status.Load()); st != 0 {
			w.WriteHeader(st)
			// Echo what the client presented, as a careless server might.
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided: %s"}`, r.PostForm.Get("client_secret"))
			return
		}
		n := f.tokens.Add(1)
		fmt.Fprintf(w, `{"token_type":"Bearer","access_token":"entra-token-%d","expires_in":%d}`, n, f.expiresIn.Load())
	default:
		f.t.Logf("fake Entra: unhandled %s %s", r.Method, r.URL)
		http.NotFound(w, r)
	}
}

func (f *fakeEntra) lastForm(t *testing.T) url.Values {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.forms) == 0 {
		t.Fatal("no token request received")
	}
	return f.forms[len(f.forms)-1]
}

// loopbackOnly is the azcore transport of every test: it fails (and fails the
// test) for any request not addressed to the fake authority.
type loopbackOnly struct {
	t    *testing.T
	host string
	next *http.Client
}

func (l loopbackOnly) Do(r *http.Request) (*http.Response, error) {
	if r.URL.Host != l.host {
		l.t.Errorf("request to %s escaped the loopback server", r.URL.Redacted())
		return nil, fmt.Errorf("test transport: refusing %s", r.URL.Host)
	}
	return l.next.Do(r)
}

// azureOpts returns options pointing at srv with env as the whole environment.
func azureOpts(t *testing.T, srv *fakeEntra, env map[string]string, scope string) AzureOptions {
	// Regional authorities would make MSAL contact other hosts (and IMDS for
	// auto-detection); azidentity reads this one from the process environment.
	// The managed identity variables are read by MSAL itself; clear them so
	// the process environment cannot influence the selection tests.
	for _, k := range []string{"AZURE_REGIONAL_AUTHORITY_NAME", "AZURE_AUTHORITY_HOST", "IDENTITY_ENDPOINT", "IDENTITY_HEADER",
		"IDENTITY_SERVER_THUMBPRINT", "MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT"} {
		t.Setenv(k, "")
	}
	o := AzureOptions{
		Scope:                    scope,
		DisableInstanceDiscovery: true,
		Env: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
	}
	if srv != nil {
		u, _ := url.Parse(srv.URL)
		o.ClientOptions = azcore.ClientOptions{
			Cloud:     cloud.Configuration{ActiveDirectoryAuthorityHost: srv.URL + "/"},
			Transport: loopbackOnly{t: t, host: u.Host, next: srv.Client()},
		}
		o.ClientOptions.Retry.MaxRetries = -1
	} else {
		o.ClientOptions.Transport = loopbackOnly{t: t, host: "127.0.0.1:1", next: http.DefaultClient}
	}
	return o
}

// testCert returns a self-signed RSA certificate and key as PEM, plus the certificate.
func testCert(t *testing.T) ([]byte, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "copilotconf test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pk8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	out := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	out = append(out, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk8})...)
	return out, cert
}

// verifyAssertion checks the client assertion MSAL signed with cert's key.
func verifyAssertion(t *testing.T, jwt string, cert *x509.Certificate, tokenURL string) {
	t.Helper()
	parts := strings.Split(jwt, ".")
	if len(parts) != 3 {
		t.Fatalf("client_assertion is not a JWS: %q", jwt)
	}
	var hdr map[string]any
	var claims map[string]any
	for i, v := range []any{&hdr, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatal(err)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		t.Fatal(err)
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	pub := cert.PublicKey.(*rsa.PublicKey)
	switch hdr["alg"] {
	case "PS256":
		err = rsa.VerifyPSS(pub, crypto.SHA256, digest[:], sig, nil)
	case "RS256":
		err = rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig)
	default:
		t.Fatalf("unexpected alg %v", hdr["alg"])
	}
	if err != nil {
		t.Errorf("client assertion signature does not verify with the test certificate: %v", err)
	}
	if claims["iss"] != azClient || claims["sub"] != azClient || claims["aud"] != tokenURL {
		t.Errorf("assertion claims = %v", claims)
	}
}

func TestAzureTokenFlows(t *testing.T) {
	certPEM, cert := testCert(t)
	dir := t.TempDir()
	certPath := writeFile(t, dir, "cert.pem", string(certPEM))
	fedPath := writeFile(t, dir, "federated", "federated-jwt-canary\n")
	base := map[string]string{"AZURE_TENANT_ID": azTenant, "AZURE_CLIENT_ID": azClient}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		name      string
		env       map[string]string
		scope     string
		wantScope string
		describe  string
		check     func(t *testing.T, form url.Values, tokenURL string)
	}{
		{
			name: "client secret", env: with("AZURE_CLIENT_SECRET", azSecret),
			wantScope: DefaultAzureScope, describe: "Entra ID (client secret, tenant " + azTenant,
			check: func(t *testing.T, form url.Values, _ string) {
				if form.Get("client_secret") != azSecret {
					t.Errorf("client_secret = %q", form.Get("client_secret"))
				}
			},
		},
		{
			name: "client secret custom scope", env: with("AZURE_CLIENT_SECRET", azSecret),
			scope: "api://harness/.default", wantScope: "api://harness/.default", describe: "client secret",
		},
		{
			name: "client certificate", env: with("AZURE_CLIENT_CERTIFICATE_PATH", certPath),
			wantScope: DefaultAzureScope, describe: "Entra ID (client certificate " + certPath,
			check: func(t *testing.T, form url.Values, tokenURL string) {
				if form.Get("client_assertion_type") != assertType {
					t.Errorf("client_assertion_type = %q", form.Get("client_assertion_type"))
				}
				verifyAssertion(t, form.Get("client_assertion"), cert, tokenURL)
			},
		},
		{
			name: "workload identity", env: with("AZURE_FEDERATED_TOKEN_FILE", fedPath),
			scope: "https://graph.microsoft.com/.default", wantScope: DefaultAzureScope,
			describe: "Entra ID (workload identity federation, token file " + fedPath,
			check: func(t *testing.T, form url.Values, _ string) {
				if form.Get("client_assertion_type") != assertType {
					t.Errorf("client_assertion_type = %q", form.Get("client_assertion_type"))
				}
				if form.Get("client_assertion") != "federated-jwt-canary" {
					t.Errorf("client_assertion = %q, want the federated token file's content", form.Get("client_assertion"))
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newFakeEntra(t)
			c, err := Azure(azureOpts(t, srv, tt.env, tt.scope))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(c.Describe(), tt.describe) || !strings.Contains(c.Describe(), "authority "+srv.URL) {
				t.Errorf("Describe() = %q, want it to contain %q", c.Describe(), tt.describe)
			}
			ctx := context.Background()
			expectOneRequestForConcurrentCalls(t, c, "entra-token-1", srv.tokens.Load)
			form := srv.lastForm(t)
			if form.Get("grant_type") != "client_credentials" || form.Get("client_id") != azClient {
				t.Errorf("grant_type = %q, client_id = %q", form.Get("grant_type"), form.Get("client_id"))
			}
			// MSAL appends "openid offline_access profile" to the requested scope.
			if s := strings.Fields(form.Get("scope")); len(s) == 0 || s[0] != tt.wantScope {
				t.Errorf("scope = %q, want %q first", form.Get("scope"), tt.wantScope)
			}
			if tt.check != nil {
				tt.check(t, form, srv.URL+"/"+azTenant+"/oauth2/v2.0/token")
			}

			if !c.Invalidate("entra-token-1") {
				t.Error("Invalidate() = false, want true")
			}
			if tok, err := c.Token(ctx); err != nil || tok != "entra-token-2" {
				t.Errorf("Token() after Invalidate = %q, %v; want entra-token-2", tok, err)
			}
			if !c.Invalidate("entra-token-1") {
				t.Error("Invalidate(stale) = false, want true (a different token is cached)")
			}
			if tok, _ := c.Token(ctx); tok != "entra-token-2" {
				t.Errorf("Invalidate(stale) dropped the current token: %q", tok)
			}
			secrets := c.Secrets()
			for _, s := range []string{"entra-token-1", "entra-token-2"} {
				if !contains(secrets, s) {
					t.Errorf("Secrets() = %q, missing %q", secrets, s)
				}
			}
			if tt.env["AZURE_CLIENT_SECRET"] != "" && !contains(secrets, azSecret) {
				t.Errorf("Secrets() = %q, missing the client secret", secrets)
			}
			assertNoSecret(t, "Describe", c.Describe(), secrets...)
		})
	}
}

func TestAzureRefreshBeforeExpiry(t *testing.T) {
	srv := newFakeEntra(t)
	// A 60s token: MSAL (5-minute margin) does not serve it from its cache,
	// so every refresh of ours reaches the server. Ours reuses it for half its life.
	srv.expiresIn.Store(60)
	env := map[string]string{"AZURE_TENANT_ID": azTenant, "AZURE_CLIENT_ID": azClient, "AZURE_CLIENT_SECRET": azSecret}
	cr, err := Azure(azureOpts(t, srv, env, ""))
	if err != nil {
		t.Fatal(err)
	}
	c := cr.(*azureCreds)
	clk := &fakeClock{}
	c.now = clk.now
	ctx := context.Background()
	for range 3 {
		if tok, err := c.Token(ctx); err != nil || tok != "entra-token-1" {
			t.Fatalf("Token() = %q, %v", tok, err)
		}
	}
	clk.advance(31 * time.Second)
	if tok, err := c.Token(ctx); err != nil || tok != "entra-token-2" {
		t.Fatalf("Token() near expiry = %q, %v; want entra-token-2", tok, err)
	}
	// A long-lived token is refreshed five minutes before expiry.
	srv.expiresIn.Store(3600)
	c.Invalidate("entra-token-2")
	if tok, _ := c.Token(ctx); tok != "entra-token-3" {
		t.Fatalf("Token() = %q, want entra-token-3", tok)
	}
	if !c.tok.refreshAt.Before(c.tok.expiry.Add(-azureEarlyExpiry+time.Second)) || c.tok.refreshAt.Before(c.tok.expiry.Add(-azureEarlyExpiry-time.Second)) {
		t.Errorf("refreshAt = %v, want 5 minutes before expiry %v", c.tok.refreshAt, c.tok.expiry)
	}
	if n := srv.tokens.Load(); n != 3 {
		t.Errorf("%d token requests, want 3", n)
	}
}

func TestAzureAuthError(t *testing.T) {
	srv := newFakeEntra(t)
	srv.status.Store(http.StatusUnauthorized)
	env := map[string]string{"AZURE_TENANT_ID": azTenant, "AZURE_CLIENT_ID": azClient, "AZURE_CLIENT_SECRET": azSecret}
	c, err := Azure(azureOpts(t, srv, env, ""))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := c.Token(context.Background())
	if err == nil {
		t.Fatalf("Token() = %q, want error", tok)
	}
	if !strings.Contains(err.Error(), "Entra ID (client secret") || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("error lacks context: %v", err)
	}
	assertNoSecret(t, "error", err.Error(), azSecret)
	if !strings.Contains(err.Error(), redactedText) {
		t.Errorf("echoed secret not replaced by %s: %v", redactedText, err)
	}
}

func TestAzureSelection(t *testing.T) {
	certPEM, _ := testCert(t)
	dir := t.TempDir()
	certPath := writeFile(t, dir, "cert.pem", string(certPEM))
	ids := map[string]string{"AZURE_TENANT_ID": azTenant, "AZURE_CLIENT_ID": azClient}
	env := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	plus := func(m map[string]string, kv ...string) map[string]string {
		out := env(kv...)
		for k, v := range m {
			out[k] = v
		}
		return out
	}
	tests := []struct {
		name     string
		env      map[string]string
		kind     azureKind
		describe string // exact
		wantErr  string
	}{
		{name: "secret wins over everything", env: plus(ids, "AZURE_CLIENT_SECRET", azSecret, "AZURE_CLIENT_CERTIFICATE_PATH", certPath, "AZURE_FEDERATED_TOKEN_FILE", "/f", "AZURE_USE_MANAGED_IDENTITY", "true"),
			kind: azureClientSecret, describe: "Entra ID (client secret, tenant " + azTenant + ", client " + azClient + ")"},
		{name: "certificate before federation", env: plus(ids, "AZURE_CLIENT_CERTIFICATE_PATH", certPath, "AZURE_FEDERATED_TOKEN_FILE", "/f"),
			kind: azureClientCertificate, describe: "Entra ID (client certificate " + certPath + ", tenant " + azTenant + ", client " + azClient + ")"},
		{name: "federation before managed identity", env: plus(ids, "AZURE_FEDERATED_TOKEN_FILE", "/var/run/token", "IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"),
			kind: azureWorkloadIdentity, describe: "Entra ID (workload identity federation, token file /var/run/token, tenant " + azTenant + ", client " + azClient + ")"},
		{name: "managed identity requested", env: env("AZURE_USE_MANAGED_IDENTITY", "true"),
			kind: azureManagedIdentity, describe: "Entra ID (managed identity, system-assigned)"},
		{name: "managed identity user-assigned", env: plus(ids, "AZURE_USE_MANAGED_IDENTITY", "1"),
			kind: azureManagedIdentity, describe: "Entra ID (managed identity, user-assigned client " + azClient + ")"},
		{name: "managed identity by IDENTITY_ENDPOINT", env: env("IDENTITY_ENDPOINT", "http://127.0.0.1:1/msi"),
			kind: azureManagedIdentity, describe: "Entra ID (managed identity, system-assigned)"},
		{name: "managed identity by MSI_ENDPOINT", env: env("MSI_ENDPOINT", "http://127.0.0.1:1/msi"),
			kind: azureManagedIdentity, describe: "Entra ID (managed identity, system-assigned)"},
		{name: "managed identity disabled", env: env("AZURE_USE_MANAGED_IDENTITY", "false"),
			kind: azureCLI, describe: "Entra ID (Azure CLI)"},
		{name: "CLI by default", env: env(), kind: azureCLI, describe: "Entra ID (Azure CLI)"},
		{name: "CLI with tenant", env: env("AZURE_TENANT_ID", azTenant), kind: azureCLI, describe: "Entra ID (Azure CLI, tenant " + azTenant + ")"},
		{name: "authority host from env", env: plus(ids, "AZURE_CLIENT_SECRET", azSecret, "AZURE_AUTHORITY_HOST", "https://login.example.test/"),
			kind: azureClientSecret, describe: "Entra ID (client secret, tenant " + azTenant + ", client " + azClient + ", authority https://login.example.test/)"},
		{name: "secret without tenant", env: env("AZURE_CLIENT_SECRET", azSecret, "AZURE_CLIENT_ID", azClient), wantErr: "AZURE_CLIENT_SECRET is set but AZURE_TENANT_ID missing"},
		{name: "secret without ids", env: env("AZURE_CLIENT_SECRET", azSecret), wantErr: "AZURE_TENANT_ID and AZURE_CLIENT_ID missing"},
		{name: "certificate without client", env: env("AZURE_CLIENT_CERTIFICATE_PATH", certPath, "AZURE_TENANT_ID", azTenant), wantErr: "AZURE_CLIENT_ID missing"},
		{name: "federation without ids", env: env("AZURE_FEDERATED_TOKEN_FILE", "/f"), wantErr: "AZURE_FEDERATED_TOKEN_FILE is set"},
		{name: "certificate missing", env: plus(ids, "AZURE_CLIENT_CERTIFICATE_PATH", dir+"/none.pem"), wantErr: "reading client certificate"},
		{name: "certificate garbage", env: plus(ids, "AZURE_CLIENT_CERTIFICATE_PATH", writeFile(t, dir, "bad.pem", "not a cert"), "AZURE_CLIENT_CERTIFICATE_PASSWORD", "pw-canary"), wantErr: "parsing client certificate"},
		{name: "invalid tenant", env: env("AZURE_CLIENT_SECRET", azSecret, "AZURE_CLIENT_ID", azClient, "AZURE_TENANT_ID", "bad tenant!"), wantErr: "Entra ID (client secret"},
		{name: "bad managed identity flag", env: env("AZURE_USE_MANAGED_IDENTITY", "yes please"), wantErr: "AZURE_USE_MANAGED_IDENTITY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// No server: nothing here may send a request (the transport would fail the test).
			c, err := Azure(azureOpts(t, nil, tt.env, ""))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				assertNoSecret(t, "error", err.Error(), azSecret, "pw-canary")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			ac := c.(*azureCreds)
			if ac.kind != tt.kind || c.Describe() != tt.describe {
				t.Errorf("kind %d, Describe() = %q; want kind %d, %q", ac.kind, c.Describe(), tt.kind, tt.describe)
			}
			assertNoSecret(t, "Describe", c.Describe(), azSecret)
			// Invalidate never sends anything; it reports whether a new token can be expected.
			if got, want := c.Invalidate("x"), tt.kind.renews(); got != want {
				t.Errorf("Invalidate() = %v, want %v", got, want)
			}
			if tt.kind >= azureManagedIdentity && c.Invalidate("x") {
				t.Error("Invalidate() = true for a source that hands back its cached token")
			}
		})
	}
}
