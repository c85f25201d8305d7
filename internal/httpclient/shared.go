package httpclient

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// The state that concurrent requests of one client share: a pause every request honours after
// the target throttled one of them, the write budget with the writes still in flight, and the
// number of attempts in flight.

// pause holds every attempt back until a time the target asked for (Retry-After on a 429 or
// 503): throttling slows the whole run, not only the request that was told.
type pause struct {
	mu    sync.Mutex
	until time.Time
}

// extend makes every attempt wait at least d from now, and returns the end of the pause.
func (p *pause) extend(d time.Duration) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	if at := time.Now().Add(d); at.After(p.until) {
		p.until = at
	}
	return p.until
}

// wait blocks until the pause is over. A request that has already waited out the pause up to
// waited (the one that was told) only waits for what was added since.
func (p *pause) wait(ctx context.Context, sleep func(context.Context, time.Duration) error, waited time.Time) error {
	p.mu.Lock()
	until := p.until
	p.mu.Unlock()
	if !until.After(waited) {
		return nil
	}
	d := time.Until(until)
	if d <= 0 {
		return nil
	}
	return sleep(ctx, d)
}

// writeBudget keeps --max-writes exact with concurrent POSTs: a POST that could be the one
// over the limit waits for the POSTs in flight to be answered before it is sent or refused.
type writeBudget struct {
	mu      sync.Mutex
	pending int
	changed chan struct{} // closed and replaced whenever a pending write ends
}

// reserve waits until a POST may go, and returns the function that ends the reservation;
// ok is false when the budget is used up (confirmed() already reached max).
func (w *writeBudget) reserve(ctx context.Context, max int, confirmed func() int64) (release func(), ok bool, err error) {
	for {
		w.mu.Lock()
		if confirmed() >= int64(max) {
			w.mu.Unlock()
			return nil, false, nil
		}
		if confirmed()+int64(w.pending) < int64(max) {
			w.pending++
			w.mu.Unlock()
			return w.release, true, nil
		}
		if w.changed == nil {
			w.changed = make(chan struct{})
		}
		ch := w.changed
		w.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, false, ctx.Err()
		}
	}
}

func (w *writeBudget) release() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.pending--
	if w.changed != nil {
		close(w.changed)
		w.changed = nil
	}
}

// inFlight counts the attempts on the wire and the most there ever were at once.
type inFlight struct {
	now, peak atomic.Int64
}

func (f *inFlight) begin() {
	n := f.now.Add(1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

func (f *inFlight) end() { f.now.Add(-1) }

// isThrottleAnswer reports whether an attempt was answered 429 or 503.
func isThrottleAnswer(res attemptResult) bool {
	return res.err == nil && (res.status == http.StatusTooManyRequests || res.status == http.StatusServiceUnavailable)
}
