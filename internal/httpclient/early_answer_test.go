package httpclient

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/copilotconf/copilotconf/internal/testservers"
)

// TestEarlyAnswerToALargeUpload: a server that answers an oversized upload with 413 after
// reading a little of it, and closes the connection, gets the same verdict every time: the
// client sees the 413, never a broken pipe.
func TestEarlyAnswerToALargeUpload(t *testing.T) {
	c, _ := newTestClient(t, Config{BaseURL: testservers.EarlyRefusal(t), Transport: loopbackTransport()})
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
