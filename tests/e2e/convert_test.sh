#!/usr/bin/env bash
# `kthena convert` on hostile input: members of the wrong type, link loops, endless or huge input, a folder where a
# file belongs, an empty file. Each once aborted (exit 134) or read forever; each must end with a message naming
# the input and convert's documented exit code (1 invalid or nothing to convert, 2 unreadable or unparsable).
# The conversion itself is tested against upstream's examples in tests/conformance/convert_cli_test.cpp.
set -euo pipefail
kthena="$1"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
fail() { echo "convert_test: $*"; exit 1; }

# Runs `kthena convert ARGS...` (stdin from $stdin, /dev/null by default) with a time limit: sets $code, the output
# in $dir/out and $dir/err. A crash (134 is an abort) or a hang (124) fails the test at once.
stdin=/dev/null
convert() {
  set +e
  timeout 60 "$kthena" convert "$@" <"$stdin" >"$dir/out" 2>"$dir/err"
  code=$?
  set -e
  [ "$code" -lt 124 ] || fail "convert $*: exit $code (a crash or a hang): $(cat "$dir/err")"
}
expect() {  # expect CODE TEXT: the exit code, and TEXT on stderr
  [ "$code" = "$1" ] || fail "exit $code, want $1: $(cat "$dir/err")"
  grep -qF -- "$2" "$dir/err" || fail "no \"$2\" on stderr: $(cat "$dir/err")"
}
booster() {  # booster METADATA: a convertible ModelBooster but for its metadata
  cat <<YAML
apiVersion: workload.serving.volcano.sh/v1alpha1
kind: ModelBooster
metadata: $1
spec:
  backend:
    name: b1
    type: vLLM
    modelURI: hf://Qwen/Qwen2.5-0.5B-Instruct
    cacheURI: hostpath:///tmp/cache
    replicas: 1
    workers: [{type: server, image: vllm/vllm-openai:latest, replicas: 1, pods: 1}]
YAML
}

booster '{name: m}' >"$dir/ok.yaml"
convert -f "$dir/ok.yaml"
[ "$code" = 0 ] || fail "a valid booster: exit $code: $(cat "$dir/err")"
grep -q "^kind: ModelServing$" "$dir/out" || fail "no ModelServing: $(cat "$dir/out")"
convert -f <(cat "$dir/ok.yaml")
[ "$code" = 0 ] || fail "a booster through a pipe: exit $code: $(cat "$dir/err")"

# Members of the wrong type.
booster '{name: [a]}' >"$dir/name.yaml"
convert -f "$dir/name.yaml"
expect 1 "$dir/name.yaml: ModelBooster/default/[\"a\"]: metadata.name: Invalid value: \"array\": metadata.name in body must be of type string"
booster '{name: m, namespace: 7}' >"$dir/namespace.yaml"
convert -f "$dir/namespace.yaml" --uid 6f1c0000-0000-4000-8000-000000000001
expect 1 "$dir/namespace.yaml: ModelBooster/7/m: metadata.namespace: Invalid value: \"integer\": metadata.namespace in body must be of type string"
booster '5' >"$dir/metadata.yaml"
convert -f "$dir/metadata.yaml" --uid 6f1c0000-0000-4000-8000-000000000001
expect 1 "$dir/metadata.yaml: ModelBooster/default/<unnamed>: metadata: Invalid value: \"integer\": metadata in body must be of type object"
printf 'apiVersion: workload.serving.volcano.sh/v1alpha1\nkind: 5\n' >"$dir/kind.yaml"
convert -f "$dir/kind.yaml"
expect 1 "$dir/kind.yaml:1: kind: Invalid value: 5: must be a string"

# Inputs that are no manifest file.
convert -f /dev/zero
expect 2 "/dev/zero: larger than the 64 MiB limit for a manifest"
stdin=/dev/zero convert -f -
expect 2 "<stdin>: larger than the 64 MiB limit for a manifest"
truncate -s 65M "$dir/huge.yaml"
convert -f "$dir/huge.yaml"
expect 2 "$dir/huge.yaml: larger than the 64 MiB limit for a manifest"
convert -f "$dir"
expect 2 "$dir: is a directory, not a file"
convert -f "$dir/missing.yaml"
expect 2 "$dir/missing.yaml: cannot read: No such file or directory"
ln -s loop.yaml "$dir/loop.yaml"
convert -f "$dir/loop.yaml"
expect 2 "$dir/loop.yaml: cannot read: Too many levels of symbolic links"

# Nothing to convert.
: >"$dir/empty.yaml"
convert -f "$dir/empty.yaml"
expect 1 "$dir/empty.yaml: no ModelBooster to convert"
echo "convert_test: ok"
