#!/usr/bin/env bash
# Every ModelServing of upstream's examples/model-serving, run by `kthena node` under the simulation profile with the
# real API server and controller-manager, as root on this machine: each becomes Available, every pod Running and
# Ready, and each engine answers /v1/models at its pod IP and port with the model its manifest serves. Beside them,
# the pod network as pods expect it: engines of two pods bind 0.0.0.0:8000 at once and reach each other; a runtime
# sidecar reaches its engine through localhost; a worker reaches its entry pod through ENTRY_ADDRESS; and once the
# pods are gone no namespace, veth, address or netns mount is left.
#   node_examples_test.sh KTHENA [CONFORMANCE_DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kthena="$1"
conformance="${2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/conformance}"
examples="$conformance/kthena/HEAD/examples/model-serving"
if [ ! -d "$examples" ]; then
  [ "${KTHENA_CONFORMANCE_REQUIRED:-0}" = 1 ] && { echo "missing $examples"; exit 1; }
  echo "skipped: no conformance data at $conformance"; exit 0
fi
skip_unless_pod_network

# The examples, in batches that fit the declared node (multi-node.yaml alone asks for 32 GPUs, 500 cpus and 4.4 Ti of
# memory); per file, the engines: pod:port:served model. Each file gets a namespace of its own, since five of them
# name their ModelServing "sample".
table="
data-parallel-deployment.yaml      1 my-model-0-leader-0-0:8000:my-model my-model-0-leader-0-1:8000:my-model
gangPolicy.yaml                    1
gpu-kvcache-aware-sglang.yaml      1 sglang-qwen-06b-0-server-0-0:30000:Qwen/Qwen3-0.6B
gpu-kvcache-aware.yaml             1 vllm-qwen-06b-0-server-0-0:8000:Qwen/Qwen3-0.6B
gpu-pd-disaggregation.yaml         1 vllm-qwen-06b-0-prefill-0-0:8000:Qwen/Qwen3-0.6B vllm-qwen-06b-0-decode-0-0:8000:Qwen/Qwen3-0.6B
multi-node.yaml                    2 llama-multinode-0-llama-405b-0-0:8080:meta-llama/Llama-3.1-405B-Instruct llama-multinode-0-llama-405b-1-0:8080:meta-llama/Llama-3.1-405B-Instruct
network-topology.yaml              1
prefill-decode-disaggregation.yaml 1 deepseek-v2-lite-0-prefill-0-0:8000:deepseek-ai/DeepSeekV2 deepseek-v2-lite-0-decode-0-0:8000:deepseek-ai/DeepSeekV2
role-rollingupdate.yaml            1
rollingupdate.yaml                 1
sample.yaml                        1
sglang-pd-disaggregation.yaml      1 sglang-qwen-06b-0-prefill-0-0:30000:Qwen/Qwen3-0.6B sglang-qwen-06b-0-decode-0-0:30000:Qwen/Qwen3-0.6B
vllm-pd-multinode.yaml             1 vllm-pd-multinode-0-prefill-0-0:8000:Qwen/Qwen3-8B vllm-pd-multinode-0-decode-0-0:8000:Qwen/Qwen3-8B
"
# Every file of the folder is in the table: a new upstream example must be added here, not skipped.
for f in "$examples"/*.yaml; do
  grep -q "^$(basename "$f") " <<<"$table" || { echo "node_examples_test: $(basename "$f") is not in the table"; exit 1; }
done

dir="$(mktemp -d)"
chmod 755 "$dir"
bridge="kte$((RANDOM % 100000))"
subnet="10.$((100 + RANDOM % 100)).0.0/16"
pids=()
cleanup() {
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  remove_pod_network "$bridge"
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "node_examples_test: $*"
  kubectl get pods -A -o wide 2>/dev/null | grep -v ' Running ' | head -40 || true
  kubectl get events -A --field-selector type=Warning 2>/dev/null | tail -30 || true
  for f in "$dir"/*.err; do echo "== $f"; tail -20 "$f"; done
  exit 1
}

"$kthena" --log-level warn apiserver --data-dir "$dir/api" --listen 127.0.0.1:0 >"$dir/api.out" 2>"$dir/api.err" &
pids+=($!)
wait_for 20 grep -q '^serving ' "$dir/api.out" || fail "apiserver did not start"
export KUBECONFIG="$dir/api/kubeconfig"
"$kthena" controller-manager --kubeconfig "$KUBECONFIG" --metrics-listen "" >"$dir/cm.out" 2>"$dir/cm.err" &
pids+=($!)
# hostPath volumes live under a folder of the test (the simulated node's root), which has what an Ascend server has:
# /etc/hccn.conf, mounted by prefill-decode-disaggregation.yaml.
mkdir -p "$dir/host/etc"
echo "address_0=192.168.100.1" >"$dir/host/etc/hccn.conf"
cat >"$dir/node.yaml" <<YAML
name: examples-node
bridge: $bridge
podSubnet: $subnet
hostPathRoot: $dir/host
capacity: {cpu: "512", memory: 4608Gi, ephemeral-storage: 4Ti}
accelerators: {huawei.com/ascend-1980: 16, nvidia.com/gpu: 32}
YAML
"$kthena" node --kubeconfig "$KUBECONFIG" --data-dir "$dir/node" --config "$dir/node.yaml" \
  >"$dir/node.out" 2>"$dir/node.err" &
node_pid=$!
pids+=($node_pid)
wait_for 20 grep -qs 'node examples-node started' "$dir/node.out" || fail "node did not start"

namespace_of() {  # gangPolicy.yaml -> ex-gangpolicy
  local base="${1%.yaml}"
  echo "ex-$(tr 'A-Z' 'a-z' <<<"$base" | tr -c 'a-z0-9\n' '-')"
}

# The pod network's own check, beside the examples: an engine binding 0.0.0.0:8000 in the entry pod (whose readiness
# probe asks for two minutes, as upstream's engines do), and a curl worker that is Ready only when it fetches the
# entry's /v1/models through $ENTRY_ADDRESS.
network_check() {
  cat <<'YAML'
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelServing
metadata: {name: net}
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
          - name: engine
            image: vllm/vllm-openai:v0.13.0
            args: [net-model]
            readinessProbe: {httpGet: {path: /health, port: 8000}, initialDelaySeconds: 120, periodSeconds: 1}
      workerTemplate:
        spec:
          containers:
          - name: worker
            image: curlimages/curl
            command: [sh, -c, "trap 'exit 0' TERM; sleep infinity & wait"]
            readinessProbe:
              exec: {command: [sh, -c, 'curl -sf --max-time 2 "http://$ENTRY_ADDRESS:8000/v1/models" | grep -q net-model']}
              periodSeconds: 1
YAML
}

servings=()  # namespace/name of this batch's ModelServings
available() {
  local s ns name
  for s in "${servings[@]}"; do
    ns="${s%%/*}" name="${s#*/}"
    read -r want have < <(kubectl get modelserving -n "$ns" "$name" \
      -o jsonpath='{.spec.replicas} {.status.availableReplicas}{"\n"}' 2>/dev/null) || return 1
    [ -n "${have:-}" ] && [ "$want" = "$have" ] || return 1
  done
}
not_ready() {  # the pods of this batch that are not Running and Ready
  local s
  for s in "${servings[@]}"; do
    kubectl get pods -n "${s%%/*}" --no-headers \
      -o custom-columns='N:.metadata.name,P:.status.phase,R:.status.conditions[?(@.type=="Ready")].status' |
      awk -v ns="${s%%/*}" '$2 != "Running" || $3 != "True" { print ns "/" $0 }'
  done
}
net_running() {
  [ "$(kubectl get pods -n ex-net --no-headers 2>/dev/null | awk '$3 == "Running"' | wc -l)" = 2 ]
}
no_pods_in() { [ -z "$(kubectl get pods -n "$1" -o name)" ]; }
pod_ip() { kubectl get pod -n "$1" "$2" -o jsonpath='{.status.podIP}'; }
models_at() {  # models_at NS POD PORT MODEL: /v1/models at the pod's IP lists MODEL
  local ip
  ip="$(pod_ip "$1" "$2")"
  curl -sf --max-time 5 "http://$ip:$3/v1/models" | grep -qF "\"id\":\"$4\""
}
nothing_left() {
  [ -z "$(kubectl get pods -A -o name)" ] || return 1
  ! ls /run/netns | grep -q "^$bridge-" || return 1
  ! ip -o link show master "$bridge" | grep -q . || return 1
  [ -z "$(ls "$dir/node/network" 2>/dev/null | grep '\.json$')" ] || return 1
  # A netns mount copied into a container's mount namespace would keep a deleted pod's namespace alive.
  ! grep -qs "/run/netns/$bridge-" /proc/[0-9]*/mountinfo
}

