package auth

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azpolicy "github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// DefaultAzureScope is the scope Azure requests when AzureOptions.Scope is empty.
const DefaultAzureScope = "https://graph.microsoft.com/.default"

// azureEarlyExpiry is how long before expiry an Entra token is refreshed
// (the same margin MSAL applies to its own cache).
const azureEarlyExpiry = 5 * time.Minute

// AzureOptions configures Azure.
type AzureOptions struct {
	Scope                    string                      // default "https://graph.microsoft.com/.default"
	ClientOptions            azcore.ClientOptions        // tests inject Cloud (authority host) and Transport
	DisableInstanceDiscovery bool                        // skip Entra instance metadata discovery (private clouds, tests)
	Env                      func(string) (string, bool) // nil = os.LookupEnv
}

// The environment variables Azure reads.
const (
	envTenantID           = "AZURE_TENANT_ID"
	envClientID           = "AZURE_CLIENT_ID"
	envClientSecret       = "AZURE_CLIENT_SECRET"
	envCertPath           = "AZURE_CLIENT_CERTIFICATE_PATH"
	envCertPassword       = "AZURE_CLIENT_CERTIFICATE_PASSWORD"
	envSendCertChain      = "AZURE_CLIENT_SEND_CERTIFICATE_CHAIN"
	envFederatedTokenFile = "AZURE_FEDERATED_TOKEN_FILE"
	envUseManagedIdentity = "AZURE_USE_MANAGED_IDENTITY"
	envIdentityEndpoint   = "IDENTITY_ENDPOINT"
	envMSIEndpoint        = "MSI_ENDPOINT"
	envAuthorityHost      = "AZURE_AUTHORITY_HOST"
)

type azureKind int

const (
	azureClientSecret azureKind = iota
	azureClientCertificate
	azureWorkloadIdentity
	azureManagedIdentity
	azureCLI
)

// renews reports whether asking this kind of credential again (with a fresh
// in-memory cache) yields a newly issued token. Managed identity endpoints and
// the Azure CLI keep their own caches outside this process, so they usually
// answer with the same token until it nears expiry.
func (k azureKind) renews() bool { return k <= azureWorkloadIdentity }

type azureCreds struct {
	tokenCache // secrets: client secret / certificate password / federated token, then every token issued
	kind       azureKind
	scope      string
	build      func() (azcore.TokenCredential, error)
	cred       azcore.TokenCredential // guarded by mu; nil after Invalidate: rebuilt (empty MSAL cache) on the next Token
}

