.PHONY: test lint conformance serve mutation explore-score explore-clean bench-latency

# All tests, as CI runs them.
test:
	go test -race -timeout 30m ./...

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

# How many of the reference server's faults explore finds on its own (up to three seeds of 600
# calls each per fault), shrinks to at most 6 calls, and replays with its curl script.
explore-score:
	go test -count=1 -run 'TestFindsFaults$$' -v ./explore | grep -E 'explore found|shrunk to at most|^(ok|FAIL)'

# The clean reference server explored as users run it: 20 seeds of --duration 60s, two at a
# time (about 10 minutes). Nothing may break.
explore-clean:
	scripts/explore-clean.sh 20 60s 2

# Full runs against the reference server answering 100 ms late, serial and over 8 workers:
# wall times, requests, peak in flight and the medians.
bench-latency:
	scripts/bench-latency.sh 100ms 3 8
