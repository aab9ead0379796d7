// Scrapes every pod's engine metrics and model list off the request path (kthena-router.md §5.2-5.3): every
// METRICS_SCRAPE_INTERVAL, all pods concurrently (at most 100 at a time), with a 5 s timeout each. Gauges go
// straight into the pods' EndpointStats; model lists go back to the caller, which rebuilds the snapshot when
// they change. Thread contract: control thread only.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "common/string_map.h"
#include "http/client.h"
#include "router/metrics/engine_metrics.h"
#include "router/metrics/metrics_registry.h"
#include "router/snapshot/router_snapshot.h"

namespace kthena::router {

class Scraper {
 public:
  // `metrics` (the control thread's shard) counts pods that failing scrapes take out of scheduling.
  Scraper(http::Client& client, MetricShard* metrics = nullptr) : client_(client), metrics_(metrics) {}

  struct PassResult {
    std::vector<std::pair<std::string, std::vector<std::string>>> models;  // pod key -> its /v1/models ids
  };
  // One pass over the snapshot's endpoints. The snapshot must stay alive until the pass returns.
  http::asio::awaitable<PassResult> scrape(const RouterSnapshot& snapshot);

  // Forgets the histogram history of pods that are gone.
  void retain(const RouterSnapshot& snapshot);

 private:
  struct History {
    std::optional<HistogramTotals> ttft;
    std::optional<HistogramTotals> tpot;
  };
  http::asio::awaitable<void> scrape_one(const Endpoint& e, PassResult& out);

  // A failed scrape of `e`: logged when it is the first in a row, and passive health told (passive_health.h).
  void scrape_failed(const Endpoint& e, std::string_view why);
  void scrape_succeeded(const Endpoint& e);

  http::Client& client_;
  MetricShard* metrics_;
  StringMap<History> history_;
};

// Reads the ids of an OpenAI /v1/models answer.
bool parse_model_ids(std::string_view body, std::vector<std::string>& ids);

}  // namespace kthena::router
