package suites

import (
	"sync"

	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/results"
)

// CreatedObject is a session or prompt the run created on the target. The API has no DELETE,
// so these stay in the tenant; the runner lists them in created.json and the summary.
type CreatedObject = results.CreatedObject

// ledger records every object a successful POST created, including ones a non-conformant
// target created from a request it should have rejected.
type ledger struct {
	mu   sync.Mutex
	list []CreatedObject
}

func (l *ledger) observe(ex *httpclient.Exchange, baseURL string) {
	if ex == nil {
		return
	}
	obj, ok := results.CreatedBy(ex.Method, ex.URL, baseURL, ex.Status, ex.ResponseBody)
	if !ok {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, obj)
}

func (l *ledger) objects() []CreatedObject {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]CreatedObject(nil), l.list...)
}

func stringOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return ""
}
