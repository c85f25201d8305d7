// Package testservers holds loopback servers that misbehave the way real targets do, for the
// tests of more than one package.
package testservers

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// EarlyRefusal starts a plain TCP server on 127.0.0.1 that answers every POST with 413 after
// reading the request head and 64 KiB of the body, then closes the socket with the rest unread,
// so that the kernel resets the connection under the client's upload (as proxies and some
// servers do). A request that asks first ("Expect: 100-continue") gets the 413 before it sends
// the body. A GET is answered 200 with an empty collection. It returns the server's base URL.
func EarlyRefusal(tb testing.TB) string {
	tb.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go refuse(conn)
		}
	}()
	return "http://" + ln.Addr().String()
}

func refuse(conn net.Conn) {
	defer conn.Close() // with the upload unread: the kernel resets the connection
	br := bufio.NewReader(conn)
	req, err := http.ReadRequest(br)
	if err != nil {
		return
	}
	status, body := "413 Request Entity Too Large", `{"error":{"code":"requestEntityTooLarge","message":"The request is too large."}}`
	switch {
	case req.Method == http.MethodGet:
		status, body = "200 OK", `{"value":[]}`
	case req.Header.Get("Expect") != "100-continue":
		_, _ = io.CopyN(io.Discard, br, 64<<10)
	}
	fmt.Fprintf(conn, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", status, len(body), body)
}

// Loopback serves h on 127.0.0.1 (never another address) until the test ends, and returns its
// base URL.
func Loopback(tb testing.TB, h http.Handler) string {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// Chromium finds Debian's Chromium (or COPILOTCONF_CHROMIUM) for the tests that need a real
// browser. Under CI a missing browser fails the test (.ci/run installs it); elsewhere it skips.
func Chromium(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("COPILOTCONF_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		tb.Fatal("Chromium is not installed; .ci/run installs Debian's chromium package")
	}
	tb.Skip("Chromium is not installed (apt-get install -y chromium); the browser tests run in CI")
	return ""
}

// ChromiumContext starts headless Chromium (see Chromium) with a fresh profile, quiet about
// the network beyond the page, and returns a browser context that ends after timeout or with
// the test. extra adds allocator options (a window size).
func ChromiumContext(tb testing.TB, timeout time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	tb.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(Chromium(tb)),
		chromedp.UserDataDir(filepath.Join(tb.TempDir(), "profile")),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	tb.Cleanup(func() { cancel(); cancelCtx(); cancelAlloc() })
	return ctx
}
