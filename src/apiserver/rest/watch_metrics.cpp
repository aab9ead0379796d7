#include "apiserver/rest/watch_metrics.h"

#include <fmt/format.h>

namespace kthena::apiserver {

std::string watch_metrics_exposition(const WatchHub& hub) {
  std::string out;
  out +=
      "# HELP apiserver_terminated_watchers_total Counter of watchers closed due to unresponsiveness broken by "
      "resource type.\n";
  out += "# TYPE apiserver_terminated_watchers_total counter\n";
  // Label values are served groups and resources: nothing to escape.
  for (const auto& [key, count] : hub.terminated_watchers()) {
    out += fmt::format("apiserver_terminated_watchers_total{{group=\"{}\",resource=\"{}\"}} {}\n", key.first,
                       key.second, count);
  }
  out += "# HELP apiserver_watchers_held_bytes Bytes of events all watchers hold undelivered.\n";
  out += "# TYPE apiserver_watchers_held_bytes gauge\n";
  out += fmt::format("apiserver_watchers_held_bytes {}\n", hub.watchers_bytes());
  return out;
}

}  // namespace kthena::apiserver
