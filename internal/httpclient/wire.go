package httpclient

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"
)

// wireExchange is an Exchange as it travels between the processes of one parallel run.
type wireExchange struct {
	Label          string        `json:"label,omitempty"`
	Method         string        `json:"method"`
	URL            string        `json:"url,omitempty"`
	RequestHeader  http.Header   `json:"requestHeader,omitempty"`
	RequestBody    []byte        `json:"requestBody,omitempty"`
	Status         int           `json:"status,omitempty"`
	ResponseHeader http.Header   `json:"responseHeader,omitempty"`
	ResponseBody   []byte        `json:"responseBody,omitempty"`
	Truncated      bool          `json:"truncated,omitempty"`
	Attempts       []Attempt     `json:"attempts,omitempty"`
	Throttled      bool          `json:"throttled,omitempty"`
	Err            string        `json:"err,omitempty"`
	ErrKinds       []string      `json:"errKinds,omitempty"`
	Started        time.Time     `json:"started"`
	Duration       time.Duration `json:"duration,omitempty"`
	Seq            uint64        `json:"seq,omitempty"`
	FinalURL       string        `json:"finalUrl,omitempty"`
}

// errorKinds are the errors a decoded exchange still answers errors.Is for.
var errorKinds = map[string]error{
	"target-unhealthy":  ErrTargetUnhealthy,
	"body-too-large":    ErrBodyTooLarge,
	"read-only":         ErrReadOnly,
	"credentials":       ErrCredentials,
	"write-budget":      ErrWriteBudget,
	"deadline-exceeded": context.DeadlineExceeded,
	"canceled":          context.Canceled,
}

// MarshalJSON encodes the exchange for another process of the same run (a parallel worker):
// every field a check reads. Credentials in the request headers travel in their redacted form,
// and the error keeps its message and which of the well-known errors it wraps.
func (e *Exchange) MarshalJSON() ([]byte, error) {
	w := wireExchange{
		Label: e.Label, Method: e.Method, URL: e.URL, RequestBody: e.RequestBody, Status: e.Status,
		ResponseHeader: e.ResponseHeader, ResponseBody: e.ResponseBody, Truncated: e.Truncated,
		Attempts: e.Attempts, Throttled: e.Throttled, Started: e.Started, Duration: e.Duration,
		Seq: e.Seq, FinalURL: e.finalURL,
	}
	if e.RequestHeader != nil {
		w.RequestHeader = make(http.Header, len(e.RequestHeader))
		for k, vs := range e.RequestHeader {
			for _, v := range vs {
				w.RequestHeader[k] = append(w.RequestHeader[k], redactHeaderValue(k, v))
			}
		}
	}
	if e.Err != nil {
		w.Err = e.Err.Error()
		for kind, target := range errorKinds {
			if errors.Is(e.Err, target) || (kind == "deadline-exceeded" && isTimeout(e.Err)) {
				w.ErrKinds = append(w.ErrKinds, kind)
			}
		}
	}
	return json.Marshal(w)
}

// UnmarshalJSON decodes an exchange that MarshalJSON encoded.
func (e *Exchange) UnmarshalJSON(b []byte) error {
	var w wireExchange
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	*e = Exchange{
		Label: w.Label, Method: w.Method, URL: w.URL, RequestHeader: w.RequestHeader, RequestBody: w.RequestBody,
		Status: w.Status, ResponseHeader: w.ResponseHeader, ResponseBody: w.ResponseBody, Truncated: w.Truncated,
		Attempts: w.Attempts, Throttled: w.Throttled, Started: w.Started, Duration: w.Duration, Seq: w.Seq,
		finalURL: w.FinalURL,
	}
	if w.Err != "" || len(w.ErrKinds) > 0 {
		re := &remoteError{msg: w.Err}
		for _, k := range w.ErrKinds {
			if target, ok := errorKinds[k]; ok {
				re.kinds = append(re.kinds, target)
			}
		}
		e.Err = re
	}
	return nil
}

// remoteError is an error decoded from another process: its message, and the well-known
// errors it wrapped there.
type remoteError struct {
	msg   string
	kinds []error
}

func (r *remoteError) Error() string { return r.msg }

// Is reports whether the original error wrapped target.
func (r *remoteError) Is(target error) bool {
	for _, k := range r.kinds {
		if k == target {
			return true
		}
	}
	return false
}

// Timeout reports whether the original error was a time limit running out (net.Error).
func (r *remoteError) Timeout() bool { return errors.Is(r, context.DeadlineExceeded) }

// Temporary is part of net.Error; a decoded error is never retried.
func (r *remoteError) Temporary() bool { return false }
