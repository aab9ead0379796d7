#!/usr/bin/env bash
# `kthena validate` as a user runs it: exit codes (0 valid, 1 invalid, 2 unparsable), one
# `FILE: Kind/namespace/name: <field error>` line per problem, foreign kinds skipped, --strict for unknown fields,
# folders walked recursively; then hostile input (members of the wrong type, link loops, endless or huge files,
# unreadable folders, empty files), each of which once aborted the run or passed unchecked.
set -euo pipefail
kthena="$1"
dir="$(mktemp -d)"
trap 'chmod -R u+rwx "$dir"; rm -rf "$dir"' EXIT
fail() { echo "validate_test: $*"; exit 1; }

# Runs `kthena validate ARGS...` with a time limit: sets $code, the output in $dir/out and $dir/err. A crash (134 is
# an abort) or a hang (124) fails the test at once.
validate() {
  set +e
  timeout 60 "$kthena" validate "$@" >"$dir/out" 2>"$dir/err"
  code=$?
  set -e
  [ "$code" -lt 124 ] || fail "validate $*: exit $code (a crash or a hang): $(cat "$dir/err")"
}
expect() {  # expect CODE FILE TEXT: the exit code, and TEXT in $dir/FILE
  [ "$code" = "$1" ] || fail "exit $code, want $1: $(cat "$dir/out" "$dir/err")"
  grep -qF -- "$3" "$dir/$2" || fail "no \"$3\" in $2: $(cat "$dir/$2")"
}

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
# Members of the wrong type: reported against the file and the field.
mkdir -p "$dir/types"
printf 'apiVersion: v1\nkind: 5\nmetadata: {name: x}\n' >"$dir/types/kind.yaml"
validate -f "$dir/types/kind.yaml"
expect 1 out "$dir/types/kind.yaml:1: kind: Invalid value: 5: must be a string"
printf 'apiVersion: [v1]\nkind: ConfigMap\n' >"$dir/types/api_version.yaml"
validate -f "$dir/types/api_version.yaml"
expect 1 out "$dir/types/api_version.yaml:1: apiVersion: Invalid value: [\"v1\"]: must be a string"
route() {  # route METADATA: a valid ModelRoute but for its metadata
  printf 'apiVersion: networking.serving.volcano.sh/v1alpha1\nkind: ModelRoute\nmetadata: %s\n' "$1"
  printf 'spec: {modelName: m, rules: [{targetModels: [{modelServerName: s}]}]}\n'
}
route '{name: [a]}' >"$dir/types/name.yaml"
validate -f "$dir/types/name.yaml"
expect 1 out "$dir/types/name.yaml: ModelRoute/default/[\"a\"]: metadata.name: Invalid value: \"array\": metadata.name in body must be of type string"
route '{name: r, namespace: 7}' >"$dir/types/namespace.yaml"
validate -f "$dir/types/namespace.yaml"
expect 1 out "$dir/types/namespace.yaml: ModelRoute/7/r: metadata.namespace: Invalid value: \"integer\": metadata.namespace in body must be of type string"
printf 'apiVersion: v1\nkind: List\nitems: [{apiVersion: v1, kind: 5}, 7]\n' >"$dir/types/list.yaml"
validate -f "$dir/types/list.yaml"
expect 1 out "$dir/types/list.yaml:1: kind: Invalid value: 5: must be a string"

# Symbolic links in a folder: a loop named like a manifest is unreadable; a loop by any other name and a link to a
# folder (a cycle) are passed over; the rest of the folder is still checked, once.
mkdir -p "$dir/links"
cp "$dir/ok/server.json" "$dir/links/server.json"
ln -s loop.yaml "$dir/links/loop.yaml"
ln -s other-b "$dir/links/other-a"
ln -s other-a "$dir/links/other-b"
ln -s .. "$dir/links/up"
validate -f "$dir/links"
expect 2 err "$dir/links/loop.yaml: cannot read: Too many levels of symbolic links"
grep -qF "1 valid, 0 invalid, 0 skipped, 1 unreadable" "$dir/err" || fail "links summary: $(cat "$dir/err")"
ln -s missing.yaml "$dir/links/dangling.yaml"
rm "$dir/links/loop.yaml"
validate -f "$dir/links"
expect 2 err "$dir/links/dangling.yaml: cannot read: No such file or directory"
validate -f "$dir/links/up/links/server.json"
expect 0 err "1 valid"
ln -s self "$dir/self"
validate -f "$dir/self"
expect 2 err "$dir/self: cannot read: Too many levels of symbolic links"

