package mockserver

import (
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Network conditions, for client authors, after Microsoft's Dev Proxy: latency with jitter,
// throttling with 429 and Retry-After, and random 503s. All are off by default.

const (
	codeTooManyRequests    = "TooManyRequests"
	codeServiceUnavailable = "serviceNotAvailable"
)

// Conditions are the network conditions a server simulates.
type Conditions struct {
	// Latency delays every answer; Jitter adds a random delay up to it on top.
	Latency, Jitter time.Duration
	// Throttle is the most requests per second answered (a token bucket holding one second's
	// worth); the others get 429 with Retry-After. 0: no limit.
	Throttle float64
	// FailRate is the share of requests answered 503 with Retry-After: 1, from 0 to 1.
	FailRate float64
}

// validate reports a condition out of range.
func (c Conditions) validate() error {
	switch {
	case c.Latency < 0 || c.Jitter < 0:
		return fmt.Errorf("mockserver: latency and jitter must not be negative")
	case c.Throttle < 0 || math.IsNaN(c.Throttle) || math.IsInf(c.Throttle, 0):
		return fmt.Errorf("mockserver: the throttle rate must be a positive number of requests per second")
	case c.FailRate < 0 || c.FailRate > 1 || math.IsNaN(c.FailRate):
		return fmt.Errorf("mockserver: the fail rate must be between 0 and 1")
	}
	return nil
}

// bucket is a token bucket refilled at rate tokens a second, holding at most burst.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newBucket(rate float64) *bucket {
	burst := math.Max(1, rate)
	return &bucket{rate: rate, burst: burst, tokens: burst}
}

// take takes a token at now; when there is none it says how long until there is one.
func (b *bucket) take(now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() {
		b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// delay waits the latency and jitter of an answer; false when the client went away first.
func (c Conditions) delay(r *http.Request) bool {
	d := c.Latency
	if c.Jitter > 0 {
		d += rand.N(c.Jitter)
	}
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// refusal is the 429 or 503 a request gets under the conditions, nil when it is answered.
func (s *Server) refusal(now time.Time) *apiError {
	if s.bucket != nil {
		if ok, wait := s.bucket.take(now); !ok {
			e := newAPIError(http.StatusTooManyRequests, codeTooManyRequests,
				"Too many requests: this server answers %g a second (copilotconf serve --throttle). Retry after the time in Retry-After.", s.conditions.Throttle)
			e.header = http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(wait.Seconds())))}}
			return e
		}
	}
	if s.conditions.FailRate > 0 && rand.Float64() < s.conditions.FailRate {
		e := newAPIError(http.StatusServiceUnavailable, codeServiceUnavailable,
			"The service is temporarily unavailable (copilotconf serve --fail-rate). Retry after the time in Retry-After.")
		e.header = http.Header{"Retry-After": {"1"}}
		return e
	}
	return nil
}
