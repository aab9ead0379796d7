// One pod as the data plane sees it. The Endpoint itself is immutable and belongs to a snapshot; the numbers that
// change on their own (engine metrics from the scraper, the router's in-flight count) live in EndpointStats, which
// outlives snapshots so that a rebuild loses nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/types/model_server.h"
#include "api/types/pod.h"
#include "http/endpoint.h"

namespace kthena::router {

// Written by the scraper (engine gauges) and by request threads (in_flight); read by the scheduler. Relaxed
// atomics: each number is independent and a slightly stale value only makes a score slightly stale.
struct EndpointStats {
  explicit EndpointStats(uint32_t id) : pod_id(id) {}

  const uint32_t pod_id;  // stable while the pod exists: keys the prefix index and per-thread scratch arrays
  std::atomic<double> gpu_cache_usage{0};  // KV-cache usage fraction 0..1
  std::atomic<double> waiting{0};          // engine queue length
  std::atomic<double> running{0};          // requests in the engine's batch
  std::atomic<double> ttft{0};             // seconds, average over the last scrape period (0: unknown)
  std::atomic<double> tpot{0};             // seconds, likewise
  std::atomic<int64_t> in_flight{0};       // requests this router has outstanding to the pod
  std::atomic<bool> scraped{false};        // the first scrape succeeded

  // Passive health (passive_health.h): written by request threads and the scraper, read by the scheduler.
  std::atomic<int64_t> ejected_until{0};         // CoarseClock nanoseconds; the pod gets no requests before then
  std::atomic<uint32_t> ejections_in_a_row{0};   // since the pod last answered: the back-off doubles with each
  std::atomic<bool> ejected_for_timeout{false};  // a reachable pod that did not answer: a good scrape does not clear it
  std::atomic<uint32_t> scrape_failures_in_a_row{0};
  std::atomic<bool> scrape_unhealthy{false};  // too many scrapes in a row failed: no requests until one succeeds
};

struct Endpoint {
  std::shared_ptr<const api::Pod> pod;
  std::string key;       // "namespace/name"
  std::string kv_owner;  // "name.namespace": how runtime sidecars name the pod in the Redis KV-block index
  std::string ip;
  api::InferenceEngine engine = api::InferenceEngine::kVllm;  // of the first ModelServer that selects it
  int32_t metrics_port = 0;                                   // that ModelServer's workload port
  std::vector<std::string> models;                            // from the engine's /v1/models, sorted
  std::vector<std::string> model_servers;                     // "ns/name" of every ModelServer selecting it
  // Where to send requests, per workload port of the ModelServers that select the pod (usually one).
  std::vector<std::pair<int32_t, http::Endpoint>> upstreams;
  std::shared_ptr<EndpointStats> stats;

  const std::string& name() const { return pod->metadata.name; }
  const std::string& namespace_name() const { return pod->metadata.namespace_name; }
  uint32_t id() const { return stats->pod_id; }
  bool serves_model(std::string_view model) const;
  // The upstream address for a ModelServer workload `port`, or null when no selecting ModelServer uses that port.
  const http::Endpoint* upstream(int32_t port) const {
    for (const auto& [p, e] : upstreams) {
      if (p == port) return &e;
    }
    return nullptr;
  }
};

}  // namespace kthena::router
