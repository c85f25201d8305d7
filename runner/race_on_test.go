//go:build race

package runner_test

// raceEnabled says the test binary, and so every child run, has the race detector.
const raceEnabled = true
