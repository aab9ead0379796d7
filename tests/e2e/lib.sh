# Shared by the end-to-end shell tests: `source "$(dirname "$0")/lib.sh"`.

# wait_for SECONDS COMMAND...: until COMMAND succeeds, polling every 0.2 s; fails after SECONDS.
wait_for() {
  local until=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt $until ] || return 1; sleep 0.2; done
}

# skip_unless_pod_network: exits 0 with a skip message unless root with network namespaces (the node agent's pods).
skip_unless_pod_network() {
  if [ "$(id -u)" != 0 ] || ! unshare -n true 2>/dev/null; then
    echo "skipped: needs root with network namespaces"; exit 0
  fi
}

# remove_pod_network BRIDGE: what a node agent on BRIDGE leaves when it is killed: its pods' network namespaces
# (named BRIDGE-<pod uid>) and the bridge.
remove_pod_network() {
  local ns
  for ns in /run/netns/"$1"-*; do [ -e "$ns" ] && { umount "$ns" 2>/dev/null; rm -f "$ns"; }; done
  ip link del "$1" 2>/dev/null || true
}
