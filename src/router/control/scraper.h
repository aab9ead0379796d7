// Scrapes every pod's engine metrics and model list off the request path (kthena-router.md §5.2-5.3): every
// METRICS_SCRAPE_INTERVAL, all pods concurrently (at most 100 at a time), with a 5 s timeout each. Gauges go
// straight into the pods' EndpointStats; model lists go back to the caller, which rebuilds the snapshot when
// they change. Thread contract: control thread only.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "http/client.h"
#include "router/metrics/engine_metrics.h"
#include "router/snapshot/router_snapshot.h"
#include "router/util/string_map.h"

namespace kthena::router {

class Scraper {
 public:
  explicit Scraper(http::Client& client) : client_(client) {}

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

  http::Client& client_;
  StringMap<History> history_;
};

// Reads the ids of an OpenAI /v1/models answer.
bool parse_model_ids(std::string_view body, std::vector<std::string>& ids);

}  // namespace kthena::router
