package httpclient

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
)

// TestEarlyAnswerToALargeUpload: a server that answers an oversized upload with 413 after
// reading a little of it, and closes the connection, gets the same verdict every time: the
// client sees the 413, never a broken pipe.
func TestEarlyAnswerToALargeUpload(t *testing.T) {
	// A plain TCP server: it reads the request head and 64 KiB of the body, answers 413 and
	// closes the socket with the rest unread, so the kernel resets the connection under the
	// client's upload (as proxies and some servers do).
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func(conn net.Conn) {
				defer conn.Close()
				br := bufio.NewReader(conn)
				req, err := http.ReadRequest(br)
				if err != nil {
					return
				}
				if req.Header.Get("Expect") == "100-continue" {
					// Answer before the body is sent: the client never uploads it.
				} else {
					_, _ = io.CopyN(io.Discard, br, 64<<10)
				}
				body := `{"error":{"code":"requestEntityTooLarge","message":"too large"}}`
				fmt.Fprintf(conn, "HTTP/1.1 413 Request Entity Too Large\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(body), body)
			}(conn)
		}
	}()
	c, _ := newTestClient(t, Config{BaseURL: "http://" + ln.Addr().String(), Transport: loopbackTransport()})
	body := bytes.Repeat([]byte("x"), 5<<20)
	got := map[string]int{}
	for i := 0; i < 50; i++ {
		ex := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: body})
		key := http.StatusText(ex.Status)
		if ex.Status == 0 {
			key = "no response: " + ex.Err.Error()
		}
		got[key]++
	}
	if len(got) != 1 || got[http.StatusText(http.StatusRequestEntityTooLarge)] != 50 {
		t.Errorf("50 uploads to a server that answers 413 early: %v", got)
	}
}
