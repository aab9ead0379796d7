#!/usr/bin/env bash
# `kthena up` end to end, as a newcomer meets it: from an empty data directory the quickstart ModelBooster becomes
# Active and answers through the router (curl, streaming, the npm openai client); a rolling update of its engine
# arguments under load fails no request; kill -9 of `kthena up` leaves no process, and a restart on the same
# directory brings the model back Active with nothing duplicated; Ctrl-C stops everything.
#   up_test.sh KTHENA REPO_ROOT
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kthena="$1"
root="$2"
skip_unless_pod_network
dir="$(mktemp -d)"
chmod 755 "$dir"
bridge="ktu$((RANDOM % 100000))"
up_pid=""
load_pid=""
cleanup() {
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null
  [ -n "$up_pid" ] && kill -9 "$up_pid" 2>/dev/null
  wait 2>/dev/null || true
  remove_pod_network "$bridge"
  rm -rf "$dir"
}
trap cleanup EXIT
fail() {
  echo "up_test: $*"
  for f in "$dir"/up*.out "$dir"/d/logs/*.log; do [ -f "$f" ] && { echo "== $f"; tail -25 "$f"; }; done
  exit 1
}
cat >"$dir/node.yaml" <<YAML
bridge: $bridge
podSubnet: 10.$((100 + RANDOM % 100)).0.0/16
capacity: {cpu: "64", memory: 512Gi}
accelerators: {huawei.com/ascend-1980: 16, nvidia.com/gpu: 8}
YAML
start_up() {  # start_up N [ARGS...]: the Nth run of kthena up, on the same data directory
  local n="$1"; shift
  "$kthena" up --data-dir "$dir/d" --api-listen 127.0.0.1:0 --router-listen 127.0.0.1:0 \
    --node-config "$dir/node.yaml" "$@" >"$dir/up$n.out" 2>&1 &
  up_pid=$!
  wait_for 60 grep -q 'kthena up: ready' "$dir/up$n.out" || fail "kthena up (run $n) did not become ready"
  export KUBECONFIG="$dir/d/kubeconfig"
  router=$(sed -n 's/.*"router": "\(.*\)".*/\1/p' "$dir/d/endpoints.json")
}
chat() {  # chat [EXTRA JSON MEMBERS]: one chat completion through the router; prints the body
  curl -sS --fail-with-body --max-time 20 "$router/v1/chat/completions" -H 'Content-Type: application/json' \
    -d "{\"model\": \"qwen\", \"messages\": [{\"role\": \"user\", \"content\": \"hello\"}], \"max_tokens\": 8${1:-}}"
}
no_process_of_run() { ! pgrep -f "$dir/d" >/dev/null; }

# 1. From an empty directory: the quickstart becomes Active (the progress says so) and answers.
began=$SECONDS
start_up 1 -f "$root/examples/quickstart.yaml"
wait_for 120 grep -q 'qwen.*Active' "$dir/up1.out" || fail "the quickstart never became Active"
echo "quickstart: kthena up from an empty directory to Active in $((SECONDS - began)) s"
grep -q 'curl' "$dir/up1.out" || fail "no request to paste was printed"
chat | grep -q '"chat.completion"' || fail "no chat completion: $(chat 2>&1)"
chat ', "stream": true' | grep -q 'data: \[DONE\]' || fail "no stream: $(chat ', "stream": true' 2>&1)"
if command -v node >/dev/null && [ -d "$root/tests/js/node_modules/openai" ]; then
  node "$root/tests/js/openai_check.mjs" "$router/v1" qwen || fail "the openai client failed"
fi

# The user CLI against it (found through KUBECONFIG): upstream's columns, the engine's log, the status screen.
"$kthena" get model-boosters | grep -Eq '^qwen +Active ' || fail "kthena get: $("$kthena" get model-boosters 2>&1)"
"$kthena" logs model-booster/qwen -c engine --tail 50 | grep -q . || fail "kthena logs: $("$kthena" logs model-booster/qwen -c engine 2>&1)"
kubectl logs "$(kubectl get pods -l modelserving.volcano.sh/name=qwen-vllm -o jsonpath='{.items[0].metadata.name}')" \
  -c engine --tail 5 | grep -q . || fail "kubectl logs printed nothing"
"$kthena" status | grep -q 'qwen' || fail "kthena status: $("$kthena" status 2>&1)"

