package mockserver_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/copilotconf/copilotconf/mockserver"
)

// post sends a JSON body with the token, as a client under test would.
func post(url, token, body string) *http.Response {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	return resp
}

// Listen serves the API on a 127.0.0.1 port for a client's tests; URL is the service root.
func ExampleListen() {
	inst, err := mockserver.Listen("127.0.0.1:0", mockserver.Options{Token: "test-token"})
	if err != nil {
		panic(err)
	}
	defer inst.Close()

	resp := post(inst.URL()+"/security/securityCopilot/workspaces/default/sessions", "test-token", `{"displayName":"Who am I"}`)
	defer resp.Body.Close()
	var session struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&session)
	fmt.Println(resp.StatusCode, session.DisplayName, session.ID != "")
	// Output: 201 Who am I true
}

// New is the API as an http.Handler, to mount in any server; faults switch deliberate
// non-conformances on, to see how a client copes with them.
func ExampleNew() {
	h, err := mockserver.New(mockserver.Options{Token: "test-token", Faults: []string{"no-location"}})
	if err != nil {
		panic(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	resp := post(srv.URL+"/security/securityCopilot/workspaces/default/sessions", "test-token", `{"displayName":"x"}`)
	resp.Body.Close()
	fmt.Printf("%d, Location %q\n", resp.StatusCode, resp.Header.Get("Location"))
	// Output: 201, Location ""
}

// Faults lists every fault with what it breaks; an unknown name is an error.
func ExampleFaults() {
	for _, f := range mockserver.Faults() {
		if f.Name == "no-location" {
			fmt.Println(f.Breaks)
		}
	}
	_, err := mockserver.New(mockserver.Options{Faults: []string{"no-such-fault"}})
	fmt.Println(err != nil)
	// Output:
	// [SESS-CREATE-10]
	// true
}
