package httpclient

import (
	"context"
	"errors"
	"fmt"
	"net"
	"sync"
)

// ErrTargetUnhealthy is the error of a request the client refused because the target failed
// at the transport level too many times in a row (Config.MaxTransportFailures).
var ErrTargetUnhealthy = errors.New("the target is unhealthy")

// breaker opens after limit consecutive exchanges ended in a transport failure: no response
// (timeout, reset, refused), a body that could not be read or decompressed, or one over the
// size cap. Any HTTP answer read whole, whatever its status, closes the count.
type breaker struct {
	limit int
	mu    sync.Mutex
	run   int   // consecutive transport failures
	last  error // the last of them
	open  bool
}

// refuse returns why no request may be sent any more, or nil.
func (b *breaker) refuse() error {
	if b == nil || b.limit <= 0 {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return nil
	}
	return b.reason()
}

func (b *breaker) reason() error {
	return fmt.Errorf("%w: %d exchanges in a row failed at the transport level (--max-transport-failures); the last: %v", ErrTargetUnhealthy, b.run, b.last)
}

// observe counts an exchange that was sent.
func (b *breaker) observe(ex *Exchange) {
	if b == nil || b.limit <= 0 || len(ex.Attempts) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.open:
		// Requests in flight when it opened end as they may; the reason stays the failures
		// that opened it.
	case isTransportFailure(ex):
		b.run++
		b.last = ex.Err
		if b.run >= b.limit {
			b.open = true
		}
	case ex.Status != 0 && ex.Err == nil:
		b.run = 0
	}
}

// isTransportFailure reports whether the exchange ended without a whole HTTP answer for a
// reason on the target's side (not the run's own cancellation, not throttling).
func isTransportFailure(ex *Exchange) bool {
	if ex.Err == nil || ex.Throttled || errors.Is(ex.Err, context.Canceled) {
		return false
	}
	return ex.Status == 0 || ex.Truncated || errors.Is(ex.Err, ErrBodyTooLarge) || isReadError(ex.Err)
}

// isReadError reports whether err came from reading or decoding a response body.
func isReadError(err error) bool {
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, errBodyRead)
}

// errBodyRead marks an error while reading a response body.
var errBodyRead = errors.New("read response body")

// Unhealthy returns why the client stopped sending requests, or nil while it sends them.
func (c *Client) Unhealthy() error {
	if c == nil {
		return nil
	}
	return c.breaker.refuse()
}

// isTimeout reports whether an attempt ended because its own time limit ran out.
func isTimeout(err error) bool {
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout())
}
