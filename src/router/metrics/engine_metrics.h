// Reads what the scheduler needs out of an engine's /metrics (kthena-router.md §5.2): KV-cache usage, waiting and
// running requests, and the TTFT/TPOT histograms, under vLLM's and SGLang's names, current and older.
#pragma once

#include <optional>
#include <string_view>

#include "api/types/model_server.h"

namespace kthena::router {

struct HistogramTotals {
  double sum = 0;
  double count = 0;
};

struct EngineSample {
  double kv_cache_usage = 0;  // absent gauges read as 0, as upstream stores them
  double waiting = 0;
  double running = 0;
  std::optional<HistogramTotals> ttft;
  std::optional<HistogramTotals> tpot;
};

// Parses Prometheus text exposition. Gauges take the value of the last series of their family (labels are
// ignored); histograms the _sum and _count of their last series. A current name wins over its older alias.
EngineSample parse_engine_metrics(api::InferenceEngine engine, std::string_view text);

// The average of a histogram over the last scrape period: (Δsum / Δcount), or sum/count after a reset (a counter
// went down), or 0 when nothing new was observed or there is no previous scrape.
double period_average(const std::optional<HistogramTotals>& previous, const HistogramTotals& now);

}  // namespace kthena::router
