package auth

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestStatic(t *testing.T) {
	tests := []struct {
		token   string
		wantErr bool
	}{
		{token: "abc.def"},
		{token: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			c := Static(tt.token)
			got, err := c.Token(context.Background())
			if (err != nil) != tt.wantErr {
				t.Fatalf("Token() error = %v, wantErr %v", err, tt.wantErr)
			}
			if !tt.wantErr && got != tt.token {
				t.Errorf("Token() = %q, want %q", got, tt.token)
			}
			if c.Invalidate(tt.token) {
				t.Error("Invalidate() = true, want false")
			}
			if tt.token != "" && !contains(c.Secrets(), tt.token) {
				t.Errorf("Secrets() = %q, want it to contain the token", c.Secrets())
			}
			if d := c.Describe(); d != "static token" {
				t.Errorf("Describe() = %q", d)
			}
			assertNoSecret(t, "Describe", c.Describe(), tt.token)
		})
	}
}

func TestTokenFile(t *testing.T) {
	const secret = "tok-1-canary"
	tests := []struct {
		name     string
		content  *string // nil: file missing
		rewrite  *string // nil: leave the file alone before Invalidate
		want     string
		wantErr  string
		wantInv  bool
		wantNext string
	}{
		{name: "trim", content: ptr("  " + secret + "\n"), want: secret, wantNext: secret},
		{name: "empty", content: ptr(" \n\t"), wantErr: "is empty"},
		{name: "missing", wantErr: "reading token file"},
		{name: "unchanged", content: ptr(secret), rewrite: ptr(secret + "\n"), want: secret, wantNext: secret},
		{name: "changed", content: ptr(secret), rewrite: ptr("tok-2\n"), want: secret, wantInv: true, wantNext: "tok-2"},
		{name: "emptied", content: ptr(secret), rewrite: ptr(""), want: secret, wantNext: secret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "token")
			if tt.content != nil {
				writeFile(t, dir, "token", *tt.content)
			}
			c, err := TokenFile(path)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("TokenFile() error = %v, want %q", err, tt.wantErr)
				}
				if tt.content != nil {
					assertNoSecret(t, "error", err.Error(), strings.TrimSpace(*tt.content))
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				if got, err := c.Token(context.Background()); err != nil || got != tt.want {
					t.Fatalf("Token() = %q, %v; want %q", got, err, tt.want)
				}
			}
			if tt.rewrite != nil {
				writeFile(t, dir, "token", *tt.rewrite)
			}
			if got := c.Invalidate(tt.want); got != tt.wantInv {
				t.Errorf("Invalidate() = %v, want %v", got, tt.wantInv)
			}
			if got, _ := c.Token(context.Background()); got != tt.wantNext {
				t.Errorf("Token() after Invalidate = %q, want %q", got, tt.wantNext)
			}
			for _, s := range []string{tt.want, tt.wantNext} {
				if !contains(c.Secrets(), s) {
					t.Errorf("Secrets() = %q, missing %q", c.Secrets(), s)
				}
			}
			if want := "token file " + path; c.Describe() != want {
				t.Errorf("Describe() = %q, want %q", c.Describe(), want)
			}
			assertNoSecret(t, "Describe", c.Describe(), tt.want, tt.wantNext)
		})
	}
}

func TestTokenFileNoRereadAndConcurrent(t *testing.T) {
	dir := t.TempDir()
	path := writeFile(t, dir, "token", "a")
	c, err := TokenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "token", "b")
	if got, _ := c.Token(context.Background()); got != "a" {
		t.Fatalf("Token() re-read the file: %q", got)
	}
	if !c.Invalidate("stale") {
		t.Error("Invalidate(stale token) = false, want true: the cached token differs")
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			tok, _ := c.Token(context.Background())
			c.Invalidate(tok)
			_ = c.Secrets()
		})
	}
	wg.Wait()
	if got, _ := c.Token(context.Background()); got != "b" {
		t.Errorf("Token() = %q, want b", got)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if c.Invalidate("b") {
		t.Error("Invalidate() with the file gone = true, want false")
	}
	if got, _ := c.Token(context.Background()); got != "b" {
		t.Errorf("Token() after failed re-read = %q, want the cached b", got)
	}
}

func ptr(s string) *string { return &s }