// Azure returns a Microsoft Entra ID source built from the standard AZURE_*
// environment variables (read through opts.Env), choosing the first that
// applies:
//
//  1. client secret: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET;
//  2. client certificate: AZURE_CLIENT_CERTIFICATE_PATH (PEM or PKCS#12), optional
//     AZURE_CLIENT_CERTIFICATE_PASSWORD and AZURE_CLIENT_SEND_CERTIFICATE_CHAIN, with tenant and client ID;
//  3. workload identity federation: AZURE_FEDERATED_TOKEN_FILE (re-read for every
//     assertion), AZURE_TENANT_ID, AZURE_CLIENT_ID;
//  4. managed identity, only when AZURE_USE_MANAGED_IDENTITY is true or
//     IDENTITY_ENDPOINT / MSI_ENDPOINT is set; AZURE_CLIENT_ID selects a
//     user-assigned identity. (azidentity itself detects which managed identity
//     endpoint to call from the process environment.)
//  5. otherwise the Azure CLI (`az account get-access-token`), in AZURE_TENANT_ID when set.
//
// AZURE_AUTHORITY_HOST is used when opts.ClientOptions.Cloud is zero.
// Tokens are cached and refreshed when less than five minutes remain (or at
// the token's refresh time). See Invalidate for what a 401 can change.
func Azure(opts AzureOptions) (Credentials, error) {
	lookup := opts.Env
	if lookup == nil {
		lookup = os.LookupEnv
	}
	get := func(k string) string { v, _ := lookup(k); return strings.TrimSpace(v) }
	raw := func(k string) string { v, _ := lookup(k); return v } // secrets: not trimmed

	scope := strings.TrimSpace(opts.Scope)
	if scope == "" {
		scope = DefaultAzureScope
	}
	co := opts.ClientOptions
	if co.Cloud.ActiveDirectoryAuthorityHost == "" && len(co.Cloud.Services) == 0 {
		// Set the host explicitly so azidentity does not read AZURE_AUTHORITY_HOST itself.
		co.Cloud = cloud.AzurePublic
		if h := get(envAuthorityHost); h != "" {
			co.Cloud.ActiveDirectoryAuthorityHost = h
		}
	}
	authority := ""
	if h := co.Cloud.ActiveDirectoryAuthorityHost; h != cloud.AzurePublic.ActiveDirectoryAuthorityHost {
		authority = ", authority " + h
	}

	tenant, clientID := get(envTenantID), get(envClientID)
	need := func(kindVar string) error {
		var missing []string
		for _, k := range []string{envTenantID, envClientID} {
			if get(k) == "" {
				missing = append(missing, k)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("Entra ID: %s is set but %s missing", kindVar, strings.Join(missing, " and "))
		}
		return nil
	}

	c := &azureCreds{scope: scope, tokenCache: tokenCache{now: time.Now, mu: newCtxMutex(), margin: azureEarlyExpiry}}
	useMI, err := managedIdentityRequested(get)
	if err != nil {
		return nil, err
	}
	switch secret, certPath, fedFile := raw(envClientSecret), get(envCertPath), get(envFederatedTokenFile); {
	case secret != "":
		if err := need(envClientSecret); err != nil {
			return nil, err
		}
		c.kind = azureClientSecret
		c.describe = fmt.Sprintf("Entra ID (client secret, tenant %s, client %s%s)", tenant, clientID, authority)
		c.secrets.add(secret)
		o := &azidentity.ClientSecretCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: opts.DisableInstanceDiscovery}
		c.build = func() (azcore.TokenCredential, error) {
			return azidentity.NewClientSecretCredential(tenant, clientID, secret, o)
		}
	case certPath != "":
		if err := need(envCertPath); err != nil {
			return nil, err
		}
		c.kind = azureClientCertificate
		c.describe = fmt.Sprintf("Entra ID (client certificate %s, tenant %s, client %s%s)", certPath, tenant, clientID, authority)
		password := raw(envCertPassword)
		c.secrets.add(password)
		data, err := os.ReadFile(certPath)
		if err != nil {
			return nil, fmt.Errorf("Entra ID: reading client certificate: %w", err)
		}
		certs, key, err := azidentity.ParseCertificates(data, []byte(password))
		if err != nil {
			return nil, redact(fmt.Errorf("Entra ID: parsing client certificate %s: %w", certPath, err), c.secrets.list())
		}
		sendChain, _ := strconv.ParseBool(get(envSendCertChain))
		o := &azidentity.ClientCertificateCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: opts.DisableInstanceDiscovery, SendCertificateChain: sendChain}
		c.build = func() (azcore.TokenCredential, error) {
			return azidentity.NewClientCertificateCredential(tenant, clientID, certs, key, o)
		}
	case fedFile != "":
		if err := need(envFederatedTokenFile); err != nil {
			return nil, err
		}
		c.kind = azureWorkloadIdentity
		c.describe = fmt.Sprintf("Entra ID (workload identity federation, token file %s, tenant %s, client %s%s)", fedFile, tenant, clientID, authority)
		assertion := func(context.Context) (string, error) {
			a, err := readTokenFile(fedFile)
			if err != nil {
				return "", fmt.Errorf("federated token: %w", err)
			}
			c.secrets.add(a)
			return a, nil
		}
		o := &azidentity.ClientAssertionCredentialOptions{ClientOptions: co, DisableInstanceDiscovery: opts.DisableInstanceDiscovery}
		c.build = func() (azcore.TokenCredential, error) {
			return azidentity.NewClientAssertionCredential(tenant, clientID, assertion, o)
		}
	case useMI:
		c.kind = azureManagedIdentity
		o := &azidentity.ManagedIdentityCredentialOptions{ClientOptions: opts.ClientOptions}
		if clientID != "" {
			o.ID = azidentity.ClientID(clientID)
			c.describe = fmt.Sprintf("Entra ID (managed identity, user-assigned client %s)", clientID)
		} else {
			c.describe = "Entra ID (managed identity, system-assigned)"
		}
		c.build = func() (azcore.TokenCredential, error) { return azidentity.NewManagedIdentityCredential(o) }
	default:
		c.kind = azureCLI
		o := &azidentity.AzureCLICredentialOptions{TenantID: tenant}
		c.describe = "Entra ID (Azure CLI)"
		if tenant != "" {
			c.describe = fmt.Sprintf("Entra ID (Azure CLI, tenant %s)", tenant)
		}
		c.build = func() (azcore.TokenCredential, error) { return azidentity.NewAzureCLICredential(o) }
	}
	// Build once now so configuration errors surface at startup. This sends nothing.
	cred, err := c.build()
	if err != nil {
		return nil, redact(fmt.Errorf("%s: %w", c.describe, err), c.secrets.list())
	}
	c.cred = cred
	return c, nil
}

// managedIdentityRequested reports whether the environment asks for a managed identity.
func managedIdentityRequested(get func(string) string) (bool, error) {
	if get(envIdentityEndpoint) != "" || get(envMSIEndpoint) != "" {
		return true, nil
	}
	v := get(envUseManagedIdentity)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("Entra ID: %s=%q is not a boolean", envUseManagedIdentity, v)
	}
	return b, nil
}

func (c *azureCreds) Token(ctx context.Context) (string, error) { return c.get(ctx, c.fetch) }

// fetch asks azidentity for a token; c.mu is held.
func (c *azureCreds) fetch(ctx context.Context) (issued, error) {
	if c.cred == nil {
		cred, err := c.build()
		if err != nil {
			return issued{}, err
		}
		c.cred = cred
	}
	at, err := c.cred.GetToken(ctx, azpolicy.TokenRequestOptions{Scopes: []string{c.scope}})
	return issued{token: at.Token, expiry: at.ExpiresOn, refreshOn: at.RefreshOn}, err
}

// Invalidate forgets the cached token when it is token and drops the
// azidentity credential (and with it MSAL's in-memory token cache), so the
// next Token call really asks the issuer again.
//
// For client secret, client certificate and workload identity federation,
// Entra ID issues a new token for every request, so Invalidate returns true.
// A managed identity endpoint and the Azure CLI keep their own caches outside
// this process and normally hand back the same token until it nears expiry,
// so Invalidate returns false for them (unless a different token is already
// cached), even though the next Token call does ask again.
func (c *azureCreds) Invalidate(token string) bool {
	c.mu.lock()
	defer c.mu.unlock()
	if c.tok.token != "" && c.tok.token != token {
		return true // already replaced
	}
	c.tok = cached{}
	c.cred = nil
	return c.kind.renews()
}

func (c *azureCreds) Secrets() []string { return c.secrets.list() }

func (c *azureCreds) Describe() string { return c.describe }
