#!/usr/bin/env bash
# The claim that explore finds nothing wrong with the clean reference server, as users run it:
# `copilotconf explore --duration DURATION` with seeds 1..SEEDS, PARALLEL at a time, against
# the embedded server. Prints one line per seed (exit code, steps, verdict) and fails if any
# seed broke a property (its failure.txt is printed).
# Usage: scripts/explore-clean.sh [SEEDS] [DURATION] [PARALLEL]
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-20}
duration=${2:-60s}
parallel=${3:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bin=$work/copilotconf
go build -o "$bin" .
explore_seed() {
	local seed=$1 code=0
	"$bin" explore --seed "$seed" --steps 100000000 --duration "$duration" --report-dir "$work/$seed" >"$work/$seed.out" 2>&1 || code=$?
	local steps
	steps=$(sed -n 's/^Steps: \([0-9]*\).*/\1/p' "$work/$seed.out")
	if [ "$code" -eq 0 ]; then
		echo "seed $seed: exit 0, $steps steps, nothing broke"
	else
		echo "seed $seed: exit $code, $steps steps, BROKE:"
		cat "$work/$seed/failure.txt" 2>/dev/null || cat "$work/$seed.out"
	fi
	return "$code"
}
export -f explore_seed
export bin work duration
seq "$seeds" | xargs -P "$parallel" -I{} bash -c 'explore_seed {}' | tee "$work/summary"
broke=$(grep -c 'BROKE' "$work/summary" || true)
echo "$seeds seeds of --duration $duration: $broke broke a property"
[ "$broke" -eq 0 ]
