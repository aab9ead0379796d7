#!/usr/bin/env bash
# `kthena node` running what the controllers create, as root on this machine: upstream's sample ModelServing becomes
# eight nginx processes, each in its own network namespace and reachable at its pod IP; the ModelServing becomes
# Available from their readiness; a gang that needs more accelerators than are free waits whole and starts whole when
# they are freed, and no two pods hold one device; kubectl logs (-c, --tail, --timestamps, --limit-bytes, --previous,
# -f) reads the containers' output through the API server, and exec is refused with a reason; kill -9 of the agent
# leaves no container process; a restarted agent brings the pods back; deleting everything leaves no namespace, veth
# or process behind.
#   node_agent_test.sh KTHENA [CONFORMANCE_DIR]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kthena="$1"
conformance="${2:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/conformance}"
sample="$conformance/kthena/HEAD/examples/model-serving/sample.yaml"
if [ ! -f "$sample" ]; then
  [ "${KTHENA_CONFORMANCE_REQUIRED:-0}" = 1 ] && { echo "missing $sample"; exit 1; }
  echo "skipped: no conformance data at $conformance"; exit 0
fi
skip_unless_pod_network
dir="$(mktemp -d)"
chmod 755 "$dir"
bridge="ktt$((RANDOM % 100000))"
subnet="10.$((100 + RANDOM % 100)).0.0/16"
pids=()
cleanup() {
  kill -9 "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  remove_pod_network "$bridge"
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "node_agent_test: $*"; for f in "$dir"/*.err "$dir"/node*.out; do echo "== $f"; tail -20 "$f"; done; exit 1; }

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
  "$kthena" node --kubeconfig "$dir/api/components/node.kubeconfig" --data-dir "$dir/node" --config "$dir/node.yaml" \
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

# Logs: kubectl logs through the API server's pods/log, which proxies to the agent's kubelet endpoint.
# grep reading all of a growing log: with -q it would stop early, and kubectl's SIGPIPE would fail the pipeline.
has() { grep "$@" >/dev/null; }
nginx_logged() { kubectl logs sample-0-prefill-0-0 | has '"GET / HTTP/1.1" 200'; }
wait_for 10 nginx_logged || fail "no access log line: $(kubectl logs sample-0-prefill-0-0 2>&1 | tail -5)"
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  containers:
  - name: main
    image: busybox
    command: [sh, -c, 'echo hello from talker; echo oops >&2; i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done']
  - name: side
    image: busybox
    command: [sh, -c, 'echo side car ready; exec sleep 3600']
---
apiVersion: v1
kind: Pod
metadata: {name: restarter}
spec:
  containers:
  # Counts its runs in its working folder (the container's own, kept across restarts): run 1 fails, run 2 stays.
  - name: c
    image: busybox
    command: [sh, -c, 'n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n >runs; echo "run $n"; [ $n -gt 1 ] || exit 3; exec sleep 3600']
---
apiVersion: v1
kind: Pod
metadata: {name: unbound}
spec:
  nodeSelector: {no-such-label: "x"}
  containers:
  - {name: c, image: busybox, command: [sleep, "3600"]}
YAML
talker_logged() { kubectl logs talker -c main 2>/dev/null | has '^tick 2$'; }
wait_for 30 talker_logged || fail "talker: $(kubectl get pod talker -o wide; kubectl logs talker -c main 2>&1 | head)"
# stdout and stderr both (each pipe is read on its own: their order in the log is not certain).
kubectl logs talker -c main | has -x oops || fail "stderr: $(kubectl logs talker -c main | head -3)"
[ "$(kubectl logs talker -c side)" = "side car ready" ] || fail "-c side: $(kubectl logs talker -c side 2>&1)"
# kubectl picks the first container itself and says so; the API server, asked without one, names the choice.
kubectl logs talker 2>"$dir/defaulted.err" | has '^hello from talker$' || fail "logs without -c"
grep -q 'Defaulted container "main" out of: main, side' "$dir/defaulted.err" || fail "$(cat "$dir/defaulted.err")"
# What a failing command prints (pipefail would otherwise take its status for the pipeline's).
output_of() { "$@" 2>&1 || true; }
raw_log() { output_of kubectl get --raw "/api/v1/namespaces/default/pods/$1/log${2:-}"; }
raw_log talker | grep -qF 'a container name must be specified for pod talker, choose one of: [main side]' ||
  fail "no container: $(raw_log talker)"
raw_log talker '?container=nope' | grep -qF 'container nope is not valid for pod talker' ||
  fail "unknown container: $(raw_log talker '?container=nope')"
raw_log talker '?container=main&tailLines=many' | grep -qF 'invalid value for tailLines: "many"' ||
  fail "bad tailLines: $(raw_log talker '?container=main&tailLines=many')"
output_of kubectl logs unbound | has -F 'pod unbound does not have a host assigned' ||
  fail "unbound: $(kubectl logs unbound 2>&1)"
kubectl logs talker -c main --tail 1 | has -x 'tick [0-9]*' || fail "--tail 1: $(kubectl logs talker -c main --tail 1)"
[ "$(kubectl logs talker -c main --tail 3 | wc -l)" = 3 ] || fail "--tail 3"
kubectl logs talker -c main --tail 1 --timestamps | has -E '^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z tick [0-9]+$' ||
  fail "--timestamps: $(kubectl logs talker -c main --tail 1 --timestamps)"
[ "$(kubectl logs talker -c main --limit-bytes 5)" = hello ] || fail "--limit-bytes 5"
talker_ran() { kubectl logs talker -c main --tail 1 | has -E '^tick ([1-9][0-9]+)$'; }  # 2 s at least
wait_for 10 talker_ran || fail "talker stopped: $(kubectl logs talker -c main --tail 1)"
kubectl logs talker -c main --since 1s >"$dir/since.out"
grep -q '^tick' "$dir/since.out" && ! grep -q hello "$dir/since.out" || fail "--since 1s: $(head -3 "$dir/since.out")"
# -f with --tail 0 prints only lines written after it started; killing it ends the stream to the agent too.
kubelet_port=$(kubectl get node test-node -o jsonpath='{.status.daemonEndpoints.kubeletEndpoint.Port}')
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$kubelet_port/containerLogs/default/talker/main")" = 401 ] ||
  fail "the kubelet endpoint answered without the token"
# The agent runs as its own identity (components/node.kubeconfig): the administrator's token, which the API server
# presents, passes by the API server's TokenReview; a token it does not know does not.
logs_with() {
  curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" \
    "http://127.0.0.1:$kubelet_port/containerLogs/default/talker/main?tailLines=1"
}
[ "$(logs_with "$(cat "$dir/api/token")")" = 200 ] || fail "the kubelet endpoint refused the API server's token"
[ "$(logs_with 0123456789abcdef0123456789abcdef)" = 401 ] || fail "the kubelet endpoint took an unknown token"
kubectl logs -f talker -c main --tail 0 >"$dir/follow.out" 2>&1 &
follow_pid=$!
pids+=($follow_pid)
followed() { grep -q '^tick [0-9]*$' "$dir/follow.out"; }
wait_for 10 followed || fail "kubectl logs -f: $(cat "$dir/follow.out")"
! grep -q hello "$dir/follow.out" || fail "-f --tail 0 printed old lines: $(head -3 "$dir/follow.out")"
kubelet_streams() { ss -Htn state established "( dport = :$kubelet_port )" | wc -l; }
[ "$(kubelet_streams)" -ge 1 ] || fail "no stream to the kubelet endpoint while following"
kill "$follow_pid"
wait "$follow_pid" 2>/dev/null || true
no_kubelet_streams() { [ "$(kubelet_streams)" = 0 ]; }
wait_for 10 no_kubelet_streams || fail "the API server kept following after kubectl left: $(ss -tn "( dport = :$kubelet_port )")"
# --previous after a restart (the first run exits 3; CrashLoopBackOff restarts it after 10 s).
restarted() { [ "$(kubectl logs restarter 2>/dev/null)" = "run 2" ]; }
wait_for 60 restarted || fail "restarter: $(kubectl get pod restarter; kubectl logs restarter 2>&1)"
[ "$(kubectl logs restarter --previous)" = "run 1" ] || fail "--previous: $(kubectl logs restarter --previous 2>&1)"
# A follower ends when the container it follows does.
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Pod
metadata: {name: brief}
spec:
  restartPolicy: Never
  containers:
  - {name: c, image: busybox, command: [sh, -c, 'echo start; sleep 4; echo done']}
YAML
brief_started() { kubectl logs brief 2>/dev/null | has start; }
wait_for 30 brief_started || fail "brief: $(kubectl get pod brief; kubectl logs brief 2>&1)"
timeout 30 kubectl logs -f brief >"$dir/brief.out" 2>&1 || fail "logs -f did not end with its container: $(cat "$dir/brief.out")"
[ "$(cat "$dir/brief.out")" = "$(printf 'start\ndone')" ] || fail "logs -f brief: $(cat "$dir/brief.out")"
output_of kubectl exec talker -c main -- true | grep -qF 'exec is not supported by the embedded API server' ||
  fail "exec: $(kubectl exec talker -c main -- true 2>&1)"
kubectl delete pod talker restarter brief unbound --wait=true >/dev/null

# A Secret written with stringData is read back through .data, and a pod's envFrom sees it.
kubectl apply -f - >/dev/null <<'YAML'
apiVersion: v1
kind: Secret
metadata: {name: creds}
stringData: {API_TOKEN: s3cr3t-token}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: [sh, -c, 'echo "token=$API_TOKEN"']
    envFrom: [{secretRef: {name: creds}}]
YAML
[ "$(kubectl get secret creds -o jsonpath='{.data.API_TOKEN}' | base64 -d)" = s3cr3t-token ] ||
  fail "the Secret's data: $(kubectl get secret creds -o yaml)"
reader_done() { [ "$(kubectl logs reader 2>/dev/null)" = "token=s3cr3t-token" ]; }
wait_for 30 reader_done || fail "envFrom of a stringData Secret: $(kubectl logs reader 2>&1)"
kubectl delete pod reader --wait=true >/dev/null
kubectl delete secret creds >/dev/null

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
# The restarted agent listens on a new port, published in its Node: logs go on (with --previous: its last instance).
wait_for 10 nginx_logged || fail "logs after the agent restarted: $(kubectl logs sample-0-prefill-0-0 2>&1 | tail -3)"
kubectl logs sample-0-prefill-0-0 --previous | has '"GET / HTTP/1.1" 200' ||
  fail "the log before the agent restarted: $(kubectl logs sample-0-prefill-0-0 --previous 2>&1 | tail -3)"

# Everything deleted: no pod, process, namespace or veth left.
kubectl delete modelservings --all --wait=true >/dev/null
wait_for 60 no_pods || fail "pods left: $(kubectl get pods)"
wait_for 10 no_processes || fail "processes left: $(pgrep -af "$dir/node/pods")"
ls /run/netns/ | grep -q "^$bridge-" && fail "namespaces left: $(ls /run/netns)"
ip -o link show master "$bridge" | grep -q . && fail "veths left: $(ip -o link show master "$bridge")"
kill -TERM "$node_pid"
wait "$node_pid" || fail "node exited $? on SIGTERM"
echo "node_agent_test: ok"
