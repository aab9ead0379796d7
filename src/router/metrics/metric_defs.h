// The router's own Prometheus metrics (kthena-router.md §11): names, help, types, label names and buckets.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <string_view>

namespace kthena::router {

enum class Metric : size_t {
  kRequestsTotal,
  kRequestDuration,
  kPrefillDuration,
  kDecodeDuration,
  kTokensTotal,
  kPluginDuration,
  kActiveRequests,
  kActiveDownstream,
  kActiveUpstream,
  kTokenizerUnsupportedEngine,
  kPrefixMatchRatio,
  kPrefixEvictions,
  kKvMatchRatio,
  kKvRedisDuration,
  kKvTokenizeDuration,
  kKvErrors,
  kUpstreamEjections,
  kRequestRefusals,
  kCount,
};

enum class MetricType { kCounter, kGauge, kHistogram };

struct MetricDef {
  std::string_view name;
  std::string_view help;
  MetricType type;
  std::span<const std::string_view> labels;
  std::span<const double> buckets;  // histograms only, ascending, +Inf implied
};

const MetricDef& metric_def(Metric m);
inline constexpr size_t kMetricCount = static_cast<size_t>(Metric::kCount);

}  // namespace kthena::router
