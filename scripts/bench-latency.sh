#!/usr/bin/env bash
# Times a full run against the reference server answering every request 100 ms late, as a
# remote service would: the figure that parallel runs (--procs, to come) have to improve on.
# Usage: scripts/bench-latency.sh [LATENCY] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
latency=${1:-100ms}
runs=${2:-3}
bin=$(mktemp -d)/copilotconf
go build -o "$bin" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin" serve --addr "127.0.0.1:$port" --token bench-token --latency "$latency" >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$(dirname "$bin")"' EXIT
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
for i in $(seq "$runs"); do
	start=$(date +%s.%N)
	"$bin" run --target "http://127.0.0.1:$port" --token bench-token --report-dir "$(dirname "$bin")/report-$i" >/dev/null || true
	end=$(date +%s.%N)
	printf 'run %d: %.2f s (latency %s)\n' "$i" "$(echo "$end - $start" | bc)" "$latency"
done
