#!/usr/bin/env bash
# `kthena runtime` beside the real engine simulator, once with vLLM's metric names and once with SGLang's: /metrics
# carries the engine's families and the kthena:* copies; the copies pass `promtool check metrics` (its one complaint,
# that a name contains ':', is about the naming upstream chose for every engine and standard metric, and is the only
# finding allowed); the whole output parses. LoRA load and unload through the runtime reach the simulator (a local
# folder, through the downloader), blocking and async; bad bodies get 400 naming the field or the position; an
# engine that is down gives 502; SIGTERM exits 0. Processes listen on port 0 and print their port; the script waits
# for those lines and for the engine's /v1/models, never for a fixed time.
set -euo pipefail
kthena="$1"
work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "runtime_test: $*"
  for f in "$work"/*.out "$work"/*.err; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  exit 1
}

# Waits (up to 10 s) for "listening host:port" in $1 and prints the port.
wait_port() {
  for _ in $(seq 200); do
    if line=$(grep -m1 '^listening ' "$1" 2>/dev/null); then
      sed -E 's/^listening [^ ]*:([0-9]+).*/\1/' <<<"$line"
      return
    fi
    sleep 0.05
  done
  fail "no 'listening' line in $1"
}

# Waits (up to 10 s) until the engine's /v1/models does ($2 = yes) or does not ($2 = no) list adapter $3.
wait_model() {
  for _ in $(seq 200); do
    if curl -sf "http://127.0.0.1:$1/v1/models" | grep -q "\"id\":\"$3\""; then
      [ "$2" = yes ] && return
    else
      [ "$2" = no ] && return
    fi
    sleep 0.05
  done
  fail "adapter $3 listed=$2 never happened"
}

# POSTs $2 to the runtime's path $1; prints "<status> <body>".
post() {
  curl -s -o "$work/body" -w '%{http_code}' -H 'Content-Type: application/json' -d "$2" "http://127.0.0.1:$rt$1" \
    >"$work/status" || true
  echo "$(cat "$work/status") $(cat "$work/body")"
}

expect() {  # expect <what> <actual> <pattern>
  grep -qE -- "$3" <<<"$2" || fail "$1: got '$2', want /$3/"
}

# An unknown engine is refused before anything starts.
set +e
"$kthena" runtime -E tgi -I p.ns -N m >"$work/bad.out" 2>"$work/bad.err"
status=$?
set -e
[ "$status" = 1 ] || fail "-E tgi exited $status, want 1"
grep -q 'unsupported engine "tgi"' "$work/bad.err" || fail "-E tgi: no message naming the value"

mkdir -p "$work/adapter"
echo '{"r": 8}' >"$work/adapter/adapter_config.json"

for engine in vllm sglang; do
  VLLM_ALLOW_RUNTIME_LORA_UPDATING=True "$kthena" engine-sim --engine "$engine" --host 127.0.0.1 --port 0 \
    --profile tiny --time-scale 0.05 --served-model-name m --enable-lora >"$work/sim-$engine.out" \
    2>"$work/sim-$engine.err" &
  sim_pid=$!
  pids+=("$sim_pid")
  sim=$(wait_port "$work/sim-$engine.out")
  REDIS_HOST=redis-server "$kthena" runtime -E "$engine" -H 127.0.0.1 -P 0 -B "http://127.0.0.1:$sim" \
    -I "pod-0.default" -N m >"$work/rt-$engine.out" 2>"$work/rt-$engine.err" &
  rt_pid=$!
  pids+=("$rt_pid")
  rt=$(wait_port "$work/rt-$engine.out")
  grep -q "no KV-event bridge in this build; ignoring REDIS_HOST" "$work/rt-$engine.err" ||
    fail "$engine: the ignored REDIS_HOST was not reported"

  expect "$engine /health" "$(curl -s "http://127.0.0.1:$rt/health")" '^\{"status":"healthy","service":"runtime"\}$'

  # Some traffic, so that counters and histograms are not all zero.
  for i in 1 2 3; do
    curl -sf "http://127.0.0.1:$sim/v1/completions" -H 'Content-Type: application/json' \
      -d "{\"model\":\"m\",\"prompt\":\"request $i\",\"max_tokens\":4,\"ignore_eos\":true}" >/dev/null
  done
  curl -s -D "$work/headers" "http://127.0.0.1:$rt/metrics" >"$work/metrics-$engine.txt"
  grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$work/headers" || fail "$engine: content type"
  m="$work/metrics-$engine.txt"
  if [ "$engine" = vllm ]; then
    pairs="vllm:generation_tokens_total=kthena:generation_tokens_total