# Endless and huge inputs end with a message naming them.
validate -f /dev/zero
expect 2 err "/dev/zero: larger than the 64 MiB limit for a manifest"
truncate -s 65M "$dir/huge.yaml"
validate -f "$dir/huge.yaml"
expect 2 err "$dir/huge.yaml: larger than the 64 MiB limit for a manifest"
# A pipe named on the command line is read (`-f <(...)`); one met in a folder is passed over rather than waited on.
validate -f <(cat "$dir/ok/server.json")
expect 0 err "1 valid, 0 invalid"
mkdir -p "$dir/fifo"
mkfifo "$dir/fifo/waiting.yaml"
cp "$dir/ok/server.json" "$dir/fifo/"
validate -f "$dir/fifo"
expect 0 err "1 valid, 0 invalid, 0 skipped, 0 unreadable"

# A folder that cannot be listed is unreadable, and the rest is still checked. Root reads any folder, so as root
# the run goes without the capabilities that let it (dropped from the bounding set before exec: the new process
# never holds them).
mkdir -p "$dir/perm/locked"
cp "$dir/ok/server.json" "$dir/perm/"
cp "$dir/ok/server.json" "$dir/perm/locked/"
chmod 000 "$dir/perm/locked"
denied=(env)
if [ "$(id -u)" = 0 ]; then
  caps=-dac_override,-dac_read_search
  denied=(setpriv "--inh-caps=$caps" "--bounding-set=$caps" --)
fi
if ! "${denied[@]}" true 2>/dev/null || "${denied[@]}" ls "$dir/perm/locked" >/dev/null 2>&1; then
  echo "validate_test: cannot make a folder unreadable here (no setpriv, or it may not drop capabilities): skipping"
else
  set +e
  timeout 60 "${denied[@]}" "$kthena" validate -f "$dir/perm" >"$dir/out" 2>"$dir/err"
  code=$?
  set -e
  expect 2 err "$dir/perm/locked: cannot read directory: Permission denied"
  grep -qF "1 valid, 0 invalid, 0 skipped, 1 unreadable" "$dir/err" || fail "perm summary: $(cat "$dir/err")"
  set +e
  timeout 60 "${denied[@]}" "$kthena" validate -f "$dir/perm/locked" >"$dir/out" 2>"$dir/err"
  code=$?
  set -e
  expect 2 err "$dir/perm/locked: cannot read directory: Permission denied"
fi
chmod 755 "$dir/perm/locked"

# No objects: an empty file is a warning beside real manifests, an error when nothing else was found.
mkdir -p "$dir/empty"
: >"$dir/empty/blank.yaml"
printf '# only a comment\n---\n' >"$dir/empty/comments.yaml"
validate -f "$dir/empty/blank.yaml"
expect 1 out "$dir/empty/blank.yaml: warning: no objects in the file"
expect 1 err "error: no objects passed to validate"
validate -f "$dir/empty"
expect 1 out "$dir/empty/comments.yaml: warning: no objects in the file"
grep -qF "0 valid, 0 invalid, 0 skipped, 0 unreadable, 2 empty" "$dir/err" || fail "empty summary: $(cat "$dir/err")"
validate -f "$dir/empty" -f "$dir/ok/server.json"
expect 0 out "$dir/empty/blank.yaml: warning: no objects in the file"
mkdir -p "$dir/nothing"
validate -f "$dir/nothing"
expect 1 err "error: no objects passed to validate"

echo "validate_test: ok"
