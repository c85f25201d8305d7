package httpclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Concurrent POSTs keep the write budget exact: only as many objects are created as allowed,
// and a POST the target rejects does not cost a write, as in a serial run.
func TestWriteBudgetHoldsForConcurrentPosts(t *testing.T) {
	var created, seen atomic.Int64
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		time.Sleep(20 * time.Millisecond)
		if r.URL.Path == "/reject" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		created.Add(1)
		w.WriteHeader(http.StatusCreated)
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, MaxWrites: 3})
	var wg sync.WaitGroup
	var refused atomic.Int64
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/create"
			if i%3 == 0 {
				path = "/reject"
			}
			ex := c.Do(context.Background(), Request{Method: http.MethodPost, Path: path, Body: []byte(`{}`)})
			if errors.Is(ex.Err, ErrWriteBudget) {
				refused.Add(1)
			}
		}()
	}
	wg.Wait()
	if created.Load() != 3 || c.Stats().Writes != 3 {
		t.Errorf("created %d objects (Stats().Writes %d), want exactly 3", created.Load(), c.Stats().Writes)
	}
	if seen.Load()+refused.Load() != 12 {
		t.Errorf("%d POSTs reached the target and %d were refused, want 12 in all", seen.Load(), refused.Load())
	}
}

// A Retry-After given to one request holds back the requests that others send meanwhile.
func TestRetryAfterPausesEveryRequest(t *testing.T) {
	var throttledOnce atomic.Bool
	var mu sync.Mutex
	arrivals := map[string]time.Time{}
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/busy" && throttledOnce.CompareAndSwap(false, true) {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		mu.Lock()
		arrivals[r.URL.Path] = time.Now()
		mu.Unlock()
	})
	c, err := New(Config{BaseURL: srv.URL, Transport: loopbackTransport()}) // real sleeps
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if ex := c.Do(context.Background(), Request{Path: "/warm"}); ex.Status != 200 {
		t.Fatalf("warm-up: %d %v", ex.Status, ex.Err)
	}
	done := make(chan *Exchange)
	go func() { done <- c.Do(context.Background(), Request{Path: "/busy"}) }()
	for !throttledOnce.Load() {
		time.Sleep(time.Millisecond)
	}
	time.Sleep(50 * time.Millisecond) // the 429 has been read and the pause set
	other := c.Do(context.Background(), Request{Path: "/other"})
	busy := <-done
	if other.Status != 200 || busy.Status != 200 {
		t.Fatalf("statuses: other %d (%v), busy %d (%v)", other.Status, other.Err, busy.Status, busy.Err)
	}
	mu.Lock()
	defer mu.Unlock()
	if waited := arrivals["/other"].Sub(start); waited < 900*time.Millisecond {
		t.Errorf("a request sent during the 1 s Retry-After reached the target after %s", waited)
	}
}

func TestStatsPeakInFlight(t *testing.T) {
	release := make(chan struct{})
	var arrived sync.WaitGroup
	arrived.Add(4)
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		arrived.Done()
		<-release
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() { defer wg.Done(); c.Do(context.Background(), Request{Path: "/"}) }()
	}
	arrived.Wait()
	close(release)
	wg.Wait()
	c.Do(context.Background(), Request{Path: "/"})
	if s := c.Stats(); s.PeakInFlight != 4 || s.Requests != 5 {
		t.Errorf("Stats() = %+v, want 5 requests and a peak of 4 in flight", s)
	}
}

// An exchange travels between processes with what checks read, its errors still recognisable
// and its credentials redacted.
func TestExchangeJSONRoundTrip(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		w.Write([]byte(`{"a":1}`))
	})
	c, _ := newTestClient(t, Config{BaseURL: srv.URL, Token: "s3cret-token-value", MaxTransportFailures: 1})
	ex := c.Do(context.Background(), Request{Method: http.MethodPost, Path: "/x", Body: []byte(`{"b":2}`), Label: "post x"})
	b, err := json.Marshal(ex)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "s3cret-token-value") {
		t.Errorf("the encoded exchange holds the token: %s", b)
	}
	var back Exchange
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Status != http.StatusTeapot || string(back.ResponseBody) != `{"a":1}` || string(back.RequestBody) != `{"b":2}` ||
		back.Label != "post x" || back.Seq != ex.Seq || back.URL != ex.URL || !back.Started.Equal(ex.Started) ||
		back.ResponseHeader.Get("Content-Type") != "application/json" || len(back.Attempts) != 1 {
		t.Errorf("round trip lost fields:\n got %+v\nwant %+v", back, *ex)
	}
	if got := back.RequestHeader.Get("Authorization"); got != "Bearer "+redacted {
		t.Errorf("Authorization travels as %q", got)
	}

	srv.Close()
	down := c.Do(context.Background(), Request{Path: "/x"})
	refused := c.Do(context.Background(), Request{Path: "/x"})
	for _, tc := range []struct {
		ex   *Exchange
		want error
	}{{refused, ErrTargetUnhealthy}} {
		b, _ := json.Marshal(tc.ex)
		var back Exchange
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		if !errors.Is(back.Err, tc.want) || back.Err.Error() != tc.ex.Err.Error() {
			t.Errorf("decoded error %v, want one that is %v with the message %q", back.Err, tc.want, tc.ex.Err)
		}
	}
	if down.Err == nil {
		t.Errorf("a request to a closed server had no error")
	}
}
