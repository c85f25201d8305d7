package mockserver

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// post is a goroutine-safe create (reports with t.Errorf, never Fatal).
func post(t *testing.T, h *harness, path, body string) {
	req, err := http.NewRequest(http.MethodPost, h.root+path, strings.NewReader(body))
	if err != nil {
		t.Errorf("request: %v", err)
		return
	}
	req.Header.Set("Authorization", "Bearer x")
	req.Header.Set("Content-Type", "application/json")
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		t.Errorf("POST: %v", err)
		return
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Errorf("POST %s: %d", path, resp.StatusCode)
	}
}

func TestPagingWhileInserting(t *testing.T) {
	h := newHarness(t, Options{})
	initial := reversed(seed(t, h, nil, 60)) // newest first
	sid := initial[0]
	var initialPrompts []string
	for i := 0; i < 30; i++ {
		initialPrompts = append(initialPrompts, str(t, h.createPrompt(sid, fmt.Sprint(i)), "id"))
	}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				post(t, h, sessionsPth, `{"displayName":"noise"}`)
				post(t, h, sessionsPth+"/"+sid+"/prompts", `{"type":"prompt","content":"late"}`)
			}
		}()
	}
	// Also insert between pages, so interleaving is guaranteed.
	between := func(int) {
		post(t, h, sessionsPth, `{"displayName":"between"}`)
		post(t, h, sessionsPth+"/"+sid+"/prompts", `{"type":"prompt","content":"between"}`)
	}
	sessions, _ := collect(t, h, sessionsPth+"?$top=7", between)
	prompts, _ := collect(t, h, sessionsPth+"/"+sid+"/prompts?$top=7&$filter=type%20eq%20'prompt'", between)
	close(stop)
	wg.Wait()

	checkOnce := func(what string, seen, must []string) {
		t.Helper()
		count := map[string]int{}
		for _, id := range seen {
			count[id]++
			if count[id] == 2 {
				t.Errorf("%s: %s returned twice", what, id)
			}
		}
		var order []string
		for _, id := range seen {
			if slices.Contains(must, id) {
				order = append(order, id)
			}
		}
		if !slices.Equal(order, must) {
			t.Errorf("%s: the items that existed before paging were not all visited once in order (%d of %d)", what, len(order), len(must))
		}
	}
	checkOnce("sessions", sessions, initial)
	checkOnce("prompts", prompts, initialPrompts)
	// Sessions are newest first: nothing created during paging appears
	// after the first page's items.
	if !slices.Equal(sessions[len(sessions)-len(initial):], initial) {
		t.Errorf("sessions created during paging appeared after older ones")
	}
	// Prompts are oldest first: the initial ones come first, then new ones.
	if !slices.Equal(prompts[:len(initialPrompts)], initialPrompts) {
		t.Errorf("prompt order broken while inserting")
	}
}

func TestConcurrentCreatesAndLists(t *testing.T) {
	h := newHarness(t, Options{})
	const writers, perWriter, readers = 8, 40, 4
	var wg sync.WaitGroup
	done := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				post(t, h, sessionsPth, fmt.Sprintf(`{"displayName":"w%d-%d"}`, w, i))
			}
		}(w)
	}
	var rwg sync.WaitGroup
	for r := 0; r < readers; r++ {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				req, _ := http.NewRequest(http.MethodGet, h.root+sessionsPth+"?$count=true&$top=50&$expand=prompts", nil)
				req.Header.Set("Authorization", "Bearer x")
				resp, err := h.srv.Client().Do(req)
				if err != nil {
					t.Errorf("GET: %v", err)
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("GET: %d %s", resp.StatusCode, b)
					return
				}
				if _, err := parseJSONObject(b); err != nil {
					t.Errorf("GET: invalid body %s", b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(done)
	rwg.Wait()

	got, _ := collect(t, h, sessionsPth+"?$top=100&$count=true", nil)
	if len(got) != writers*perWriter {
		t.Fatalf("%d sessions listed, want %d", len(got), writers*perWriter)
	}
	seen := map[string]bool{}
	for _, id := range got {
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
}

func TestConcurrentPatchesMoveForward(t *testing.T) {
	clock := newFakeClock("2025-01-01T00:00:00Z") // never moves
	h := newHarness(t, Options{Now: clock.Now})
	sid := str(t, h.createSession("s"), "id")
	const n = 50
	var mu sync.Mutex
	var stamps []string
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPatch, h.root+sessionsPth+"/"+sid, strings.NewReader(fmt.Sprintf(`{"displayName":"v%d"}`, i)))
			req.Header.Set("Authorization", "Bearer x")
			req.Header.Set("Content-Type", "application/json")
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Errorf("PATCH: %v", err)
				return
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			o, err := parseJSONObject(b)
			if err != nil || resp.StatusCode != 200 {
				t.Errorf("PATCH: %d %s", resp.StatusCode, b)
				return
			}
			v, _ := o.Get("lastModifiedDateTime")
			mu.Lock()
			stamps = append(stamps, v.(string))
			mu.Unlock()
		}(i)
	}
	wg.Wait()
	slices.Sort(stamps)
	if len(slices.Compact(slices.Clone(stamps))) != n {
		t.Errorf("concurrent PATCHes produced repeated lastModifiedDateTime values")
	}
	want := time.Date(2025, 1, 1, 0, 0, 0, n*100, time.UTC).Format(timestampLayout)
	if last := str(t, h.do(http.MethodGet, sessionsPth+"/"+sid, "").body, "lastModifiedDateTime"); last != want {
		t.Errorf("final lastModifiedDateTime %s, want %s", last, want)
	}
}
