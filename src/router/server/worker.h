// The per-reactor state of the data plane: everything a request needs that is not shared with other threads.
// Thread contract: a Worker belongs to its reactor's thread; only code running there may touch it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include <simdjson.h>

#include "common/rng.h"
#include "http/client.h"
#include "http/reactor.h"
#include "router/metrics/metrics_registry.h"
#include "router/observability/access_log.h"
#include "router/request/request_parser.h"
#include "router/scheduler/scheduling_context.h"
#include "router/snapshot/router_snapshot.h"
#include "router/snapshot/snapshot_slot.h"

namespace kthena::router {

class Worker {
 public:
  Worker(http::Reactor& reactor, uint32_t index, const SnapshotSlot<RouterSnapshot>& slot, MetricShard& metrics,
         std::shared_ptr<AccessLogSink> access_log, std::unique_ptr<http::Client> client,
         size_t max_json_depth = RequestParser::kDefaultMaxDepth);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  http::Reactor& reactor() { return reactor_; }
  uint32_t index() const { return index_; }  // also the worker's reader slot in shared indexes
  http::Client& client() { return *client_; }
  RequestParser& parser() { return parser_; }
  simdjson::dom::parser& json() { return json_; }
  SchedulingScratch& scratch() { return scratch_; }
  Rng& rng() { return rng_; }
  MetricShard& metrics() { return metrics_; }
  SchedulerObserver& observer() { return *observer_; }
  SnapshotCache<RouterSnapshot>::Pin snapshot() { return snapshots_.pin(); }
  // The wall-clock time of a request-clock instant, for access-log timestamps: the clocks' offset is read again
  // once a second, not for every request.
  std::chrono::system_clock::time_point wall_time(std::chrono::steady_clock::time_point t);

  // Queues an access-log entry; lines are written in batches (at 4 KiB or within 50 ms).
  void log(const AccessLogEntry& entry);
  bool access_log_enabled() const { return access_log_ != nullptr; }
  // Before the reactor runs.
  void set_access_log(std::shared_ptr<AccessLogSink> sink) { access_log_ = std::move(sink); }
  // Writes what is queued now (shutdown).
  void flush_log();

 private:
  void arm_flush();

  http::Reactor& reactor_;
  uint32_t index_;
  MetricShard& metrics_;
  std::shared_ptr<AccessLogSink> access_log_;
  std::unique_ptr<http::Client> client_;
  RequestParser parser_;
  simdjson::dom::parser json_;
  SchedulingScratch scratch_;
  Rng rng_;
  SnapshotCache<RouterSnapshot> snapshots_;
  std::string log_buffer_;
  bool flush_armed_ = false;
  std::chrono::steady_clock::time_point wall_synced_at_{};
  std::chrono::nanoseconds wall_offset_{};
  std::unique_ptr<struct FlushTimer> flush_timer_;
  std::unique_ptr<SchedulerObserver> observer_;
};

// A random RFC 4122 version 4 UUID, for x-request-id, written into `out` (no allocation on the request path).
void uuid_v4(Rng& rng, std::span<char, 36> out);

}  // namespace kthena::router
