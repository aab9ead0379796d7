#!/usr/bin/env bash
# `kthena controller-manager` as an operator runs it, against `kthena apiserver`, with the real kubectl: upstream's
# sample ModelServing becomes its pods, a ModelBooster becomes Active, `kubectl scale` works, /metrics passes
# promtool, a kill -9 in the middle leaves no duplicate, and of two replicas with --leader-elect only one writes, the
# other taking over when it stops.
#   controller_manager_test.sh KTHENA [CONFORMANCE_DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kthena="$1"
conformance="${2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/conformance}"
sample="$conformance/kthena/HEAD/examples/model-serving/sample.yaml"
if [ ! -f "$sample" ]; then
  [ "${KTHENA_CONFORMANCE_REQUIRED:-0}" = 1 ] && { echo "missing $sample"; exit 1; }
  echo "skipped: no conformance data at $conformance"; exit 0
fi
dir="$(mktemp -d)"
pids=()
trap 'kill -9 "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "controller_manager_test: $*"; for f in "$dir"/*.err; do echo "== $f"; tail -20 "$f"; done; exit 1; }

"$kthena" --log-level warn apiserver --data-dir "$dir/data" --listen 127.0.0.1:0 >"$dir/api.out" 2>"$dir/api.err" &
pids+=($!)
wait_for 20 grep -q '^serving ' "$dir/api.out" || fail "apiserver did not start"
export KUBECONFIG="$dir/data/kubeconfig"

# start_cm NAME [ARGS...]: a controller-manager writing NAME.out/.err; sets $cm_pid.
start_cm() {
  local name="$1"; shift
  "$kthena" controller-manager --kubeconfig "$KUBECONFIG" --metrics-listen 127.0.0.1:0 "$@" \
    >"$dir/$name.out" 2>"$dir/$name.err" &
  cm_pid=$!
  pids+=($cm_pid)
  wait_for 20 grep -q 'controller-manager started' "$dir/$name.out" || fail "$name did not start"
}
pod_count() { kubectl get pods -l modelserving.volcano.sh/name=sample --no-headers 2>/dev/null | wc -l; }
has_pods() { [ "$(pod_count)" = "$1" ]; }
has_booster_pods() { kubectl get pods -l modelserving.volcano.sh/name=test-model-backend1 --no-headers 2>/dev/null | grep -q .; }
no_booster_children() {
  ! kubectl get modelservings,modelservers,modelroutes -o name 2>/dev/null | grep -q test-model
}

start_cm cm1
port=$(sed -n 's/.*metrics on port \([0-9]*\).*/\1/p' "$dir/cm1.out")
kubectl apply -f "$sample" >/dev/null
# sample.yaml: one group, prefill and decode, each one entry and three workers.
wait_for 30 has_pods 8 || fail "want 8 pods, have $(pod_count): $(kubectl get pods 2>&1)"
for name in sample-0-prefill-0-0 sample-0-prefill-0-3 sample-0-decode-0-0 sample-0-decode-0-3; do
  kubectl get pod "$name" >/dev/null 2>&1 || fail "no pod $name"
done
kubectl get service sample-0-prefill-0-0 >/dev/null || fail "no headless service"
kubectl get podgroup sample-0 >/dev/null || fail "no PodGroup"
kubectl get controllerrevisions -l modelserving.volcano.sh/name=sample --no-headers | grep -q . || fail "no ControllerRevision"
kubectl describe modelserving sample | grep -q RoleCreating || fail "no RoleCreating event: $(kubectl describe modelserving sample)"

# What kubectl shows of the controller's work: the printer columns, then (pods marked ready as a kubelet would)
# waiting on the status and the condition, and the RoleRunning Events in describe.
kubectl get modelserving sample >"$dir/get.txt"
head -1 "$dir/get.txt" | grep -Eq '^NAME +REPLICAS +AVAILABLE +UPDATED +AGE$' || fail "columns: $(cat "$dir/get.txt")"
sed -n 2p "$dir/get.txt" | grep -Eq '^sample +1 +0 +1 ' || fail "before ready: $(cat "$dir/get.txt")"
ready='{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}'
for pod in $(kubectl get pods -l modelserving.volcano.sh/name=sample -o name); do
  kubectl patch "$pod" --subresource=status --type=merge -p "$ready" >/dev/null
done
kubectl wait --for=jsonpath='{.status.availableReplicas}'=1 modelserving/sample --timeout=30s >/dev/null ||
  fail "availableReplicas never 1: $(kubectl get modelserving sample -o yaml)"
