#include "apiserver/rest/request_metrics.h"

#include <fmt/format.h>

namespace kthena::apiserver {
namespace {

// Label values are names the server serves, verbs and scopes: no quote, backslash or newline to escape.
std::string label_set(const RequestLabels& l) {
  return fmt::format(
      "component=\"apiserver\",dry_run=\"{}\",group=\"{}\",resource=\"{}\",scope=\"{}\",subresource=\"{}\",verb=\"{}\","
      "version=\"{}\"",
      l.dry_run, l.group, l.resource, l.scope, l.subresource, l.verb, l.version);
}

}  // namespace

void RequestMetrics::record(const RequestLabels& labels, int code, double seconds) {
  std::lock_guard lock(mutex_);
  ++totals_[{labels, code}];
  Duration& d = durations_[labels];
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) {
      ++d.buckets[i];
      break;
    }
  }
  ++d.count;
  d.sum += seconds;
}

std::string RequestMetrics::exposition() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out +=
      "# HELP apiserver_request_total Counter of apiserver requests broken out for each verb, dry run value, "
      "group, version, resource, scope, component, and HTTP response code.\n";
  out += "# TYPE apiserver_request_total counter\n";
  for (const auto& [key, count] : totals_) {
    out += fmt::format("apiserver_request_total{{code=\"{}\",{}}} {}\n", key.second, label_set(key.first), count);
  }
  out +=
      "# HELP apiserver_request_duration_seconds Response latency distribution in seconds for each verb, dry run "
      "value, group, version, resource, subresource, scope and component.\n";
  out += "# TYPE apiserver_request_duration_seconds histogram\n";
  for (const auto& [labels, d] : durations_) {
    const std::string set = label_set(labels);
    uint64_t cumulative = 0;
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      cumulative += d.buckets[i];
      out +=
          fmt::format("apiserver_request_duration_seconds_bucket{{{},le=\"{}\"}} {}\n", set, kBuckets[i], cumulative);
    }
    out += fmt::format("apiserver_request_duration_seconds_bucket{{{},le=\"+Inf\"}} {}\n", set, d.count);
    out += fmt::format("apiserver_request_duration_seconds_sum{{{}}} {}\n", set, d.sum);
    out += fmt::format("apiserver_request_duration_seconds_count{{{}}} {}\n", set, d.count);
  }
  return out;
}

}  // namespace kthena::apiserver
