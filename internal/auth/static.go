package auth

import (
	"context"
	"errors"
)

var errEmptyStatic = errors.New("static token is empty (pass no Credentials for unauthenticated requests)")

type staticCreds struct{ token string }

// Static returns a source that always supplies token. Invalidate returns
// false: there is nothing else to send. Token fails when token is empty.
func Static(token string) Credentials { return staticCreds{token: token} }

func (s staticCreds) Token(context.Context) (string, error) {
	if s.token == "" {
		return "", errEmptyStatic
	}
	return s.token, nil
}

func (staticCreds) Invalidate(string) bool { return false }

func (s staticCreds) Secrets() []string {
	if s.token == "" {
		return nil
	}
	return []string{s.token}
}

func (staticCreds) Describe() string { return "static token" }
