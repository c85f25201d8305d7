package suites

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"

	"github.com/copilotconf/copilotconf/api"
	"github.com/copilotconf/copilotconf/internal/httpclient"
	"github.com/copilotconf/copilotconf/results"
)

// CreatedObject is a session or prompt the run created on the target. The API has no DELETE,
// so these stay in the tenant; the runner lists them in created.json and the summary.
type CreatedObject = results.CreatedObject

// maxLedgerName bounds the name kept for a created object (a spec sends a 5 MiB one).
const maxLedgerName = 200

// ledger records every object a successful POST created, including ones a non-conformant
// target created from a request it should have rejected.
type ledger struct {
	mu   sync.Mutex
	list []CreatedObject
}

func (l *ledger) observe(ex *httpclient.Exchange, baseURL string) {
	if ex == nil || ex.Status < 200 || ex.Status > 299 {
		return
	}
	u, err := url.Parse(ex.URL)
	base, berr := url.Parse(baseURL)
	if err != nil || berr != nil {
		return
	}
	op, params, ok := api.Match(ex.Method, strings.TrimPrefix(u.EscapedPath(), strings.TrimRight(base.EscapedPath(), "/")))
	if !ok || op.Creates == "" {
		return
	}
	var body map[string]any
	_ = json.Unmarshal(ex.ResponseBody, &body)
	obj := CreatedObject{URL: ex.URL, Kind: op.Creates, ID: stringOf(body["id"]), Name: stringOf(body[op.NameMember]),
		SessionID: params[api.SessionID], PromptID: params[api.PromptID]}
	if r := []rune(obj.Name); len(r) > maxLedgerName {
		obj.Name = string(r[:maxLedgerName]) + "…"
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
