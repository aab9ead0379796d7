#!/usr/bin/env bash
# `make run` as a newcomer meets it: scripts/run-demo (kthena up with the quickstart, the simulation profile's
# declared server, the default pod network) ends with the model Active and a request to paste, and pasting it
# answers; Ctrl-C stops everything.
#   demo_test.sh KTHENA REPO_ROOT
set -euo pipefail
source "$(dirname "$0")/lib.sh"
kthena="$1"
root="$2"
skip_unless_pod_network
if ip link show kthena0 >/dev/null 2>&1; then
  echo "skipped: a kthena up already runs on this machine (bridge kthena0 exists)"; exit 0
fi
dir="$(mktemp -d)"
chmod 755 "$dir"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  wait 2>/dev/null || true
  remove_pod_network kthena0
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "demo_test: $*"; cat "$dir/run.out"; tail -20 "$dir"/d/logs/*.log; exit 1; }
KTHENA_BIN="$kthena" KTHENA_DEMO_PORT=0 KTHENA_DEMO_API_PORT=0 KTHENA_DEMO_DATA_DIR="$dir/d" \
  "$root/scripts/run-demo" >"$dir/run.out" 2>&1 &
pid=$!
wait_for 240 grep -q 'Try it:' "$dir/run.out" || fail "the demo never printed a request to paste"
grep -q 'ModelBooster default/qwen: Active' "$dir/run.out" || fail "no Active progress line"
grep -q 'simulation profile' "$dir/run.out" || fail "the simulation profile is not announced"
# The request exactly as printed: the line after "Try it:" and its continuation.
sed -n '/Try it:/{n;N;p;q}' "$dir/run.out" >"$dir/paste.sh"
bash "$dir/paste.sh" >"$dir/answer.json" || fail "the pasted request failed: $(cat "$dir/paste.sh")"
grep -q '"chat.completion"' "$dir/answer.json" || fail "the pasted request's answer: $(cat "$dir/answer.json")"
kill -INT "$pid"
wait "$pid" || fail "run-demo exited with $? after Ctrl-C"
pid=""
! pgrep -f "$dir/d" >/dev/null || fail "processes left: $(pgrep -af "$dir/d")"
echo "demo_test: ok"
