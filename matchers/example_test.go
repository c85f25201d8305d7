package matchers_test

import (
	"fmt"

	"github.com/copilotconf/copilotconf/matchers"
	"github.com/copilotconf/copilotconf/schemas"
)

func ExampleBeValid() {
	m := matchers.BeValid(schemas.Session)
	ok, _ := m.Match(`{"id": "s1", "displayName": "a", "createdDateTime": "2025-10-22T20:10:54Z", "lastModifiedDateTime": "2025-10-22T20:10:54+02:00"}`)
	fmt.Println(ok)
	fmt.Println(m.FailureMessage(nil))
	// Output:
	// false
	// is not a valid session document:
	// /lastModifiedDateTime: '2025-10-22T20:10:54+02:00' is not in UTC: the offset must be 'Z' or '+00:00'
}

func ExampleHaveStatus() {
	m := matchers.HaveStatus(201)
	ok, _ := m.Match(200)
	fmt.Println(ok, m.FailureMessage(nil))
	// Output: false expected status 201 Created, got 200 OK
}

func ExampleBeODataError() {
	// resp is any value with HTTPStatus() int and HTTPBody() []byte; an *http.Response works too.
	answer := resp{404, `{"error": {"code": "notFound", "message": "No session with that id."}}`}
	ok, _ := matchers.BeODataError(404, "notFound").Match(answer)
	fmt.Println(ok)
	m := matchers.BeODataError(404)
	ok, _ = m.Match(resp{200, `{"id": "s1"}`})
	fmt.Println(ok, m.FailureMessage(nil))
	// Output:
	// true
	// false expected status 404 Not Found, got 200 OK
}
