// The watch families of /metrics, in kube-apiserver's names: apiserver_terminated_watchers_total (watchers closed
// for falling behind, by group and resource) and, ours, apiserver_watchers_held_bytes (what all watchers hold
// undelivered, against --all-watchers-bytes).
#pragma once

#include <string>

#include "apiserver/storage/watch_hub.h"

namespace kthena::apiserver {

std::string watch_metrics_exposition(const WatchHub& hub);

}  // namespace kthena::apiserver
