#!/usr/bin/env bash
# Every upstream ModelBooster example and every manifest of examples/ under `kthena up`'s simulation profile, on one
# declared server (64 cpu, 512Gi, 16 Ascend NPUs, 8 GPUs): each booster becomes Active and answers through the
# router; in the prefill/decode boosters each request passes through a prefill pod, then a decode pod; the canary
# route splits by weight; a LoRA adapter answers by name; the multi-node ModelServing's worker reaches its leader; no
# two pods hold one device.
#   up_examples_test.sh KTHENA REPO_ROOT [CONFORMANCE_DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kthena="$1"
root="$2"
conformance="${3:-$root/../shared/conformance}"
boosters="$conformance/kthena/HEAD/examples/model-booster"
if [ ! -d "$boosters" ]; then
  [ "${KTHENA_CONFORMANCE_REQUIRED:-0}" = 1 ] && { echo "missing $boosters"; exit 1; }
  echo "skipped: no conformance data at $conformance"; exit 0
fi
skip_unless_pod_network
dir="$(mktemp -d)"
chmod 755 "$dir"
bridge="kte$((RANDOM % 100000))"
up_pid=""
cleanup() {
  [ -n "$up_pid" ] && kill -9 "$up_pid" 2>/dev/null
  wait 2>/dev/null || true
  remove_pod_network "$bridge"
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "up_examples_test: $*"
  kubectl get modelboosters,modelservings,pods -A -o wide 2>&1 | head -60
  for f in "$dir"/up.out "$dir"/d/logs/*.log; do [ -f "$f" ] && { echo "== $f"; tail -15 "$f"; }; done
  exit 1
}
cat >"$dir/node.yaml" <<YAML
bridge: $bridge
podSubnet: 10.$((100 + RANDOM % 100)).0.0/16
capacity: {cpu: "64", memory: 512Gi}
accelerators: {huawei.com/ascend-1980: 16, nvidia.com/gpu: 8}
YAML
"$kthena" up --data-dir "$dir/d" --api-listen 127.0.0.1:0 --router-listen 127.0.0.1:0 \
  --node-config "$dir/node.yaml" >"$dir/up.out" 2>&1 &
up_pid=$!
wait_for 60 grep -q 'kthena up: ready' "$dir/up.out" || fail "kthena up did not become ready"
export KUBECONFIG="$dir/d/kubeconfig"
router=$(sed -n 's/.*"router": "\(.*\)".*/\1/p' "$dir/d/endpoints.json")

# Upstream's Ascend prefill/decode example lives in namespace dev.
kubectl create namespace dev >/dev/null
for f in "$boosters"/*.yaml "$root"/examples/*.yaml; do
  kubectl apply -f "$f" >/dev/null || fail "kubectl apply -f $f"
done
# Upstream's router example: the engine as a plain Deployment (three mock vLLM pods) beside a ModelServer and a
# ModelRoute, run by the controller-manager's Deployment controller; its model is among those that must answer below.
mock="$conformance/kthena/HEAD/examples/kthena-router/LLM-Mock.yaml"
kubectl apply -f "$mock" >/dev/null || fail "kubectl apply -f $mock"
# Upstream's Qwen2.5-Coder-32B example reads its S3 credentials from a Secret the user creates: created after the booster, as
# a user reading the pod's CreateContainerConfigError would, the engine starts on the agent's next try.
secret_missing() { kubectl get events --field-selector reason=Failed | grep -q 'secret "your-secrets" not found'; }
wait_for 90 secret_missing || fail "no event about the missing Secret"
kubectl create secret generic your-secrets --from-literal=ACCESS_KEY=unused --from-literal=SECRET_KEY=unused >/dev/null
kubectl wait --for=condition=Active modelbooster --all -A --timeout=300s >/dev/null || fail "not every booster is Active"
kubectl rollout status deployment/vllm-llama3-8b-instruct --timeout=120s >/dev/null ||
  fail "the Deployment of LLM-Mock.yaml did not roll out"
kubectl wait --for=jsonpath='{.status.availableReplicas}'=1 modelserving/llama-multinode --timeout=120s >/dev/null ||
  fail "the multi-node ModelServing is not Available"

chat() {  # chat MODEL: the answer's body; fails on an HTTP error
  curl -sS --fail-with-body --max-time 20 "$router/v1/chat/completions" -H 'Content-Type: application/json' \
    -d "{\"model\": \"$1\", \"messages\": [{\"role\": \"user\", \"content\": \"hello\"}], \"max_tokens\": 8}"
}
answers() { chat "$1" | grep -q '"chat.completion"'; }
# Every model a route names answers (the router may need a moment to see the last pods ready).
for model in $(kubectl get modelroutes -A -o jsonpath='{.items[*].spec.modelName}'); do
  wait_for 30 answers "$model" || fail "model $model does not answer: $(chat "$model" 2>&1)"
done
echo "models answering: $(kubectl get modelroutes -A -o jsonpath='{.items[*].spec.modelName}')"

successes() {  # successes POD [NAMESPACE]: requests the pod's engine finished (vLLM's counter)
  local ip
  ip=$(kubectl get pod -n "${2:-default}" "$1" -o jsonpath='{.status.podIP}')
  curl -s --max-time 5 "http://$ip:8000/metrics" |
    awk '/^vllm:request_success_total/ { n += $NF } END { printf "%d\n", n }'
}
pod_of() {  # pod_of NAMESPACE SERVING ROLE: the first pod of that role
  kubectl get pods -n "$1" -l "modelserving.volcano.sh/name=$2,modelserving.volcano.sh/role=$3" \
    -o jsonpath='{.items[0].metadata.name}'
}
# Prefill/decode: one request moves the prefill pod's counter and the decode pod's.
for booster in default/qwen-nixl-pd default/qwen-lmcache-pd dev/deepseek-v2-lite default/qwen-pd; do
  ns=${booster%/*}
  booster=${booster#*/}
  serving=$(kubectl get modelservings -n "$ns" -l "workload.serving.volcano.sh/model-name=$booster" \
    -o jsonpath='{.items[0].metadata.name}')
  prefill=$(pod_of "$ns" "$serving" prefill)
  decode=$(pod_of "$ns" "$serving" decode)
  [ -n "$prefill" ] && [ -n "$decode" ] || fail "$booster: no prefill or decode pod"
  p0=$(successes "$prefill" "$ns")
  d0=$(successes "$decode" "$ns")
  model=$(kubectl get modelroute -n "$ns" "$booster" -o jsonpath='{.spec.modelName}')
  answers "$model" || fail "$booster: no answer"
  p1=$(successes "$prefill" "$ns")
  d1=$(successes "$decode" "$ns")
  [ "$p1" -gt "$p0" ] && [ "$d1" -gt "$d0" ] ||
    fail "$booster: prefill $p0 -> $p1, decode $d0 -> $d1: the request did not pass through both"