# A crashed component is restarted and says so; the model answers again through the new router.
router_pid=$(pgrep -f "kthena router --kubeconfig $dir/d/apiserver/components/router.kubeconfig") ||
  fail "no router running as its own identity: $(pgrep -af "$dir/d")"
kill -9 "$router_pid"
wait_for 20 grep -q 'router was killed by signal' "$dir/up1.out" || fail "no word of the router's crash"
wait_for 30 chat >/dev/null 2>&1 || fail "no answer after the router's restart"

# 2. A rolling update (an engine argument changed) while requests flow: none fails.
pods_before=$(kubectl get pods -l modelserving.volcano.sh/name=qwen-vllm -o jsonpath='{.items[*].metadata.uid}')
: >"$dir/codes"
(while [ ! -f "$dir/stop-load" ]; do
  curl -s -o /dev/null -w '%{http_code}\n' --max-time 20 "$router/v1/chat/completions" \
    -H 'Content-Type: application/json' \
    -d '{"model": "qwen", "messages": [{"role": "user", "content": "hello"}], "max_tokens": 4}' >>"$dir/codes"
done) &
load_pid=$!
kubectl patch modelbooster qwen --type json \
  -p '[{"op": "replace", "path": "/spec/backend/workers/0/config/max-num-seqs", "value": 16}]' >/dev/null
rolled() {
  local now
  now=$(kubectl get pods -l modelserving.volcano.sh/name=qwen-vllm -o jsonpath='{.items[*].metadata.uid}')
  for uid in $pods_before; do case " $now " in *" $uid "*) return 1 ;; esac; done
  kubectl wait --for=condition=Active modelbooster/qwen --timeout=1s >/dev/null 2>&1 &&
    [ "$(kubectl get modelserving qwen-vllm -o jsonpath='{.status.availableReplicas}')" = \
      "$(kubectl get modelserving qwen-vllm -o jsonpath='{.spec.replicas}')" ]
}
wait_for 180 rolled || fail "the rolling update did not finish: $(kubectl get pods -o wide)"
sleep 1
touch "$dir/stop-load"
wait "$load_pid"
load_pid=""
total=$(wc -l <"$dir/codes")
failed=$(grep -vcx 200 "$dir/codes" || true)
[ "$total" -ge 20 ] || fail "the load generator sent only $total requests"
[ "$failed" = 0 ] || fail "$failed of $total requests failed during the rolling update: $(sort "$dir/codes" | uniq -c)"
echo "rolling update: $total requests, none failed"

# 3. kill -9 of kthena up: nothing of it survives; a restart resumes the model with nothing duplicated.
kill -9 "$up_pid"
wait "$up_pid" 2>/dev/null || true
wait_for 20 no_process_of_run || fail "processes survived kill -9: $(pgrep -af "$dir/d")"
start_up 2
kubectl wait --for=condition=Active modelbooster/qwen --timeout=120s >/dev/null || fail "not Active after restart"
wait_for 60 chat >/dev/null || fail "no answer after restart: $(chat 2>&1)"
[ "$(kubectl get modelboosters -o name | wc -l)" = 1 ] || fail "boosters: $(kubectl get modelboosters)"
want=$(kubectl get modelserving qwen-vllm -o jsonpath='{.spec.replicas}')
[ "$(kubectl get pods -l modelserving.volcano.sh/name=qwen-vllm -o name | wc -l)" = "$want" ] ||
  fail "pods duplicated: $(kubectl get pods -o wide)"
# A second kthena up on the same directory is refused while the first runs.
if "$kthena" up --data-dir "$dir/d" --api-listen 127.0.0.1:0 --router-listen 127.0.0.1:0 >"$dir/second.out" 2>&1; then
  fail "a second kthena up on the same directory started"
fi
grep -q 'another kthena up runs on this data directory' "$dir/second.out" || fail "second: $(cat "$dir/second.out")"

# 4. SIGINT (Ctrl-C): everything stops, nothing is left running.
kill -INT "$up_pid"
wait_for 60 no_process_of_run || fail "processes left after Ctrl-C: $(pgrep -af "$dir/d")"
wait "$up_pid" || fail "kthena up exited with $? after Ctrl-C"
up_pid=""
grep -q 'kthena up: stopped' "$dir/up2.out" || fail "no stop message"
echo "up_test: ok"
