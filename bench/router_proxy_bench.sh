#!/usr/bin/env bash
# The router against nginx on the toolchain baseline's loopback layout A (docs/benchmarks.md, "Router"):
#   backend: nginx (one worker) answering a 58-byte JSON, on CPU 0 with the load generator;
#   proxy under test on CPU 1: kthena router (one worker thread, model-aware routing with upstream's default
#   plugins, access log off) or nginx (one worker, keep-alive upstream pool) or the floor proxy (bench/floor_proxy.cpp:
#   the same four system calls per request and no other work, the kernel's floor for one hop); and the backend
#   directly;
#   load: wrk -t1 -c64 (throughput) and -c1 (added latency), pinned to CPU 0, keep-alive.
# The 1-connection rows are also taken with the proxy moved onto CPU 0 ("one core"): on a VM, each of the two extra
# cross-core wake-ups a proxy on its own core causes costs tens of microseconds, whatever the proxy does; on one
# core the added latency is the proxy's own work and its two extra context switches.
# Scenarios: small chat requests; 220 KB prompts (prefix-cache scoring on); small chat requests again with
# bench/floor_backend as the backend (the "proxy-bound" layout, where the proxy and not CPU 0 sets the rate). CPU per
# request of the proxy process is its utime+stime over the run divided by the requests it served.
# With a fourth argument, the router of that build (`make release`: profile-guided, link-time optimised) runs beside
# the regular one.
#   bench/router_proxy_bench.sh [build-dir] [seconds] [runs] [pgo-build-dir]
set -euo pipefail
build="${1:-build}"
secs="${2:-10}"
runs="${3:-3}"
pgo_build="${4:-}"
root="$(cd "$(dirname "$0")/.." && pwd)"
case "$build" in /*) kthena="$build/bin/kthena" ;; *) kthena="$root/$build/bin/kthena" ;; esac
work="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

backend=28181; nginx_proxy=28182; router=28183; floor=28184; pgo_router=28185
"$root/bench/ports-free" router_proxy_bench $backend $nginx_proxy $router $floor $pgo_router
mkdir -p "$work"/{backend,proxy}/tmp
nginx_conf() {  # dir port location
  cat <<NGINX
worker_processes 1; pid $work/$1/nginx.pid; error_log $work/$1/error.log warn; daemon off;
events { worker_connections 4096; multi_accept on; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 65s; client_max_body_size 4m;
  client_body_buffer_size 512k;
  client_body_temp_path $work/$1/tmp; proxy_temp_path $work/$1/tmp; fastcgi_temp_path $work/$1/tmp;
  uwsgi_temp_path $work/$1/tmp; scgi_temp_path $work/$1/tmp;
  upstream backend { server 127.0.0.1:$backend; keepalive 128; keepalive_requests 1000000; }
  server { listen 127.0.0.1:$2 reuseport backlog=4096; $3 } }
NGINX
}
nginx_conf backend $backend "location / { default_type application/json; return 200 '{\"object\":\"list\",\"data\":[{\"id\":\"tiny\",\"object\":\"model\"}]}\n'; }" >"$work/backend/nginx.conf"
nginx_conf proxy $nginx_proxy 'location / { proxy_pass http://backend; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; proxy_request_buffering off; }' >"$work/proxy/nginx.conf"
cat >"$work/static.yaml" <<YAML
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: tiny}
spec:
  modelName: tiny
  rules: [{targetModels: [{modelServerName: tiny}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: tiny}
spec:
  inferenceEngine: vLLM
  workloadSelector: {matchLabels: {app: tiny}}
  workloadPort: {port: $backend}
---
{apiVersion: v1, kind: Pod, metadata: {name: tiny-0, labels: {app: tiny}}, status: {podIP: 127.0.0.1}}
YAML

taskset -c 0 nginx -c "$work/backend/nginx.conf" -p "$work/backend" & backend_pid=$!; pids+=($backend_pid)
backend_name="nginx backend"
taskset -c 1 nginx -c "$work/proxy/nginx.conf" -p "$work/proxy" & pids+=($!)
ACCESS_LOG_ENABLED=false taskset -c 1 "$kthena" --log-level warn router --static "$work/static.yaml" \
  --listen 127.0.0.1:$router --metrics-listen "" --debug-listen "" --threads 1 & router_pid=$!; pids+=($router_pid)
taskset -c 1 "$(dirname "$kthena")/floor_proxy" $floor $backend & floor_pid=$!; pids+=($floor_pid)
pgo_pid=""
if [ -n "$pgo_build" ]; then
  case "$pgo_build" in /*) pgo_kthena="$pgo_build/bin/kthena" ;; *) pgo_kthena="$root/$pgo_build/bin/kthena" ;; esac
  ACCESS_LOG_ENABLED=false taskset -c 1 "$pgo_kthena" --log-level warn router --static "$work/static.yaml" \
    --listen 127.0.0.1:$pgo_router --metrics-listen "" --debug-listen "" --threads 1 & pgo_pid=$!; pids+=($pgo_pid)
fi
for port in $router ${pgo_pid:+$pgo_router}; do
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.05; done
done
sleep 0.5
nginx_worker=$(pgrep -P "$(cat "$work/proxy/nginx.pid")" | head -1)

# Bodies: a small chat request, and one whose user message is 220 KB of text.
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
small = {"model": "tiny", "messages": [{"role": "user", "content": "hello world"}], "max_tokens": 8}
text = ("The quick brown fox jumps over the lazy dog. " * 6000)[:220 * 1024]
large = {"model": "tiny", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                       {"role": "user", "content": text}], "max_tokens": 8}
for name, body in (("small", small), ("large", large)):
    payload = json.dumps(body)
    with open(f"{work}/{name}.json", "w") as f: f.write(payload)
    with open(f"{work}/{name}.lua", "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n')
        f.write(f'local f = io.open("{work}/{name}.json"); wrk.body = f:read("*a"); f:close()\n')
PY

ticks() { [ -n "$1" ] && awk '{print $14+$15}' "/proc/$1/stat" || echo 0; }
# once NAME URL BODY CONNECTIONS PID -> "name req/s p50 p99 cpu_us_per_request" for one run
once() {
  local name=$1 url=$2 body=$3 conns=$4 pid=$5
  local t0; t0=$(ticks "$pid")
  local out; out=$(taskset -c 0 wrk -t1 -c"$conns" -d"${secs}s" --latency -s "$work/$body.lua" "$url")
  local t1; t1=$(ticks "$pid")
  echo "$out" | awk -v name="$name" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" '
    /requests in/ {reqs=$1} /Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2}
    END {cpu = reqs > 0 && t > 0 ? t / hz * 1e6 / reqs : 0; printf "%-28s %10s req/s  p50 %8s  p99 %8s  cpu/req %5.1f us\n", name, rps, p50, p99, cpu}'
}
# scenario BODY CONNECTIONS: direct, nginx, the router and the floor proxy in turn, `runs` rounds, so that a drift of
# the machine (another VM on the host) hits them alike; prints each one's median-req/s run.
scenario() {
  local body=$1 conns=$2 i
  rm -f "$work"/res.*
  for i in $(seq "$runs"); do
    once "direct ($backend_name)" "http://127.0.0.1:$backend/v1/chat/completions" "$body" "$conns" "" >>"$work/res.1"
    once "nginx proxy" "http://127.0.0.1:$nginx_proxy/v1/chat/completions" "$body" "$conns" "$nginx_worker" >>"$work/res.2"
    once "kthena router" "http://127.0.0.1:$router/v1/chat/completions" "$body" "$conns" "$router_pid" >>"$work/res.3"
    once "floor proxy (no routing)" "http://127.0.0.1:$floor/v1/chat/completions" "$body" "$conns" "$floor_pid" >>"$work/res.4"
    if [ -n "$pgo_pid" ]; then
      once "kthena router (PGO build)" "http://127.0.0.1:$pgo_router/v1/chat/completions" "$body" "$conns" "$pgo_pid" \
        >>"$work/res.5"
    fi
  done
  for i in 1 2 3 4 ${pgo_pid:+5}; do
    awk '{for (f = 2; f <= NF; f++) if ($f == "req/s") print $(f - 1) "\t" $0}' "$work/res.$i" | sort -n |
      awk -v runs="$runs" 'NR == int((runs + 1) / 2)' | cut -f2-
  done
}

echo "== small requests, 64 connections (median of $runs runs of ${secs}s)"
scenario small 64
echo "== small requests, 1 connection (added latency = p50 - direct p50)"
scenario small 1
echo "== small requests, 1 connection, one core (the proxies moved to CPU 0 with wrk and the backend)"
taskset -a -p -c 0 "$router_pid" >/dev/null; taskset -p -c 0 "$nginx_worker" >/dev/null; taskset -p -c 0 "$floor_pid" >/dev/null
[ -z "$pgo_pid" ] || taskset -a -p -c 0 "$pgo_pid" >/dev/null
scenario small 1
taskset -a -p -c 1 "$router_pid" >/dev/null; taskset -p -c 1 "$nginx_worker" >/dev/null; taskset -p -c 1 "$floor_pid" >/dev/null
[ -z "$pgo_pid" ] || taskset -a -p -c 1 "$pgo_pid" >/dev/null
echo "== 220 KB prompts, 16 connections"
scenario large 16
echo "== 220 KB prompts, 1 connection"
scenario large 1

# The proxy-bound layout: bench/floor_backend in place of the nginx backend (same port, same answer). With nginx as
# the backend, wrk and the backend take about 12 us of CPU 0 a request, which caps every proxy near the same rate
# (the floor proxy's too); the floor backend takes about 4 us, so the proxy's own CPU sets its rate. The proxies keep
# running: their pooled upstream connections to the old backend fail once and are replaced (a warm-up round each).
echo "== small requests, 64 connections, proxy-bound: the floor backend in place of nginx's"
kill "$backend_pid"; wait "$backend_pid" 2>/dev/null || true
taskset -c 0 "$(dirname "$kthena")/floor_backend" $backend & pids+=($!)
backend_name="floor backend"
for _ in $(seq 100); do curl -sf -o /dev/null -d '{}' "http://127.0.0.1:$backend/" && break; sleep 0.05; done
for port in $nginx_proxy $router $floor ${pgo_pid:+$pgo_router}; do
  taskset -c 0 wrk -t1 -c64 -d1s -s "$work/small.lua" "http://127.0.0.1:$port/v1/chat/completions" >/dev/null
done
scenario small 64
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg))"
