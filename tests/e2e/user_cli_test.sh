#!/usr/bin/env bash
# The user CLI (`kthena get|describe|create manifest|apply|delete|wait|logs|status`) against `kthena apiserver` and
# `kthena controller-manager`, as a person runs it: every template's dry run is a manifest `kthena validate` and the
# API server accept; an upstream example booster is applied (created, unchanged, configured) and shown with
# upstream's columns; waits and `apply --wait` time out while no pod is ready, and end with Active once the pods
# report ready (as a kubelet would: no node agent here); status shows the model with the router's request rate;
# bad manifests are refused whole, naming file, document and field.
#   user_cli_test.sh KTHENA [CONFORMANCE_DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kthena="$1"
conformance="${2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/conformance}"
example="$conformance/kthena/HEAD/examples/model-booster/Qwen2.5-0.5B-Instruct.yaml"
if [ ! -f "$example" ]; then
  [ "${KTHENA_CONFORMANCE_REQUIRED:-0}" = 1 ] && { echo "missing $example"; exit 1; }
  echo "skipped: no conformance data at $conformance"; exit 0
fi
dir="$(mktemp -d)"
pids=()
trap 'kill -9 "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$dir"' EXIT
fail() { echo "user_cli_test: $*"; for f in "$dir"/*.err; do echo "== $f"; tail -20 "$f"; done; exit 1; }
k() { "$kthena" --log-level warn "$@"; }

# --- Templates: no server needed.
k get templates >"$dir/templates.txt"
head -1 "$dir/templates.txt" | grep -E '^NAME +DESCRIPTION$' >/dev/null || fail "templates header: $(head -1 "$dir/templates.txt")"
[ "$(tail -n +2 "$dir/templates.txt" | wc -l)" = 13 ] || fail "want 13 templates: $(cat "$dir/templates.txt")"
k get templates -o yaml | grep '^- Name: Qwen/Qwen3-8B$' >/dev/null || fail "templates -o yaml"
k get template Qwen3-8B | grep '{{ .Values.name' >/dev/null || fail "get template prints the raw template"
k describe template deepseek-ai/DeepSeek-R1-Distill-Qwen-7B | head -1 | grep -x 'Template Content:' >/dev/null ||
  fail "describe template banner"
mkdir "$dir/rendered"
for name in $(tail -n +2 "$dir/templates.txt" | awk '{print $1}'); do
  file="$dir/rendered/$(echo "$name" | tr / _).yaml"
  k create manifest -t "$name" --dry-run >"$dir/dry.txt" || fail "dry run of $name: $(cat "$dir/dry.txt")"
  head -2 "$dir/dry.txt" | tr '\n' '|' | grep -x 'Generated YAML:|================|' >/dev/null || fail "banners of $name"
  # The manifest is what lies between the banners.
  sed -e '1,2d' -e '$d' "$dir/dry.txt" >"$file"
  k validate --strict -f "$file" >"$dir/validate.txt" 2>&1 || fail "validate $name: $(cat "$dir/validate.txt")"
done
k create manifest -t Qwen3-8B --set 'replicas=2,modelURI=hf://Qwen/Qwen3-0.6B' --name small --dry-run |
  grep -q 'replicas: 2' || fail "--set replicas"
k create manifest -t Nope --dry-run 2>"$dir/nope.err" && fail "an unknown template was rendered"
grep -q 'template "Nope" not found' "$dir/nope.err" || fail "unknown template: $(cat "$dir/nope.err")"

# --- A server and a controller-manager; the CLI finds the kubeconfig where `kthena up` writes it.
"$kthena" --log-level warn apiserver --data-dir "$dir/data" --listen 127.0.0.1:0 >"$dir/api.out" 2>"$dir/api.err" &
pids+=($!)
wait_for 20 grep -q '^serving ' "$dir/api.out" || fail "apiserver did not start"
"$kthena" --log-level warn controller-manager --kubeconfig "$dir/data/kubeconfig" --metrics-listen 127.0.0.1:0 \
  >"$dir/cm.out" 2>"$dir/cm.err" &
pids+=($!)
wait_for 20 grep -q 'controller-manager started' "$dir/cm.out" || fail "controller-manager did not start"
mkdir -p "$dir/home/.kthena"
cp "$dir/data/kubeconfig" "$dir/home/.kthena/kubeconfig"
export HOME="$dir/home"
unset KUBECONFIG
k get model-boosters 2>"$dir/empty.err" >"$dir/empty.out" || fail "get with ~/.kthena/kubeconfig: $(cat "$dir/empty.err")"
grep -q 'No resources found in default namespace.' "$dir/empty.err" || fail "empty get: $(cat "$dir/empty.err")"
export KUBECONFIG="$dir/data/kubeconfig"

# What the embedded API server says of every rendered template (a server-side dry run: nothing is stored).
kubectl apply --dry-run=server -f "$dir/rendered" >"$dir/dry-server.txt" 2>&1 || fail "server dry run: $(cat "$dir/dry-server.txt")"
[ "$(grep -c 'created (server dry run)' "$dir/dry-server.txt")" = 13 ] || fail "server dry run: $(cat "$dir/dry-server.txt")"

# --- apply: created, unchanged, configured; then upstream's columns.
k apply -f "$example" >"$dir/apply1.txt" || fail "apply: $(cat "$dir/apply1.txt")"
grep -qx 'modelbooster.workload.serving.volcano.sh/demo created' "$dir/apply1.txt" || fail "apply 1: $(cat "$dir/apply1.txt")"
[ "$(k apply -f "$example")" = 'modelbooster.workload.serving.volcano.sh/demo unchanged' ] || fail "apply 2 not unchanged"
sed 's/max-num-seqs: 1/max-num-seqs: 2/' "$example" >"$dir/changed.yaml"
[ "$(k apply -f "$dir/changed.yaml")" = 'modelbooster.workload.serving.volcano.sh/demo configured' ] ||
  fail "apply 3 not configured"
wait_for 30 kubectl get modelroute demo >/dev/null 2>&1 || fail "the booster's children never came"
k get model-boosters >"$dir/get.txt"
head -1 "$dir/get.txt" | grep -E '^NAME +STATUS +AGE$' >/dev/null || fail "booster columns: $(cat "$dir/get.txt")"
sed -n 2p "$dir/get.txt" | grep -E '^demo +(Initialized|Unknown) +[0-9]+s$' >/dev/null || fail "booster row: $(cat "$dir/get.txt")"
k get model-booster DEM -A | sed -n 1,2p | tr -s ' ' | tr '\n' '|' | grep -E '^NAMESPACE NAME STATUS AGE\|default demo ' >/dev/null ||
  fail "-A and the case-insensitive filter: $(k get model-booster DEM -A)"
k get model-boosters nothing-like-it 2>&1 | grep 'No resources found' >/dev/null || fail "filter keeps nothing"
k get ms | tr -s ' ' | grep -E '^demo-backend1 0/1 (Progressing|Unknown) ' >/dev/null || fail "ms: $(k get ms)"
k get mroute | tr -s ' ' | grep -E '^demo demo 1 ' >/dev/null || fail "mroute: $(k get mroute)"
k get mserver | tr -s ' ' | grep -E '^demo-backend1 vLLM 8000 ' >/dev/null || fail "mserver: $(k get mserver)"
k get asp 2>&1 | grep -x 'No resources found in default namespace.' >/dev/null || fail "asp: $(k get asp 2>&1)"
[ "$(k get model-boosters -o name)" = 'modelbooster.workload.serving.volcano.sh/demo' ] || fail "-o name"
k get model-booster demo -o yaml | grep '^kind: ModelBooster$' >/dev/null || fail "-o yaml of one object"
k get model-boosters -o json | grep '"kind": "List"' >/dev/null || fail "-o json of a list"
k describe model-booster demo >"$dir/describe.txt"
for field in 'Name: +demo' 'Namespace: +default' 'Created: +20' 'Age: +[0-9]' '^kind: ModelBooster$'; do
  grep -Eq "$field" "$dir/describe.txt" || fail "describe lacks $field: $(cat "$dir/describe.txt")"
done
k describe ms demo-backend1 | grep '^kind: ModelServing$' >/dev/null || fail "describe ms"

# --- No pod is ready: wait and apply --wait time out, with progress lines (plain: not a terminal).
k wait --for=condition=Active model-booster/demo --timeout=2s 2>"$dir/wait.err" && fail "wait succeeded without ready pods"
grep -q 'timed out waiting for the condition on model-booster/demo' "$dir/wait.err" || fail "wait: $(cat "$dir/wait.err")"
k apply --wait --timeout 3s -f "$example" >"$dir/progress.txt" 2>"$dir/progress.err" && fail "apply --wait succeeded"
grep -Eq '^ModelBooster default/demo: +(pods scheduled 0/1|children created, no pods yet)$' "$dir/progress.txt" ||
  fail "progress lines: $(cat "$dir/progress.txt")"
grep -q 'timed out waiting for ModelBooster default/demo' "$dir/progress.err" || fail "apply --wait: $(cat "$dir/progress.err")"
k logs model-booster/demo 2>"$dir/logs.err" && fail "logs of a pod that never ran"
grep -q '^error: ' "$dir/logs.err" || fail "logs error: $(cat "$dir/logs.err")"
k logs model-booster/nothing 2>"$dir/logs2.err" && fail "logs of a missing booster"
grep -q 'not found' "$dir/logs2.err" || fail "logs of a missing booster: $(cat "$dir/logs2.err")"

# --- Pods report ready: a waiting apply --wait and wait end on the events, the booster Active.
k apply --wait --timeout 60s -f "$example" >"$dir/progress2.txt" 2>"$dir/progress2.err" &
waiter=$!
pids+=($waiter)
k wait --for=condition=Active model-booster/demo --timeout=60s >"$dir/wait2.txt" 2>"$dir/wait2.err" &
waiter2=$!
pids+=($waiter2)
has_pods() { kubectl get pods -l modelserving.volcano.sh/name=demo-backend1 --no-headers 2>/dev/null | grep .; } >/dev/null
wait_for 30 has_pods || fail "no pods for the booster"
ready='{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}'
for pod in $(kubectl get pods -l modelserving.volcano.sh/name=demo-backend1 -o name); do
  kubectl patch "$pod" --subresource=status --type=merge -p "$ready" >/dev/null
done
wait "$waiter" || fail "apply --wait: $(cat "$dir/progress2.txt" "$dir/progress2.err")"
grep -Eq '^ModelBooster default/demo: +Active \(ready 1/1\)$' "$dir/progress2.txt" || fail "no Active line: $(cat "$dir/progress2.txt")"
wait "$waiter2" || fail "wait: $(cat "$dir/wait2.err")"
grep -qx 'modelbooster.workload.serving.volcano.sh/demo condition met' "$dir/wait2.txt" || fail "wait: $(cat "$dir/wait2.txt")"
k get model-boosters | tr -s ' ' | grep -E '^demo Active ' >/dev/null || fail "Active row: $(k get model-boosters)"
k get ms | tr -s ' ' | grep -E '^demo-backend1 1/1 Available ' >/dev/null || fail "Available row: $(k get ms)"

# --- status: without endpoints.json the rate is unknown; with a router's metrics it is measured.
k status >"$dir/status.txt" || fail "status: $(cat "$dir/status.txt")"
tr -s ' ' <"$dir/status.txt" | grep -E '^default demo ModelBooster Active Initialized,Active 1/1 demo \?$' >/dev/null ||
  fail "status row: $(cat "$dir/status.txt")"
grep -q 'request rate unknown' "$dir/status.txt" || fail "status without endpoints: $(cat "$dir/status.txt")"
# A stand-in for the router's metrics: the requests counter of model demo grows by 3 per scrape.
python3 -u - >"$dir/metrics.out" 2>"$dir/metrics.err" <<'PY' &
import http.server
count = [0]
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        count[0] += 3
        body = ('kthena_router_requests_total{model="demo",path="/v1/chat/completions",status_code="200"} %d\n'
                'kthena_router_requests_total{model="other",status_code="200"} 7\n' % count[0]).encode()
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1])
s.serve_forever()
PY
pids+=($!)
wait_for 10 grep -q . "$dir/metrics.out" || fail "metrics stand-in did not start"
mport=$(head -1 "$dir/metrics.out")
echo "{\"apiserver\":\"x\",\"router\":\"http://127.0.0.1:8080\",\"routerMetrics\":\"http://127.0.0.1:$mport/metrics\"}" \
  >"$dir/data/endpoints.json"
k status >"$dir/status2.txt" || fail "status: $(cat "$dir/status2.txt")"
grep -q "metrics http://127.0.0.1:$mport/metrics" "$dir/status2.txt" || fail "status router line: $(cat "$dir/status2.txt")"
tr -s ' ' <"$dir/status2.txt" | grep -E '^default demo ModelBooster Active Initialized,Active 1/1 demo [1-3]\.[0-9]$' >/dev/null ||
  fail "status rate: $(cat "$dir/status2.txt")"

# --- create manifest: the prompt, -y, and unsupported kinds never reach the server.
echo n | k create manifest -t Qwen3-8B --name asked >"$dir/no.txt" || fail "declined create"
grep -q 'Do you want to apply these resources to the cluster? \[y/N\]' "$dir/no.txt" || fail "no prompt: $(cat "$dir/no.txt")"
kubectl get modelbooster asked >/dev/null 2>&1 && fail "created although declined"
echo y | k create manifest -t Qwen3-8B --name asked | grep -x 'modelbooster.workload.serving.volcano.sh/asked created' >/dev/null ||
  fail "create after y"
k create manifest -t deepseek-ai/DeepSeek-R1-Distill-Qwen-7B --name ds -n team -y >/dev/null 2>"$dir/ns.err" &&
  fail "created in a missing namespace"
kubectl create namespace team >/dev/null
k create manifest -t deepseek-ai/DeepSeek-R1-Distill-Qwen-7B --name ds -n team -y >/dev/null || fail "create in team"
k get model-boosters -A | tr -s ' ' | grep '^team ds ' >/dev/null || fail "ds in team: $(k get model-boosters -A)"

# --- Bad manifests are refused whole, naming the file, the document and the field.
{ cat "$example"; printf -- '---\napiVersion: networking.serving.volcano.sh/v1alpha1\nkind: ModelRoute\nmetadata: {}\n'; } \
  >"$dir/bad.yaml"
sed -i 's/name: demo$/name: demo-bad/' "$dir/bad.yaml"
k apply -f "$dir/bad.yaml" 2>"$dir/bad.err" && fail "a bad manifest was applied"
grep -q "bad.yaml: document 2 (ModelRoute): metadata.name: Required value" "$dir/bad.err" || fail "bad: $(cat "$dir/bad.err")"
kubectl get modelbooster demo-bad >/dev/null 2>&1 && fail "the good document of a bad file was applied"
printf 'apiVersion: workload.serving.volcano.sh/v1alpha1\nkind: ModelBooster\nmetadata: {name: x}\nspec: {backend: {name: b}}\n' \
  >"$dir/invalid.yaml"
k apply -f "$dir/invalid.yaml" 2>"$dir/invalid.err" && fail "an invalid booster was applied"
grep -q 'invalid.yaml: document 1 (ModelBooster/x): .*spec.backend' "$dir/invalid.err" || fail "invalid: $(cat "$dir/invalid.err")"

# --- delete: by kind and name, by file; a second time is an error unless --ignore-not-found.
[ "$(k delete model-booster asked)" = 'modelbooster.workload.serving.volcano.sh "asked" deleted' ] || fail "delete by name"
k delete -f "$example" | grep -x 'modelbooster.workload.serving.volcano.sh "demo" deleted' >/dev/null || fail "delete -f"
k delete -f "$example" 2>"$dir/del.err" && fail "deleting twice succeeded"
grep -q 'not found' "$dir/del.err" || fail "second delete: $(cat "$dir/del.err")"
k delete -f "$example" --ignore-not-found || fail "--ignore-not-found"
k wait --for=delete model-booster/demo --timeout=30s >/dev/null || fail "wait --for=delete"
wait_for 30 bash -c "! kubectl get modelservings demo-backend1 >/dev/null 2>&1" || fail "the children outlived the booster"
echo "user_cli_test: ok"
