#!/usr/bin/env bash
# A fleet of simulated engines in one process, addressed the way a router in --static mode addresses pods: one port,
# one loopback IP per engine (127.0.1.1, 127.0.1.2, ...). Each must answer on its own address, report its own
# metrics, and the process must drain and exit 0 on SIGTERM.
set -euo pipefail
kthena="$1"
port=$((20000 + RANDOM % 12000))  # below the kernel's ephemeral range (32768+)
out="$(mktemp)"
"$kthena" engine-sim --instances 4 --base-address 127.0.1.1 --port "$port" --served-model-name fleet \
  --profile tiny --time-scale 0.05 --threads 2 --no-such-flag 3 >"$out" 2>"$out.err" &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$out" "$out.err"' EXIT
for _ in $(seq 100); do [ "$(grep -c '^listening' "$out")" = 4 ] && break; sleep 0.05; done
[ "$(grep -c '^listening' "$out")" = 4 ] || { echo "fleet did not start"; cat "$out" "$out.err"; exit 1; }
grep -q "ignoring flags the simulator does not model: --no-such-flag 3" "$out.err" || { echo "no warning"; exit 1; }
for i in 1 2 3 4; do
  addr="127.0.1.$i:$port"
  curl -sf "http://$addr/health" >/dev/null || { echo "$addr: /health failed"; exit 1; }
  body=$(curl -sf "http://$addr/v1/completions" -H 'Content-Type: application/json' \
    -d "{\"model\":\"fleet\",\"prompt\":\"engine $i\",\"max_tokens\":$i,\"ignore_eos\":true}")
  echo "$body" | grep -q "\"completion_tokens\":$i," || { echo "$addr: unexpected $body"; exit 1; }
done
# Each engine counted only its own request.
for i in 1 2 3 4; do
  got=$(curl -sf "http://127.0.1.$i:$port/metrics" | awk '/^vllm:generation_tokens_total/{print $2}')
  [ "$got" = "$i.0" ] || { echo "127.0.1.$i: generation_tokens_total=$got, want $i.0"; exit 1; }
done
kill -TERM $pid
wait $pid
trap - EXIT
rm -f "$out" "$out.err"
echo "sim_fleet: 4 engines on 127.0.1.1-4:$port answered and drained"
