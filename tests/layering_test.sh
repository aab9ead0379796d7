#!/usr/bin/env bash
# Fails when a source under src/<lib>/ includes a header of a library that <lib> may not use. The allowed edges
# are the architecture (docs/architecture.md): the router never sees the controllers, nothing sees the CLI.
set -euo pipefail
src="$1"
declare -A allowed=(
  [common]="common"
  [api]="common api"
  [http]="common http"
  [kube]="common api http kube"
  [apiserver]="common api http kube apiserver"
  [downloader]="common api downloader"
  [runtime]="common api http downloader runtime"
  [controllers]="common api kube controllers"
  [node]="common api kube http node"
  [router]="common api http kube router"
  [sim]="common http sim"
  [cli]="common api http kube apiserver controllers downloader node router runtime sim cli"
)
status=0
for dir in "$src"/*/; do
  lib=$(basename "$dir")
  [ -n "${allowed[$lib]+x}" ] || { echo "layering: src/$lib has no entry in tests/layering_test.sh"; status=1; continue; }
  while IFS=: read -r file _ include; do
    target=$(sed -E 's/.*#include "([a-z_]+)\/.*/\1/' <<<"$include")
    [ -d "$src/$target" ] || continue
    if ! grep -qw "$target" <<<"${allowed[$lib]}"; then
      echo "layering: $file includes \"$target/...\", which src/$lib may not use"
      status=1
    fi
  done < <(grep -rn '#include "[a-z_]*/' "$dir" || true)
done
exit $status
