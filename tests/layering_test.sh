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
  [ctl]="common api http kube ctl"
  [up]="common api up"
  [cli]="common api http kube apiserver controllers downloader node router runtime sim ctl up cli"
)
status=0
# One grep over the tree and one awk (a sed per include line took a minute on a loaded 2-core machine).
for dir in "$src"/*/; do
  lib=$(basename "$dir")
  [ -n "${allowed[$lib]+x}" ] || { echo "layering: src/$lib has no entry in tests/layering_test.sh"; status=1; }
done
rules=""
for lib in "${!allowed[@]}"; do rules+="$lib=${allowed[$lib]};"; done
libs=$(cd "$src" && ls -d */ | tr -d / | tr '\n' ' ')
if ! grep -rnoE '#include "[a-z_]+/' "$src" | awk -v src="$src/" -v rules="$rules" -v libs="$libs" '
  BEGIN {
    n = split(rules, r, ";")
    for (i = 1; i <= n; i++) { if (split(r[i], kv, "=") == 2) allowed[kv[1]] = " " kv[2] " " }
    m = split(libs, l, " ")
    for (i = 1; i <= m; i++) is_lib[l[i]] = 1
  }
  {
    file = $0; sub(/:.*/, "", file)
    rel = substr(file, length(src) + 1); lib = rel; sub(/\/.*/, "", lib)
    target = $0; sub(/.*#include "/, "", target); sub(/\/.*/, "", target)
    if (!(target in is_lib) || !(lib in allowed)) next
    if (index(allowed[lib], " " target " ") == 0) {
      printf "layering: %s includes \"%s/...\", which src/%s may not use\n", file, target, lib
      bad = 1
    }
  }
  END { exit bad }'; then
  status=1
fi
exit $status
