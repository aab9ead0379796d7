#!/usr/bin/env bash
# `kthena node` running what the controllers create, as root on this machine: upstream's sample ModelServing becomes
# eight nginx processes, each in its own network namespace and reachable at its pod IP; the ModelServing becomes
# Available from their readiness; a gang that needs more accelerators than are free waits whole and starts whole when
# they are freed, and no two pods hold one device; kill -9 of the agent leaves no container process; a restarted agent
# brings the pods back; deleting everything leaves no namespace, veth or process behind.
#   node_agent_test.sh KTHENA [CONFORMANCE_DIR]
set -euo pipefail
kthena="$1"
conformance="${2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/conformance}"
sample="$conformance/kthena/HEAD/examples/model-serving/sample.yaml"
if [ ! -f "$sample" ]; then
  [ "${KTHENA_CONFORMANCE_REQUIRED:-0}" = 1 ] && { echo "missing $sample"; exit 1; }
  echo "skipped: no conformance data at $conformance"; exit 0
fi
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
  echo "skipped: needs root with network namespaces"; exit 0
fi
dir="$(mktemp -d)"
chmod 755 "$dir"
bridge="ktt$((RANDOM % 100000))"
subnet="10.$((100 + RANDOM % 100)).0.0/16"
pids=()
cleanup() {
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  for ns in /run/netns/"$bridge"-*; do [ -e "$ns" ] && { umount "$ns" 2>/dev/null; rm -f "$ns"; }; done
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "node_agent_test: $*"; for f in "$dir"/*.err "$dir"/node*.out; do echo "== $f"; tail -20 "$f"; done; exit 1; }
wait_for() {  # wait_for SECONDS COMMAND...
  local until=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $until ] || return 1; sleep 0.2; done
}

"$kthena" --log-level warn apiserver --data-dir "$dir/api" --listen 127.0.0.1:0 >"$dir/api.out" 2>"$dir/api.err" &
pids+=($!)
wait_for 20 grep -q '^serving ' "$dir/api.out" || fail "apiserver did not start"
export KUBECONFIG="$dir/api/kubeconfig"
"$kthena" controller-manager --kubeconfig "$KUBECONFIG" --metrics-listen "" >"$dir/cm.out" 2>"$dir/cm.err" &
pids+=($!)
cat >"$dir/node.yaml" <<YAML
name: test-node
bridge: $bridge
podSubnet: $subnet
capacity: {cpu: "32", memory: 64Gi}
accelerators: {huawei.com/ascend-1980: 4}
YAML
start_node() {
  "$kthena" node --kubeconfig "$KUBECONFIG" --data-dir "$dir/node" --config "$dir/node.yaml" \
    >"$dir/node$1.out" 2>"$dir/node$1.err" &
  node_pid=$!
  pids+=($node_pid)
  wait_for 20 grep -qs 'node test-node started' "$dir/node$1.out" || fail "node did not start"
}
start_node 1
kubectl get node test-node -o jsonpath='{.status.allocatable.huawei\.com/ascend-1980}' | grep -qx 4 ||
  fail "node allocatable: $(kubectl get node test-node -o yaml)"

no_processes() { ! pgrep -f "$dir/node/pods" >/dev/null; }
no_pods() { [ -z "$(kubectl get pods -o name)" ]; }
failed_scheduling() { kubectl get events --field-selector reason=FailedScheduling -o name | grep -q "$1"; }
running() {  # running SELECTOR N: exactly N pods of SELECTOR Running and Ready
  [ "$(kubectl get pods -l "$1" --no-headers 2>/dev/null | awk '$2 == "1/1" && $3 == "Running"' | wc -l)" = "$2" ]
}
kubectl apply -f "$sample" >/dev/null
wait_for 60 running modelserving.volcano.sh/name=sample 8 || fail "sample pods: $(kubectl get pods -o wide)"
kubectl wait --for=jsonpath='{.status.availableReplicas}'=1 modelserving/sample --timeout=30s >/dev/null ||
  fail "sample never available"
ip=$(kubectl get pod sample-0-prefill-0-0 -o jsonpath='{.status.podIP}')
port=$(kubectl get pod sample-0-prefill-0-0 -o jsonpath='{.spec.containers[0].ports[0].containerPort}')
# Ready is "started" for a container without a readiness probe, as in a cluster: nginx may not listen yet.
nginx_answers() { curl -sf --max-time 2 "http://$ip:${port:-80}/" | grep -qi nginx; }
wait_for 30 nginx_answers || fail "no nginx answer at $ip:${port:-80}"
[ "$(kubectl get pods -o jsonpath='{.items[*].status.podIP}' | tr ' ' '\n' | sort -u | wc -l)" = 8 ] ||
  fail "pod IPs not distinct: $(kubectl get pods -o wide)"
kubectl describe node test-node | grep -q 'Non-terminated Pods:.*(8 in total)' ||
  fail "describe node: $(kubectl describe node test-node)"

# Gangs: two ModelServings of one group of two pods holding 2 NPUs each fit the 4 declared; a third waits whole.
gang() {
  cat <<YAML
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata: {name: $1}
spec:
  replicas: 1
  schedulerName: volcano
  template:
    roles:
    - name: r
      replicas: 1
      workerReplicas: 1
      entryTemplate:
        spec:
          containers:
          - {name: c, image: busybox, command: [sleep, "3600"], resources: {limits: {huawei.com/ascend-1980: 1}}}
      workerTemplate:
        spec:
          containers:
          - {name: c, image: busybox, command: [sleep, "3600"], resources: {limits: {huawei.com/ascend-1980: 1}}}
YAML
}
gang g1 | kubectl apply -f - >/dev/null
gang g2 | kubectl apply -f - >/dev/null
wait_for 60 running modelserving.volcano.sh/name=g1 2 || fail "g1: $(kubectl get pods -o wide)"
wait_for 60 running modelserving.volcano.sh/name=g2 2 || fail "g2: $(kubectl get pods -o wide)"
gang g3 | kubectl apply -f - >/dev/null
wait_for 30 kubectl get podgroup g3-0 >/dev/null 2>&1 || fail "no PodGroup g3-0"
wait_for 30 failed_scheduling g3 ||
  fail "no FailedScheduling for g3: $(kubectl get events)"
[ -z "$(kubectl get pods -l modelserving.volcano.sh/name=g3 -o jsonpath='{.items[*].spec.nodeName}')" ] ||
  fail "part of g3 was bound: $(kubectl get pods -o wide)"
devices=$(kubectl get pods -o jsonpath='{range .items[*]}{.metadata.annotations.node\.kthena\.io/devices}{"\n"}{end}' |
  grep -o '"[0-9]*"' | sort)
[ "$(echo "$devices" | wc -l)" = 4 ] && [ "$(echo "$devices" | sort -u | wc -l)" = 4 ] ||
  fail "devices shared or missing: $devices"
kubectl delete modelserving g1 >/dev/null
wait_for 60 running modelserving.volcano.sh/name=g3 2 || fail "g3 did not start whole: $(kubectl get pods -o wide)"

# kill -9 of the agent: no container process survives; a new agent brings the pods back.
kill -9 "$node_pid"
wait_for 10 no_processes || fail "processes outlived the agent: $(pgrep -af "$dir/node/pods")"
start_node 2
wait_for 60 running modelserving.volcano.sh/name=sample 8 || fail "after restart: $(kubectl get pods -o wide)"
wait_for 30 nginx_answers || fail "the restarted pod lost its address $ip"

# Everything deleted: no pod, process, namespace or veth left.
kubectl delete modelservings --all --wait=true >/dev/null
wait_for 60 no_pods || fail "pods left: $(kubectl get pods)"
wait_for 10 no_processes || fail "processes left: $(pgrep -af "$dir/node/pods")"
ls /run/netns/ | grep -q "^$bridge-" && fail "namespaces left: $(ls /run/netns)"
ip -o link show master "$bridge" | grep -q . && fail "veths left: $(ip -o link show master "$bridge")"
kill -TERM "$node_pid"
wait "$node_pid" || fail "node exited $? on SIGTERM"
echo "node_agent_test: ok"
