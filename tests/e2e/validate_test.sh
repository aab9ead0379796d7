#!/usr/bin/env bash
# `kthena validate` as a user runs it: exit codes (0 valid, 1 invalid, 2 unparsable), one
# `FILE: Kind/namespace/name: <field error>` line per problem, foreign kinds skipped, --strict for unknown fields,
# folders walked recursively.
set -euo pipefail
kthena="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "validate_test: $*"; exit 1; }

mkdir -p "$dir/ok/nested" "$dir/bad" "$dir/broken" "$dir/strict"
cat >"$dir/ok/nested/route.yaml" <<'YAML'
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: r, namespace: team}
spec:
  modelName: m
  rules: [{targetModels: [{modelServerName: s}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec: {}
YAML
cat >"$dir/ok/server.json" <<'JSON'
{"apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ModelServer", "metadata": {"name": "s"},
 "spec": {"inferenceEngine": "vLLM", "workloadSelector": {"matchLabels": {"app": "x"}}, "workloadPort": {"port": 8000}}}
JSON
out=$("$kthena" validate -f "$dir/ok" 2>"$dir/err") || fail "valid folder: exit $?: $out $(cat "$dir/err")"
grep -q "skipped Gateway/default/gw" <<<"$out" || fail "Gateway not reported as skipped: $out"
grep -q "2 valid, 0 invalid, 1 skipped, 0 unreadable" "$dir/err" || fail "summary: $(cat "$dir/err")"

cat >"$dir/bad/route.yaml" <<'YAML'
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: r}
spec:
  rules: [{targetModels: [{modelServerName: s, weight: 101}]}]
YAML
set +e
out=$("$kthena" validate -f "$dir/bad/route.yaml" -f "$dir/ok" 2>"$dir/err"); code=$?
set -e
[ "$code" = 1 ] || fail "invalid: exit $code, want 1: $out"
grep -qF "$dir/bad/route.yaml: ModelRoute/default/r: spec.rules[0].targetModels[0].weight: Invalid value: 101: spec.rules[0].targetModels[0].weight in body should be less than or equal to 100" <<<"$out" \
  || fail "weight error missing: $out"
grep -qF "$dir/bad/route.yaml: ModelRoute/default/r: spec: Required value: either modelName or loraAdapters must be specified" <<<"$out" \
  || fail "webhook error missing: $out"

printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n data: 1\n' >"$dir/broken/cm.yaml"
set +e
"$kthena" validate -f "$dir/broken" -f "$dir/bad" >"$dir/out" 2>"$dir/err"; code=$?
set -e
[ "$code" = 2 ] || fail "unparsable: exit $code, want 2"
grep -q "$dir/broken/cm.yaml:5:" "$dir/err" || fail "no line:column for the parse error: $(cat "$dir/err")"

cat >"$dir/strict/ms.yaml" <<'YAML'
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: s}
spec:
  inferenceEngine: vLLM
  workloadSelector: {matchLabels: {app: x}}
  workloadPort: {port: 8000}
  unknownKnob: true
YAML
"$kthena" validate -f "$dir/strict" >/dev/null 2>&1 || fail "unknown fields must be pruned without --strict"
set +e
out=$("$kthena" validate --strict -f "$dir/strict" 2>/dev/null); code=$?
set -e
[ "$code" = 1 ] || fail "--strict: exit $code, want 1"
grep -qF "ModelServer/default/s: unknown field \"spec.unknownKnob\"" <<<"$out" || fail "--strict output: $out"

set +e
"$kthena" validate -f "$dir/missing.yaml" >/dev/null 2>&1; code=$?
set -e
[ "$code" = 2 ] || fail "missing file: exit $code, want 2"
echo "validate_test: ok"
