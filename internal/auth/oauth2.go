package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// OAuth2Options configures OAuth2ClientCredentials.
type OAuth2Options struct {
	TokenURL         string       // absolute https URL (http only to a loopback host)
	ClientID         string       // required
	ClientSecretFile string       // file holding the client secret (trimmed; must not be empty)
	Scopes           []string     // optional
	HTTPClient       *http.Client // optional (tests); nil = a client with a 30s timeout. Redirects are never followed.
}

// oauth2EarlyExpiry is how long before expiry an OAuth2 token is refreshed.
const oauth2EarlyExpiry = time.Minute

const defaultOAuth2Timeout = 30 * time.Second

type oauth2Creds struct {
	tokenCache // secrets: the client secret, then every token issued
	cfg        *clientcredentials.Config
	client     *http.Client
}

// OAuth2ClientCredentials returns a source using the OAuth2 client-credentials
// grant (RFC 6749 §4.4). Tokens are cached and refreshed one minute before
// they expire; Invalidate drops the cached token and returns true.
//
// The token URL must be an absolute https URL; plain http is accepted only
// for a loopback host, so the client secret never crosses a network in clear
// text.
func OAuth2ClientCredentials(opts OAuth2Options) (Credentials, error) {
	u, err := checkTokenURL(opts.TokenURL)
	if err != nil {
		return nil, fmt.Errorf("oauth2 client credentials: %w", err)
	}
	if opts.ClientID == "" {
		return nil, errors.New("oauth2 client credentials: client ID is required")
	}
	if opts.ClientSecretFile == "" {
		return nil, errors.New("oauth2 client credentials: client secret file is required")
	}
	b, err := readSecretFile(opts.ClientSecretFile)
	if err != nil {
		return nil, fmt.Errorf("oauth2 client credentials: %w", err)
	}
	client := &http.Client{Timeout: defaultOAuth2Timeout}
	if opts.HTTPClient != nil {
		cp := *opts.HTTPClient
		client = &cp
	}
	// A token endpoint has no reason to redirect, and following a 307/308
	// would resend the client secret elsewhere.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	c := &oauth2Creds{
		cfg: &clientcredentials.Config{
			ClientID:     opts.ClientID,
			ClientSecret: b,
			TokenURL:     opts.TokenURL,
			Scopes:       append([]string(nil), opts.Scopes...),
		},
		client: client,
		tokenCache: tokenCache{
			describe: fmt.Sprintf("OAuth2 client credentials (client %s, token URL %s)", opts.ClientID, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()),
			now:      time.Now,
			mu:       newCtxMutex(),
			margin:   oauth2EarlyExpiry,
		},
	}
	c.secrets.add(b)
	return c, nil
}

// checkTokenURL accepts absolute https URLs, and http ones to a loopback host.
func checkTokenURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("token URL is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("token URL is not a valid URL")
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("token URL must be an absolute http(s) URL")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("token URL has no host")
	case u.User != nil:
		return nil, errors.New("token URL must not contain user info")
	case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
		return nil, fmt.Errorf("token URL %s://%s uses plain http to a non-loopback host: the client secret must not cross a network in clear text; use https", u.Scheme, u.Host)
	}
	return u, nil
}

// readSecretFile reads and trims a secret. Errors never contain the content.
func readSecretFile(path string) (string, error) {
	b, err := readTokenFile(path)
	if err != nil {
		return "", fmt.Errorf("client secret file: %w", err)
	}
	return b, nil
}

func (c *oauth2Creds) Token(ctx context.Context) (string, error) {
	return c.get(ctx, func(ctx context.Context) (issued, error) {
		tk, err := c.cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, c.client))
		if err != nil {
			return issued{}, err
		}
		return issued{token: tk.AccessToken, refreshToken: tk.RefreshToken, expiry: tk.Expiry}, nil
	})
}

// Invalidate drops the cached token when it is token, so the next Token call
// requests a new one; it always returns true.
func (c *oauth2Creds) Invalidate(token string) bool {
	c.mu.lock()
	defer c.mu.unlock()
	if c.tok.token == token {
		c.tok = cached{}
	}
	return true
}

func (c *oauth2Creds) Secrets() []string { return c.secrets.list() }

func (c *oauth2Creds) Describe() string { return c.describe }
