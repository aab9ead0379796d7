#!/usr/bin/env bash
# `kthena node` from 200 pods created at once to all of them Running and Ready: one ModelServing of N serving groups
# of one pod each (busybox `sleep`, so the figure is the agent's own cost: scheduling, a network namespace and veth,
# a pid and mount namespace, a cgroup, status writes), beside the embedded API server and the controller-manager.
# Reports the time until the last pod is Ready, the agent's CPU time over that span and its peak memory, and the
# time until every pod is gone after the ModelServing is deleted. Needs root (network namespaces).
#   bench/node_agent_bench.sh [build-dir] [pods]
set -euo pipefail
build="${1:-build}"; n="${2:-200}"
root="$(cd "$(dirname "$0")/.." && pwd)"
kthena="${KTHENA:-$root/$build/bin/kthena}"
[ "$(id -u)" = 0 ] || { echo "node_agent_bench: needs root"; exit 1; }
dir="$(mktemp -d)"
chmod 755 "$dir"
bridge="ktb$((RANDOM % 10000))"
pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  for ns in /run/netns/"$bridge"-*; do [ -e "$ns" ] && { umount "$ns" 2>/dev/null; rm -f "$ns"; }; done
  ip link del "$bridge" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

"$kthena" --log-level warn apiserver --data-dir "$dir/api" --listen 127.0.0.1:0 >"$dir/api.out" 2>"$dir/api.err" &
pids+=($!)
for _ in $(seq 200); do grep -q '^serving ' "$dir/api.out" && break; sleep 0.05; done
export KUBECONFIG="$dir/api/kubeconfig"
"$kthena" --log-level warn controller-manager --kubeconfig "$KUBECONFIG" --metrics-listen "" >"$dir/cm.out" 2>&1 &
pids+=($!)
cat >"$dir/node.yaml" <<YAML
bridge: $bridge
podSubnet: 10.250.0.0/16
capacity: {cpu: "1000", memory: 4Ti, pods: "1000"}
YAML
"$kthena" --log-level warn node --kubeconfig "$KUBECONFIG" --data-dir "$dir/node" --config "$dir/node.yaml" \
  >"$dir/node.out" 2>"$dir/node.err" &
node=$!
pids+=($node)
for _ in $(seq 400); do grep -q 'started' "$dir/node.out" && break; sleep 0.05; done

cpu_ticks() { awk '{print $14 + $15}' "/proc/$node/stat"; }
ready() { kubectl get pods --no-headers 2>/dev/null | awk '$2 == "1/1" && $3 == "Running"' | wc -l; }
ticks0=$(cpu_ticks)
start=$(date +%s.%N)
kubectl apply -f - >/dev/null <<YAML
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata: {name: bench}
spec:
  replicas: $n
  template:
    roles:
    - name: r
      replicas: 1
      workerReplicas: 0
      entryTemplate:
        spec:
          containers: [{name: c, image: busybox, command: [sleep, "3600"]}]
YAML
until [ "$(ready)" -ge "$n" ]; do sleep 0.5; done
end=$(date +%s.%N)
ticks1=$(cpu_ticks)
hz=$(getconf CLK_TCK)
rss=$(awk '/VmHWM/{print $2}' "/proc/$node/status")
threads=$(awk '/Threads/{print $2}' "/proc/$node/status")
up=$(echo "$end - $start" | bc)
cpu=$(echo "scale=2; ($ticks1 - $ticks0) / $hz" | bc)
start=$(date +%s.%N)
kubectl delete modelserving bench --wait=true >/dev/null
until [ "$(kubectl get pods --no-headers 2>/dev/null | wc -l)" = 0 ]; do sleep 0.5; done
down=$(echo "$(date +%s.%N) - $start" | bc)
printf 'pods %d: all Running and Ready in %.1f s; agent CPU %.1f s; agent peak RSS %d MiB (%d threads); all gone %.1f s after the delete\n' \
  "$n" "$up" "$cpu" $((rss / 1024)) "$threads" "$down"
