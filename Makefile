.PHONY: test lint conformance serve mutation bench-latency

# All tests, as CI runs them.
test:
	go test -race ./...

# Formatting and static checks.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	go vet ./...

# The full conformance suite against the embedded reference server.
conformance:
	go run . run

# The reference server in the foreground.
serve:
	go run . serve --addr 127.0.0.1:8080

# Every fault of the reference server against the suite: the matrix and the score.
mutation:
	go run . mutation

# A full run against the reference server answering 100 ms late: wall time of three runs.
bench-latency:
	scripts/bench-latency.sh 100ms 3
