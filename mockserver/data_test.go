package mockserver_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/copilotconf/copilotconf/mockserver"
)

// From Go: a server starts from Data, Export gives it back, and Reset undoes a client's work.
func TestDataExportReset(t *testing.T) {
	name := "preloaded"
	at := time.Date(2025, 10, 22, 20, 10, 54, 494064900, time.UTC)
	content := "who am I"
	data := mockserver.Data{Workspaces: []mockserver.DataWorkspace{{ID: "default", Sessions: []mockserver.DataSession{
		{ID: "11111111-1111-4111-8111-111111111111", DisplayName: &name, CreatedDateTime: at, LastModifiedDateTime: at,
			Prompts: []mockserver.DataPrompt{{ID: "22222222-2222-4222-8222-222222222222", Type: "prompt", Content: &content,
				CreatedDateTime: at, LastModifiedDateTime: at, Evaluations: []mockserver.DataEvaluation{
					{ID: "33333333-3333-4333-8333-333333333333", CreatedDateTime: at, Outcome: "completed", Answer: "you are you"}}}}}}}}}
	srv, err := mockserver.New(mockserver.Options{Data: &data})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := json.Marshal(srv.Export())
	want, _ := json.Marshal(data)
	if string(before) != string(want) {
		t.Fatalf("Export: got %s, want %s", before, want)
	}
	// A preloaded evaluation created long ago is final, with its answer.
	get := httptest.NewRequest(http.MethodGet, "/security/securityCopilot/workspaces/default/sessions/11111111-1111-4111-8111-111111111111/prompts/22222222-2222-4222-8222-222222222222/evaluations/33333333-3333-4333-8333-333333333333", nil)
	get.Header.Set("Authorization", "Bearer t")
	got := httptest.NewRecorder()
	srv.ServeHTTP(got, get)
	if got.Code != 200 || !strings.Contains(got.Body.String(), `"state":"completed"`) || !strings.Contains(got.Body.String(), `"content":"you are you"`) {
		t.Errorf("the preloaded evaluation: %d %s", got.Code, got.Body)
	}
	req := httptest.NewRequest(http.MethodPost, "/security/securityCopilot/workspaces/default/sessions", strings.NewReader(`{"displayName":"mine"}`))
	req.Header.Set("Authorization", "Bearer t")
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != 201 || len(srv.Export().Workspaces[0].Sessions) != 2 {
		t.Fatalf("create: %d %s", rec.Code, rec.Body)
	}
	srv.Reset()
	if after, _ := json.Marshal(srv.Export()); string(after) != string(before) {
		t.Errorf("after Reset: got %s, want %s", after, before)
	}
	for _, bad := range []mockserver.Options{
		{Data: &mockserver.Data{}},
		{Data: &data, Workspaces: []string{"default"}},
		{Data: &mockserver.Data{Workspaces: []mockserver.DataWorkspace{{ID: "a"}, {ID: "A"}}}},
		{Data: &mockserver.Data{Workspaces: []mockserver.DataWorkspace{{ID: "a", Sessions: []mockserver.DataSession{{ID: "s", CreatedDateTime: at, LastModifiedDateTime: at,
			Prompts: []mockserver.DataPrompt{{ID: "p", CreatedDateTime: at, LastModifiedDateTime: at, Evaluations: []mockserver.DataEvaluation{{ID: "e", CreatedDateTime: at, Outcome: "exploded"}}}}}}}}}},
	} {
		if _, err := mockserver.New(bad); err == nil {
			t.Errorf("%+v: expected an error", bad)
		}
	}
}

// Reset also makes the faults forget: a fault that changes an evaluation from its second
// reading on starts counting again.
func TestResetForgetsFaultState(t *testing.T) {
	content := "who am I"
	at := time.Date(2025, 10, 22, 20, 10, 54, 0, time.UTC)
	data := mockserver.Data{Workspaces: []mockserver.DataWorkspace{{ID: "default", Sessions: []mockserver.DataSession{
		{ID: "s1", CreatedDateTime: at, LastModifiedDateTime: at, Prompts: []mockserver.DataPrompt{{ID: "p1", Content: &content,
			CreatedDateTime: at, LastModifiedDateTime: at, Evaluations: []mockserver.DataEvaluation{{ID: "e1", CreatedDateTime: at, Answer: "fixed"}}}}}}}}}
	srv, err := mockserver.New(mockserver.Options{Data: &data, Faults: []string{"evaluation-result-flaps"}})
	if err != nil {
		t.Fatal(err)
	}
	read := func() bool {
		req := httptest.NewRequest(http.MethodGet, "/security/securityCopilot/workspaces/default/sessions/s1/prompts/p1/evaluations/e1", nil)
		req.Header.Set("Authorization", "Bearer t")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		return strings.Contains(rec.Body.String(), `"content":"fixed"`)
	}
	if !read() || read() {
		t.Fatal("expected the fault to change the second reading")
	}
	srv.Reset()
	if !read() {
		t.Error("after Reset, the first reading changed: the fault still counted the earlier ones")
	}
}
