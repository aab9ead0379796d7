#!/usr/bin/env bash
# CPU cost per simulated token: one `kthena engine-sim` process with 200 vLLM engines (Llama-3.1-8B on H100 timing,
# real time) under closed-loop streaming load from bench/sim_load; the simulator's CPU time (utime + stime from
# /proc) divided by the tokens it streamed.
#   bench/sim_fleet_bench.sh [build-dir] [seconds] [instances] [concurrency] [threads]
set -euo pipefail
build="${1:-build}"; secs="${2:-20}"; n="${3:-200}"; conc="${4:-200}"; threads="${5:-1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
kthena="${KTHENA:-$root/$build/bin/kthena}"
base=31000
out="$(mktemp)"
taskset -c 1 "$kthena" engine-sim --served-model-name sim --instances "$n" --base-port $base \
  --host 127.0.0.1 --threads "$threads" --profile llama-3.1-8b-h100 >"$out" 2>/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 200); do [ "$(grep -c '^listening' "$out")" = "$n" ] && break; sleep 0.05; done
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
t0=$(ticks)
load=$(taskset -c 0 "$root/$build/bin/sim_load" --base-port $base --instances "$n" --concurrency "$conc" \
  --seconds "$secs" --max-tokens 128)
t1=$(ticks)
tokens=$(echo "$load" | awk '{print $4}')
cpu=$(awk -v a="$t0" -v b="$t1" -v hz="$hz" 'BEGIN{printf "%.2f", (b - a) / hz}')
echo "$load"
awk -v c="$cpu" -v t="$tokens" -v s="$secs" 'BEGIN{printf "simulator CPU %.2f s over %d s (%.0f%% of a core), %.2f us per token\n", c, s, 100*c/s, 1e6*c/t}'
