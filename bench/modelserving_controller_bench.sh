#!/usr/bin/env bash
# The ModelServing controller from empty to every pod created: N ModelServings × 4 serving groups × 2 roles (one
# pod each, schedulerName volcano, so a PodGroup per group too), created at once in the embedded API server, with
# `kthena controller-manager` running beside it. Reports the time until the last pod exists, reconciles and their
# rate, the controller process's peak memory, the API requests it sent per created object, and the writes it sends
# once converged (none expected: no hot loop).
#   bench/modelserving_controller_bench.sh [build-dir] [modelservings]
set -euo pipefail
build="${1:-build}"; n="${2:-200}"
root="$(cd "$(dirname "$0")/.." && pwd)"
kthena="${KTHENA:-$root/$build/bin/kthena}"
dir="$(mktemp -d)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT

"$kthena" --log-level warn apiserver --data-dir "$dir/data" --listen 127.0.0.1:0 >"$dir/api.out" 2>"$dir/api.err" &
pids+=($!)
for _ in $(seq 200); do grep -q '^serving ' "$dir/api.out" && break; sleep 0.05; done
url=$(awk '/^serving /{print $2}' "$dir/api.out")
token=$(cat "$dir/data/token")
export KUBECONFIG="$dir/data/kubeconfig"
api() { curl -sk -H "Authorization: Bearer $token" "$url$1"; }

for i in $(seq 0 $((n - 1))); do
  cat <<YAML
---
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata: {name: ms-$i, namespace: default}
spec:
  replicas: 4
  template:
    roles:
    - {name: prefill, replicas: 1, workerReplicas: 0, entryTemplate: {spec: {containers: [{name: e, image: vllm/vllm-openai:latest}]}}}
    - {name: decode, replicas: 1, workerReplicas: 0, entryTemplate: {spec: {containers: [{name: e, image: vllm/vllm-openai:latest}]}}}
YAML
done >"$dir/ms.yaml"
want=$((n * 8))

"$kthena" --log-level warn controller-manager --kubeconfig "$KUBECONFIG" --metrics-listen 127.0.0.1:0 \
  >"$dir/cm.out" 2>"$dir/cm.err" &
cm=$!
pids+=($cm)
for _ in $(seq 200); do grep -q 'metrics on port' "$dir/cm.out" && break; sleep 0.05; done
mport=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$dir/cm.out")
metric() { curl -s "127.0.0.1:$mport/metrics" | awk -v m="$1" '$1 == m {print $2}'; }
pods() { api "/api/v1/namespaces/default/pods" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))'; }

t0=$(date +%s.%N)
kubectl create -f "$dir/ms.yaml" >/dev/null
t_created=$(date +%s.%N)
while [ "$(pods)" -lt "$want" ]; do sleep 0.2; done
t1=$(date +%s.%N)
# Let the status writes that follow the last pods settle, then look for writes in a quiet period.
sleep 3
writes() {
  curl -s "127.0.0.1:$mport/metrics" | awk '/^rest_client_requests_total\{method="(POST|PUT|PATCH|DELETE)"\}/ {s += $2} END {print s}'
}
w0=$(writes)
sleep 5
w1=$(writes)
reconciles=$(curl -s "127.0.0.1:$mport/metrics" | awk '/^controller_runtime_reconcile_total/ {s += $2} END {print s}')
get=$(metric 'rest_client_requests_total{method="GET"}')
post=$(metric 'rest_client_requests_total{method="POST"}')
put=$(metric 'rest_client_requests_total{method="PUT"}')
del=$(metric 'rest_client_requests_total{method="DELETE"}')
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$cm/status")
objects=$((want + n * 4 + n))  # pods, PodGroups, ControllerRevisions
awk -v n="$n" -v want="$want" -v t0="$t0" -v tc="$t_created" -v t1="$t1" -v r="$reconciles" -v hwm="$hwm" \
  -v get="$get" -v post="$post" -v put="$put" -v del="$del" -v obj="$objects" -v w="$((w1 - w0))" 'BEGIN {
  printf "%d ModelServings, %d pods: all created %.2f s after the first create (kubectl create took %.2f s)\n", n, want, t1 - t0, tc - t0
  printf "reconciles %d (%.0f/s), controller peak RSS %.1f MiB\n", r, r / (t1 - t0), hwm / 1024
  printf "API requests: GET %d, POST %d, PUT %d, DELETE %d = %.2f per created object (%d objects)\n", get, post, put, del, (get + post + put + del) / obj, obj
  printf "writes in 5 s once converged: %d\n", w
}'