done
echo "prefill/decode: each request through a prefill pod, then a decode pod"

# The canary route: 100 requests for "chat" split about 90/10 between the two boosters' pods.
stable=$(kubectl get pods -l modelserving.volcano.sh/name=chat-stable-v1 -o jsonpath='{.items[0].metadata.name}')
canary=$(kubectl get pods -l modelserving.volcano.sh/name=chat-canary-v2 -o jsonpath='{.items[0].metadata.name}')
s0=$(successes "$stable")
c0=$(successes "$canary")
for _ in $(seq 1 100); do answers chat || fail "chat failed"; done
s=$(($(successes "$stable") - s0))
c=$(($(successes "$canary") - c0))
[ $((s + c)) = 100 ] && [ "$c" -ge 1 ] && [ "$c" -le 30 ] || fail "canary split: stable $s, canary $c of 100"
echo "canary: stable $s, canary $c of 100"

# The LoRA adapter answers by its own name.
chat sql-lora | grep -q '"model":"sql-lora"' || fail "sql-lora: $(chat sql-lora 2>&1)"

# No device is held by two pods.
devices=$(kubectl get pods -A -o jsonpath='{range .items[*]}{.metadata.annotations.node\.kthena\.io/devices}{"\n"}{end}' |
  grep -o '"[a-z./0-9-]*": *\[[^]]*\]' | tr -d ' ' | sed 's/":\[/ /; s/"//g; s/\]//' |
  awk '{ n = split($2, ids, ","); for (i = 1; i <= n; i++) print $1 "/" ids[i] }' | sort)
[ -n "$devices" ] || fail "no device recorded on any pod"
dups=$(echo "$devices" | uniq -d)
[ -z "$dups" ] || fail "devices held twice: $dups"
echo "devices: $(echo "$devices" | wc -l) allocated, none twice"
echo "up_examples_test: ok"
