package auth

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
)

type tokenFileCreds struct {
	path    string
	secrets secretSet // every token read so far

	mu    sync.Mutex
	token string
}

// TokenFile returns a source that reads a bearer token from path (surrounding
// whitespace trimmed) once and caches it. Token never re-reads the file;
// Invalidate does, and returns true when its content changed (an external
// process rotated the token). It fails if the file can't be read or is empty.
func TokenFile(path string) (Credentials, error) {
	if path == "" {
		return nil, fmt.Errorf("token file: no path given")
	}
	tok, err := readTokenFile(path)
	if err != nil {
		return nil, err
	}
	c := &tokenFileCreds{path: path, token: tok}
	c.secrets.add(tok)
	return c, nil
}

// readTokenFile reads and trims path. Errors name the path, never the content.
func readTokenFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading token file: %w", err)
	}
	tok := strings.TrimSpace(string(b))
	if tok == "" {
		return "", fmt.Errorf("token file %s is empty", path)
	}
	return tok, nil
}

func (c *tokenFileCreds) Token(context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token, nil
}

// Invalidate re-reads the file. It returns true when the cached token already
// differs from token or the file now holds a different token; false when the
// file is unchanged, unreadable or empty (the cached token is kept).
func (c *tokenFileCreds) Invalidate(token string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != token {
		return true
	}
	tok, err := readTokenFile(c.path)
	if err != nil || tok == c.token {
		return false
	}
	c.token = tok
	c.secrets.add(tok)
	return true
}

func (c *tokenFileCreds) Secrets() []string { return c.secrets.list() }

func (c *tokenFileCreds) Describe() string { return "token file " + c.path }
