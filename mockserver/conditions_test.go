package mockserver_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/copilotconf/copilotconf/mockserver"
)

func TestConditionsOutOfRange(t *testing.T) {
	for _, c := range []mockserver.Conditions{{FailRate: 1.5}, {FailRate: -0.1}, {Throttle: -1}, {Jitter: -1}} {
		if _, err := mockserver.New(mockserver.Options{Conditions: c}); err == nil {
			t.Errorf("%+v: expected an error", c)
		}
	}
}

// A throttled server answers beyond its rate with 429 and Retry-After; the bucket refills.
func TestThrottle(t *testing.T) {
	srv, err := mockserver.New(mockserver.Options{Conditions: mockserver.Conditions{Throttle: 2}})
	if err != nil {
		t.Fatal(err)
	}
	var statuses []string
	for range 3 {
		req := httptest.NewRequest(http.MethodGet, "/security/securityCopilot/workspaces/default/sessions", nil)
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		statuses = append(statuses, http.StatusText(rec.Code)+" "+rec.Header().Get("Retry-After"))
	}
	if got := strings.Join(statuses, ", "); got != "OK , OK , Too Many Requests 1" {
		t.Errorf("three requests at once at 2 a second: got %s", got)
	}
}