kubectl wait --for=condition=Available modelserving/sample --timeout=30s >/dev/null || fail "never Available"
kubectl get modelserving sample | sed -n 2p | grep -Eq '^sample +1 +1 +1 ' || fail "after ready: $(kubectl get modelserving sample)"
kubectl describe modelserving sample >"$dir/describe.txt"
grep -Eq 'Normal +RoleRunning .*Role prefill/prefill-0 in ServingGroup sample-0 is now Running' "$dir/describe.txt" ||
  fail "no RoleRunning event: $(cat "$dir/describe.txt")"

# A ModelBooster through kubectl: its children appear, and once its pods report ready it is Active, which
# `kubectl wait` sees and `kubectl get` shows.
booster="$conformance/kthena/HEAD/test/e2e/controller-manager/testdata/ModelBooster-vllm.yaml"
kubectl apply -f "$booster" >/dev/null
wait_for 30 kubectl get modelserving test-model-backend1 >/dev/null 2>&1 || fail "no ModelServing from the booster"
kubectl get modelserver test-model-backend1 >/dev/null || fail "no ModelServer from the booster"
kubectl get modelroute test-model >/dev/null || fail "no ModelRoute from the booster"
kubectl get modelbooster test-model | sed -n 2p | grep -Eq '^test-model +ModelProcessing +False ' ||
  fail "booster before ready: $(kubectl get modelbooster test-model)"
wait_for 30 has_booster_pods || fail "no booster pods: $(kubectl get pods)"
for pod in $(kubectl get pods -l modelserving.volcano.sh/name=test-model-backend1 -o name); do
  kubectl patch "$pod" --subresource=status --type=merge -p "$ready" >/dev/null
done
kubectl wait --for=condition=Active modelbooster/test-model --timeout=30s >/dev/null ||
  fail "booster never Active: $(kubectl get modelbooster test-model -o yaml)"
kubectl get modelbooster test-model | sed -n 2p | grep -Eq '^test-model +ModelAvailable +True ' ||
  fail "booster after ready: $(kubectl get modelbooster test-model)"
kubectl delete modelbooster test-model --wait=true >/dev/null
wait_for 30 no_booster_children || fail "children left after the booster: $(kubectl get modelservings,modelservers,modelroutes)"

kubectl scale modelserving sample --replicas=2 >/dev/null
wait_for 30 has_pods 16 || fail "after scale 2: $(pod_count) pods"
curl -sf "127.0.0.1:$port/healthz" >/dev/null || fail "/healthz"
curl -sf "127.0.0.1:$port/metrics" >"$dir/metrics" || fail "/metrics"
grep -q '^controller_runtime_reconcile_total{controller="modelserving",result="success"} [1-9]' "$dir/metrics" ||
  fail "no successful reconciles: $(cat "$dir/metrics")"
if command -v promtool >/dev/null; then
  promtool check metrics <"$dir/metrics" >"$dir/promtool.out" 2>&1 || fail "promtool: $(cat "$dir/promtool.out")"
fi

# kill -9 while a scale-up is in flight, then a new one: exactly the pods of 3 groups, no duplicate, no orphan.
kubectl scale modelserving sample --replicas=3 >/dev/null
kill -9 "$cm_pid"
start_cm cm2
wait_for 30 has_pods 24 || fail "after restart: $(pod_count) pods"
sleep 1
has_pods 24 || fail "after settling: $(pod_count) pods"
kill -TERM "$cm_pid"
wait "$cm_pid" || fail "controller-manager exited $? on SIGTERM"

# Two replicas with leader election: one leads; stopping it hands over.
kubectl create namespace kthena-system >/dev/null 2>&1 || true
start_cm le1 --leader-elect
first=$cm_pid
wait_for 20 kubectl get lease -n kthena-system lease.kthena.controller-manager >/dev/null 2>&1 || fail "no lease"
start_cm le2 --leader-elect
second=$cm_pid
kubectl scale modelserving sample --replicas=1 >/dev/null
wait_for 30 has_pods 8 || fail "the leader did not scale down: $(pod_count) pods"
cat "$dir/le2.out" "$dir/le2.err" | grep -q "controllers running" && fail "the second replica runs controllers while the first leads"
kill -TERM "$first"
wait "$first" || true
kubectl scale modelserving sample --replicas=2 >/dev/null
wait_for 40 has_pods 16 || fail "no takeover after the leader stopped: $(pod_count) pods"
kill -TERM "$second"
echo "controller_manager_test: ok"