vllm:num_requests_waiting=kthena:num_requests_waiting
vllm:time_to_first_token_seconds_count=kthena:time_to_first_token_seconds_count
vllm:time_per_output_token_seconds_sum=kthena:time_per_output_token_seconds_sum
vllm:e2e_request_latency_seconds_count=kthena:e2e_request_latency_seconds_count"
  else
    pairs="sglang:generation_tokens_total=kthena:generation_tokens_total
sglang:num_queue_reqs=kthena:num_requests_waiting
sglang:time_to_first_token_seconds_count=kthena:time_to_first_token_seconds_count
sglang:inter_token_latency_seconds_sum=kthena:time_per_output_token_seconds_sum
sglang:e2e_request_latency_seconds_count=kthena:e2e_request_latency_seconds_count"
  fi
  while IFS== read -r source target; do
    want=$(awk -v n="$source" '$1 ~ "^"n"({|$)" {print $NF}' "$m")
    got=$(awk -v n="$target" '$1 ~ "^"n"({|$)" {print $NF}' "$m")
    [ -n "$want" ] || fail "$engine: no $source in /metrics"
    [ "$got" = "$want" ] || fail "$engine: $target = '$got', want the value of $source '$want'"
  done <<<"$pairs"
  grep -q '^kthena:generation_tokens_total{.*} 12.0$' "$m" || fail "$engine: kthena:generation_tokens_total is not 12.0"
  grep -q '^# TYPE kthena:time_to_first_token_seconds histogram$' "$m" || fail "$engine: histogram TYPE not copied"
  grep -q '^kthena:time_to_first_token_seconds_bucket{.*le="+Inf".*} 3.0$' "$m" || fail "$engine: +Inf bucket"

  # promtool over the kthena:* families only: the engine's names are the engine's business. The only finding
  # allowed is the ':' in the names (upstream's naming; Prometheus reserves ':' for recording rules).
  grep -E '^(# (HELP|TYPE) )?kthena:' "$m" >"$work/kthena-$engine.txt"
  set +e
  promtool check metrics <"$work/kthena-$engine.txt" >"$work/promtool-$engine.out" 2>&1
  status=$?
  set -e
  [ "$status" = 0 ] || [ "$status" = 3 ] || fail "$engine: promtool exited $status: $(cat "$work/promtool-$engine.out")"
  if grep -v "^kthena:[a-z0-9_]* metric names should not contain ':'$" "$work/promtool-$engine.out" | grep -q .; then
    fail "$engine: promtool findings on the kthena families: $(cat "$work/promtool-$engine.out")"
  fi
  # The whole answer parses (promtool exits 1 on a parse error, 3 on lint findings only).
  set +e
  promtool check metrics <"$m" >"$work/promtool-all-$engine.out" 2>&1
  status=$?
  set -e
  [ "$status" = 0 ] || [ "$status" = 3 ] || fail "$engine: the whole /metrics does not parse: $(head -3 "$work/promtool-all-$engine.out")"

  # Bad bodies.
  expect "$engine download without output_dir" "$(post /v1/download_model '{"source":"pvc:///x"}')" \
    '^400 .*"field":"output_dir"'
  expect "$engine malformed JSON" "$(post /v1/download_model '{"source":')" '^400 .*"field":"body:1:'
  expect "$engine load without lora_name" "$(post /v1/load_lora_adapter '{"source":"a","output_dir":"b"}')" \
    '^400 .*lora_name: required'

  # A model download from a local folder (pvc:// is a path on the node).
  expect "$engine download_model" \
    "$(post /v1/download_model "{\"source\":\"pvc://$work/adapter\",\"output_dir\":\"$work/model-$engine\"}")" \
    '^200 \{"status":"completed"'
  [ -f "$work/model-$engine/adapter_config.json" ] || fail "$engine: download_model wrote nothing"

  if [ "$engine" = vllm ]; then
    # LoRA: blocking load, unload, then an async load that the engine lists once it is done.
    expect "load" "$(post /v1/load_lora_adapter \
      "{\"lora_name\":\"sql\",\"source\":\"pvc://$work/adapter\",\"output_dir\":\"$work/lora-sql\"}")" \
      "^200 Success: LoRA adapter 'sql' added successfully.$"
    curl -sf "http://127.0.0.1:$sim/v1/models" | grep -q "\"id\":\"sql\",\"object\":\"model\",\"created\":[0-9]*,\"owned_by\":\"vllm\",\"root\":\"$work/lora-sql\"" ||
      fail "the engine does not list sql at $work/lora-sql"
    [ -f "$work/lora-sql/adapter_config.json" ] || fail "the adapter was not downloaded"
    expect "load again" "$(post /v1/load_lora_adapter \
      "{\"lora_name\":\"sql\",\"source\":\"pvc://$work/adapter\",\"output_dir\":\"$work/lora-sql\"}")" \
      "^400 .*already been loaded"
    expect "unload" "$(post /v1/unload_lora_adapter '{"lora_name":"sql"}')" \
      "^200 Success: LoRA adapter 'sql' removed successfully.$"
    wait_model "$sim" no sql
    expect "unload unknown" "$(post /v1/unload_lora_adapter '{"lora_name":"sql"}')" '^404 '
    expect "unload malformed" "$(post /v1/unload_lora_adapter '{"lora_name"')" '^400 .*"field":"body:1:'
    expect "async load" "$(post /v1/load_lora_adapter \
      "{\"lora_name\":\"tweet\",\"source\":\"pvc://$work/adapter\",\"output_dir\":\"$work/lora-tweet\",\"async_download\":true}")" \
      '^202 \{"status":"started".*"lora_name":"tweet"'
    wait_model "$sim" yes tweet
  else
    # SGLang's own LoRA endpoints (/load_lora_adapter, /unload_lora_adapter) and its JSON answers.
    expect "sglang load" "$(post /v1/load_lora_adapter \
      "{\"lora_name\":\"sql\",\"source\":\"pvc://$work/adapter\",\"output_dir\":\"$work/lora-sglang\"}")" \
      '^200 \{"success":true'
    wait_model "$sim" yes sql
    expect "sglang unload" "$(post /v1/unload_lora_adapter '{"lora_name":"sql"}')" '^200 \{"success":true'
    wait_model "$sim" no sql
  fi

  # The engine goes away: /metrics says so with 502, and the runtime keeps serving.
  kill "$sim_pid"
  wait "$sim_pid" || true
  status=$(curl -s -o "$work/body" -w '%{http_code}' "http://127.0.0.1:$rt/metrics")
  [ "$status" = 502 ] || fail "$engine: engine down gave $status, want 502"
  grep -q "GET http://127.0.0.1:$sim/metrics" "$work/body" || fail "$engine: 502 body does not name the URL: $(cat "$work/body")"
  expect "$engine /health with the engine down" "$(curl -s "http://127.0.0.1:$rt/health")" '"healthy"'

  kill -TERM "$rt_pid"
  wait "$rt_pid" || fail "$engine: runtime exited $? on SIGTERM"
  echo "runtime_test: $engine passed"
done
trap - EXIT
cleanup
echo "runtime_test: passed"
