package mockserver

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Instance is a Server listening on a TCP address.
type Instance struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

// Listen binds exactly addr (for example "127.0.0.1:0") and serves a new
// Server with opts in a goroutine until Shutdown.
func Listen(addr string, opts Options) (*Instance, error) {
	if addr == "" {
		return nil, errors.New("mockserver: Listen needs an explicit address such as 127.0.0.1:0")
	}
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	inst := &Instance{
		srv: &http.Server{
			Handler:           s,
			ReadHeaderTimeout: 10 * time.Second,
			IdleTimeout:       60 * time.Second,
		},
		ln:   ln,
		done: make(chan struct{}),
	}
	go func() {
		defer close(inst.done)
		_ = inst.srv.Serve(ln) // returns http.ErrServerClosed after Shutdown
	}()
	return inst, nil
}

// URL is the service root, e.g. "http://127.0.0.1:41234" (no trailing slash).
func (i *Instance) URL() string { return "http://" + i.ln.Addr().String() }

// Shutdown stops accepting connections and waits for active requests to
// finish, or for ctx to end.
func (i *Instance) Shutdown(ctx context.Context) error {
	err := i.srv.Shutdown(ctx)
	if err == nil {
		select {
		case <-i.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return err
}

// Close stops the server at once, closing every connection, active or not: for a caller whose
// requests have all been answered.
func (i *Instance) Close() error {
	err := i.srv.Close()
	<-i.done
	return err
}
