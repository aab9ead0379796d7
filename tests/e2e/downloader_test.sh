#!/usr/bin/env bash
# `kthena downloader` as pods run it (spec §7.2, docs/downloader.md): two processes on one cache folder copy once
# (the second waits for the first's lock), a process killed with -9 mid-copy leaves a stale lock that the next one
# takes over (after upstream's 15 s), and the failures a pod must report in one line with exit 1: a missing pvc://
# path, an unreachable hub, missing S3 credentials. --dry-run writes nothing. Every wait is on an event (a log line,
# a file, a process state), bounded by `timeout`.
set -euo pipefail
kthena="$1"
dir="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -CONT "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$dir"
}
trap cleanup EXIT
fail() { echo "downloader_test: $*"; for f in "$dir"/*.log; do [ -e "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 10 ms until it succeeds.
wait_for() {
  local seconds="$1" what="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for $what"
    sleep 0.01
  done
}
lock_pid_is() { [ "$(cat "$2/.lock" 2>/dev/null)" = "$1" ]; }
logged() { grep -qF -- "$2" "$1" 2>/dev/null; }
partial_exists() { compgen -G "$1/.*.kthena-partial" >/dev/null; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# A model: one 64 MiB file (the copy takes long enough to be caught holding the lock) and a few small ones.
src="$dir/pvc/models/m"
mkdir -p "$src/tokenizer"
head -c $((64 << 20)) /dev/zero >"$src/model.safetensors"
echo '{"model_type":"llama"}' >"$src/config.json"
printf 'a\nb\n' >"$src/tokenizer/vocab.txt"
nfiles=3

# --- Two processes, one cache: the second waits, then copies nothing. -------------------------------------------
# A process started frozen (it stops itself before exec) and run in 2 ms steps until `until` holds, then left
# frozen: on a fast machine a 64 MiB copy takes 40 ms, too short to be caught by polling while it runs.
start_frozen() {  # start_frozen LOG ARGS...: sets $frozen
  local log="$1"
  shift
  bash -c 'kill -STOP $$; exec "$@"' _ "$kthena" downloader "$@" >"$log" 2>&1 &
  frozen=$!
  pids+=("$frozen")
  wait_for 10 "the process to stop itself" sh -c "grep -q '^State:.*T' /proc/$frozen/status"
}
step_until() {  # step_until WHAT PID COMMAND...: CONT/STOP in 2 ms steps until COMMAND succeeds
  local what="$1" pid="$2"
  shift 2
  local deadline=$((SECONDS + 30))
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "never caught $what"
    kill -0 "$pid" 2>/dev/null || fail "the process ended before $what"
    kill -CONT "$pid"
    sleep 0.002
    kill -STOP "$pid"
  done
}

out="$dir/cache1"
start_frozen "$dir/a.log" -s "pvc://$src" -o "$out"
a=$frozen
# Frozen while holding the lock, so that the second process finds it held, whatever the machine's speed.
step_until "the first process's lock" "$a" lock_pid_is "$a" "$out"
"$kthena" downloader -s "pvc://$src" -o "$out" >"$dir/b.log" 2>&1 &
b=$!
pids+=("$b")
wait_for 30 "the second process to wait" logged "$dir/b.log" "waiting for $out/.lock: held by pid $a"
kill -CONT "$a"
wait "$a" || fail "the first process failed"
inode=$(stat -c %i "$out/model.safetensors")
wait "$b" || fail "the second process failed"
logged "$dir/a.log" "copied: $nfiles files, 64.0 MiB" || fail "the first process did not copy everything"
logged "$dir/b.log" "0 files (0 B) to copy to $out, $nfiles already present" || fail "the second process copied"
logged "$dir/b.log" "acquired $out/.lock" || fail "the second process never took the lock"
[ "$(stat -c %i "$out/model.safetensors")" = "$inode" ] || fail "the second process rewrote model.safetensors"
[ "$(stat -c %Y "$out/model.safetensors")" = "$(stat -c %Y "$src/model.safetensors")" ] || fail "mtime not kept"
cmp -s "$src/model.safetensors" "$out/model.safetensors" || fail "model.safetensors differs"
[ ! -e "$out/.lock" ] || fail "the lock file was left behind"

# --- kill -9 mid-copy: the partial file is never under its final name; the next process takes over. ---------------
out="$dir/cache2"
start_frozen "$dir/killed.log" -s "pvc://$src" -o "$out"
k=$frozen
step_until "the victim's lock" "$k" lock_pid_is "$k" "$out"
# Let it run in 2 ms steps until it is caught with a file half written.
step_until "the copy mid-file" "$k" partial_exists "$out"
lock_pid_is "$k" "$out" || fail "the copy finished before it could be caught mid-file"
kill -9 "$k"
wait "$k" 2>/dev/null || true
[ "$(cat "$out/.lock")" = "$k" ] || fail "the killed process's lock file is gone"
[ ! -e "$out/model.safetensors" ] || [ "$(stat -c %s "$out/model.safetensors")" = $((64 << 20)) ] ||
  fail "a truncated model.safetensors under its final name"
"$kthena" downloader -s "pvc://$src" -o "$out" >"$dir/taker.log" 2>&1 &
t=$!
pids+=("$t")
wait "$t" || fail "the process taking over failed"
logged "$dir/taker.log" "took over the stale lock $out/.lock (held by pid $k" || fail "no takeover"
logged "$dir/taker.log" "left by an interrupted download" || fail "the partial file was not cleaned up"
partial_exists "$out" && fail "a partial file remains"
cmp -s "$src/model.safetensors" "$out/model.safetensors" || fail "model.safetensors differs after the takeover"
cmp -s "$src/tokenizer/vocab.txt" "$out/tokenizer/vocab.txt" || fail "vocab.txt differs after the takeover"

# --- One line and exit 1. -------------------------------------------------------------------------------------------
# one_line_failure NAME ARGS...: exit 1 and exactly one line on stderr, which starts with "downloader: "
one_line_failure() {
  local name="$1"
  shift
  set +e
  timeout 60 "$kthena" downloader "$@" >"$dir/$name.out" 2>"$dir/$name.log"
  local code=$?
  set -e
  [ "$code" = 1 ] || fail "$name: exit $code, want 1"
  [ "$(wc -l <"$dir/$name.log")" = 1 ] || fail "$name: want one line on stderr"
  grep -q "^downloader: " "$dir/$name.log" || fail "$name: unexpected stderr"
}
one_line_failure missing_pvc -s "pvc://$dir/pvc/nope" -o "$dir/never"
grep -qxF "downloader: pvc://$dir/pvc/nope: $dir/pvc/nope: does not exist" "$dir/missing_pvc.log" ||
  fail "missing pvc: $(cat "$dir/missing_pvc.log")"
[ ! -e "$dir/never" ] || fail "missing pvc: the output folder was created"

one_line_failure unreachable_hf -s hf://org/model -o "$dir/hf" -c '{"hf_endpoint": "http://127.0.0.1:1"}'
grep -q "^downloader: hf://org/model: http://127.0.0.1:1/api/models/org/model/revision/main?blobs=true: cannot reach 127.0.0.1:1: connect failed" \
  "$dir/unreachable_hf.log" || fail "unreachable hf: $(cat "$dir/unreachable_hf.log")"
[ ! -e "$dir/hf" ] || fail "unreachable hf: the output folder was created"

one_line_failure no_credentials -s s3://bucket/models/m -o "$dir/s3"
grep -q "^downloader: s3://bucket/models/m: Missing credentials: set access_key and secret_key" \
  "$dir/no_credentials.log" || fail "s3: $(cat "$dir/no_credentials.log")"

one_line_failure bad_config -s "pvc://$src" -o "$dir/c" -c '{"hf_token": '
one_line_failure bad_repo -s "hf://a/b/c" -o "$dir/c"

# --- --dry-run checks the source, says what it would copy, writes nothing. ------------------------------------------
"$kthena" downloader --dry-run -s "pvc://$src" -o "$dir/dry" >"$dir/dry.log" 2>&1 || fail "dry run failed"
[ ! -e "$dir/dry" ] || fail "the dry run created the output folder"
logged "$dir/dry.log" "would copy model.safetensors (64.0 MiB)" || fail "the dry run did not list the files"
one_line_failure dry_missing --dry-run -s "pvc://$dir/pvc/nope" -o "$dir/dry"
# A hub that cannot be reached is no failure of a dry run (an offline simulation); the log says so.
"$kthena" downloader --dry-run -s hf://org/model -o "$dir/dry-hf" -c '{"hf_endpoint": "http://127.0.0.1:1"}' \
  >"$dir/dry_hf.log" 2>&1 || fail "an offline dry run failed: $(cat "$dir/dry_hf.log")"
logged "$dir/dry_hf.log" "cannot be listed from here" || fail "offline dry run: $(cat "$dir/dry_hf.log")"
[ ! -e "$dir/dry-hf" ] || fail "the offline dry run created the output folder"

echo "downloader_test: ok"
