#!/usr/bin/env bash
# Requests per second of kthena's HTTP server against nginx, one worker each, on the baseline's workload (58-byte JSON,
# keep-alive, wrk -t1 -c64). Server on CPU 1, wrk on CPU 0 (layout A of the shared toolchain notes).
#   bench/http_server_bench.sh [build-dir] [seconds]
set -euo pipefail
build="${1:-build}"
secs="${2:-5}"
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'kill $pids 2>/dev/null || true; rm -rf "$work"' EXIT
pids=""
run_wrk() { taskset -c 0 wrk -t1 -c64 -d"${secs}s" --latency "$1" | awk '/Requests\/sec/{rps=$2} $1=="50%"{p50=$2} $1=="99%"{p99=$2} END{printf "%s req/s p50=%s p99=%s\n", rps, p50, p99}'; }

taskset -c 1 "$root/$build/bin/http_server_bench" --port 18091 --threads 1 >/dev/null & pids="$pids $!"
mkdir -p "$work/tmp"
cat >"$work/nginx.conf" <<NGINX
worker_processes 1; pid $work/nginx.pid; error_log $work/error.log warn; daemon off;
events { worker_connections 4096; multi_accept on; }
http { access_log off; keepalive_requests 1000000; keepalive_timeout 65s;
  client_body_temp_path $work/tmp; proxy_temp_path $work/tmp; fastcgi_temp_path $work/tmp;
  uwsgi_temp_path $work/tmp; scgi_temp_path $work/tmp;
  server { listen 127.0.0.1:18092 reuseport backlog=4096;
    location / { default_type application/json; return 200 '{"object":"list","data":[{"id":"tiny","object":"model"}]}\n'; } } }
NGINX
taskset -c 1 nginx -c "$work/nginx.conf" -p "$work" & pids="$pids $!"
sleep 0.5
echo "kthena http: $(run_wrk http://127.0.0.1:18091/v1/models)"
echo "nginx:       $(run_wrk http://127.0.0.1:18092/v1/models)"
