#!/usr/bin/env bash
# `make run` as a newcomer meets it: scripts/run-demo (kthena up with the quickstart, the simulation profile's
# declared server, the default pod network) ends with the model Active and a request to paste, and pasting it
# answers; Ctrl-C stops everything.
#   demo_test.sh KTHENA REPO_ROOT
set -euo pipefail
kthena="$1"
root="$2"
if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
  echo "skipped: needs root with network namespaces"; exit 0
fi
if ip link show kthena0 >/dev/null 2>&1; then
  echo "skipped: a kthena up already runs on this machine (bridge kthena0 exists)"; exit 0
fi
dir="$(mktemp -d)"
chmod 755 "$dir"
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  wait 2>/dev/null || true
  for ns in /run/netns/kthena0-*; do [ -e "$ns" ] && { umount "$ns" 2>/dev/null; rm -f "$ns"; }; done
  ip link del kthena0 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "demo_test: $*"; cat "$dir/run.out"; tail -20 "$dir"/d/logs/*.log; exit 1; }
wait_for() {  # wait_for SECONDS COMMAND...
  local until=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $until ] || return 1; sleep 0.2; done
}
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
