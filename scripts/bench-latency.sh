#!/usr/bin/env bash
# Times full runs against the reference server answering every request LATENCY late, as a remote
# service would: serially (--procs 1) and spread over PROCS worker processes, RUNS times each.
# Prints each run's wall time, requests and peak in flight, then the medians.
# Usage: scripts/bench-latency.sh [LATENCY] [RUNS] [PROCS]
set -euo pipefail
cd "$(dirname "$0")/.."
latency=${1:-100ms}
runs=${2:-3}
procs=${3:-8}
work=$(mktemp -d)
bin=$work/copilotconf
go build -o "$bin" .
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
"$bin" serve --addr "127.0.0.1:$port" --token bench-token --latency "$latency" --quiet >/dev/null &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
for p in 1 "$procs"; do
	: >"$work/times-$p"
	for i in $(seq "$runs"); do
		start=$(date +%s.%N)
		"$bin" run --target "http://127.0.0.1:$port" --token bench-token --procs "$p" \
			--report-dir "$work/report-$p-$i" >"$work/out" || { cat "$work/out"; exit 1; }
		end=$(date +%s.%N)
		took=$(echo "$end - $start" | bc)
		echo "$took" >>"$work/times-$p"
		printf 'procs %s, run %d: %.2f s, %s (latency %s)\n' "$p" "$i" "$took" \
			"$(grep -o 'Requests: .*' "$work/out")" "$latency"
		grep -q '80 passed, 0 failed' "$work/out" || { echo "not every spec passed:"; cat "$work/out"; exit 1; }
	done
done
serial=$(median <"$work/times-1")
parallel=$(median <"$work/times-$procs")
printf 'median: serial %.2f s, --procs %s %.2f s (%.1fx)\n' "$serial" "$procs" "$parallel" "$(echo "$serial / $parallel" | bc -l)"
