//go:build linux

package runner_test

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// watchPeakRSS samples the peak resident set (VmHWM) of a running process and of every process
// it starts, until the returned function is called; that returns the largest, in KiB (-1 when
// /proc could not be read). Unlike the rusage of wait4, VmHWM starts afresh at exec: a child of
// this large test process does not inherit its high-water mark.
func watchPeakRSS(pid int) func() int64 {
	var mu sync.Mutex
	peak := int64(-1)
	sample := func() {
		for _, p := range processTree(pid) {
			if kib := vmHWM(p); kib > 0 {
				mu.Lock()
				peak = max(peak, kib)
				mu.Unlock()
			}
		}
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			sample()
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() int64 {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

// processTree lists pid and its descendants.
func processTree(pid int) []int {
	out := []int{pid}
	for i := 0; i < len(out); i++ {
		tasks, _ := os.ReadDir("/proc/" + strconv.Itoa(out[i]) + "/task")
		for _, task := range tasks {
			b, err := os.ReadFile("/proc/" + strconv.Itoa(out[i]) + "/task/" + task.Name() + "/children")
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
				}
			}
		}
	}
	return out
}

// vmHWM reads a process's peak resident set in KiB (-1 when unknown).
func vmHWM(pid int) int64 {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			if n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64); err == nil {
				return n
			}
		}
	}
	return -1
}