started=$SECONDS
for batch in 1 2; do
  servings=()
  if [ "$batch" = 1 ]; then
    # First, so that the examples' containers start after its pods' network namespaces exist (see below).
    kubectl create namespace ex-net >/dev/null
    network_check | kubectl apply -n ex-net -f - >/dev/null
    servings+=(ex-net/net)
    wait_for 30 net_running || fail "the pods of net did not start"
  fi
  while read -r file b engines; do
    [ -n "$file" ] && [ "$b" = "$batch" ] || continue
    ns="$(namespace_of "$file")"
    kubectl create namespace "$ns" >/dev/null
    name="$(sed '/^  namespace:/d' "$examples/$file" | kubectl apply -n "$ns" -o name -f -)" || fail "apply $file"
    servings+=("$ns/${name#*/}")
  done <<<"$table"
  wait_for 300 available || fail "batch $batch: not Available after 300 s: $(not_ready)"
  [ -z "$(not_ready)" ] || fail "batch $batch: pods not Running and Ready: $(not_ready)"
  echo "node_examples_test: batch $batch (${#servings[@]} ModelServings) Available after $((SECONDS - started)) s"

  while read -r file b engines; do
    [ -n "$file" ] && [ "$b" = "$batch" ] || continue
    for e in $engines; do
      IFS=: read -r pod port model <<<"$e"
      models_at "$(namespace_of "$file")" "$pod" "$port" "$model" ||
        fail "$file: $pod does not serve $model at $(pod_ip "$(namespace_of "$file")" "$pod"):$port"
    done
  done <<<"$table"
  # The engine's readiness delay (180 s in data-parallel-deployment.yaml) was capped, and the pod says so.
  kubectl get events -n ex-data-parallel-deployment --field-selector reason=ProbeDelayCapped -o name | grep -q . ||
    [ "$batch" != 1 ] || fail "no ProbeDelayCapped event for data-parallel-deployment"

  if [ "$batch" = 1 ]; then
    # Both engines bind 0.0.0.0:8000; each reaches the other from its own network namespace.
    ns=ex-gpu-pd-disaggregation
    prefill="vllm-qwen-06b-0-prefill-0-0" decode="vllm-qwen-06b-0-decode-0-0"
    for pair in "$prefill $decode" "$decode $prefill"; do
      read -r from to <<<"$pair"
      uid="$(kubectl get pod -n "$ns" "$from" -o jsonpath='{.metadata.uid}')"
      ip netns exec "$bridge-$uid" curl -sf --max-time 5 "http://$(pod_ip "$ns" "$to"):8000/v1/models" |
        grep -q Qwen3-0.6B || fail "$from does not reach $to at its pod IP"
    done
    # The runtime sidecar re-serves its engine's metrics, fetched from http://localhost:8000 in the pod.
    ns=ex-gpu-kvcache-aware pod=vllm-qwen-06b-0-server-0-0
    curl -sf --max-time 5 "http://$(pod_ip "$ns" $pod):8900/metrics" |
      grep -q '^kthena:num_requests_waiting{.*model_name="Qwen/Qwen3-0.6B"' ||
      fail "the runtime sidecar of $pod does not reach its engine through localhost"
    # The worker became Ready by fetching /v1/models from $ENTRY_ADDRESS; the entry answers the host too.
    models_at ex-net net-0-r-0-0 8000 net-model || fail "the entry pod of net does not serve net-model"
    # Deleted while the examples run: no container of theirs holds a copy of its pods' namespace mounts, which would
    # keep the namespaces alive as long as it runs (the mount namespaces are private; the kernel detaches the copies
    # when the agent removes the file they are mounted on).
    uids="$(kubectl get pods -n ex-net -o jsonpath='{.items[*].metadata.uid}')"
    kubectl delete modelserving -n ex-net net --wait=false >/dev/null
    wait_for 30 no_pods_in ex-net || fail "the pods of net were not deleted"
    for uid in $uids; do
      held="$(grep -ls "/run/netns/$bridge-$uid" /proc/[0-9]*/mountinfo | head -3 || true)"
      [ -z "$held" ] || fail "the network namespace of a deleted pod is held by $held"
    done
  fi

  for s in "${servings[@]}"; do
    kubectl delete modelserving -n "${s%%/*}" "${s#*/}" --wait=false --ignore-not-found >/dev/null
  done
  wait_for 90 nothing_left || fail "batch $batch: left after deletion: pods $(kubectl get pods -A -o name | wc -l)," \
    "namespaces $(ls /run/netns | grep -c "^$bridge-"), veths $(ip -o link show master "$bridge" | wc -l)," \
    "netns mounts held by $(grep -ls "/run/netns/$bridge-" /proc/[0-9]*/mountinfo | head -3)"
  echo "node_examples_test: batch $batch gone after $((SECONDS - started)) s"
done
kill -TERM "$node_pid"
wait "$node_pid" || fail "node exited $? on SIGTERM"
echo "node_examples_test: ok"
