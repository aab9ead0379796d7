// The router's control side: it keeps the objects from the source (static file or API watches), the router
// configuration and the scheduler built from it, scrapes engines, and publishes a new RouterSnapshot whenever any
// of these change. Files are re-read when they change (upstream needs a restart for its configuration).
// Thread contract: everything runs on the control reactor, except the snapshot slot and the public accessors that
// say otherwise.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/client.h"
#include "http/reactor.h"
#include "router/control/kv_block_sync.h"
#include "router/control/scraper.h"
#include "router/control/static_source.h"
#include "router/debug/config_dump.h"
#include "router/metrics/metrics_registry.h"
#include "router/scheduler/kv_block_index.h"
#include "router/scheduler/plugin_registry.h"
#include "router/scheduler/prefix_index.h"
#include "router/snapshot/cluster_state.h"
#include "router/snapshot/snapshot_slot.h"

namespace kthena::router {

struct ControlOptions {
  std::string static_file;  // --static
  std::string config_file;  // --config; empty: upstream's defaults
  std::chrono::nanoseconds scrape_interval = std::chrono::seconds(1);
  std::chrono::milliseconds watch_interval{1000};  // how often files are checked for changes
};

class ControlPlane {
 public:
  // Loads the configuration and the static file once; a broken one fails here (at startup it is fatal, later it
  // is logged and the last good one stays).
  static Result<std::unique_ptr<ControlPlane>> create(ControlOptions options, http::Reactor& reactor,
                                                      MetricsRegistry& metrics);
  // Use create(); public for std::make_unique.
  ControlPlane(ControlOptions options, http::Reactor& reactor, MetricsRegistry& metrics);
  ~ControlPlane();

  // Starts the file watches and the scrape loop on the control reactor. Any thread.
  void start();
  // Stops the loops; returns once they have. Any thread but the control reactor's.
  void stop();

  const SnapshotSlot<RouterSnapshot>& snapshots() const { return slot_; }
  // The snapshot being served. Any thread.
  std::shared_ptr<const RouterSnapshot> current() const { return slot_.load(); }
  // Progress of the background loops for /debug/status. Any thread.
  DebugStatus debug_status() const {
    return DebugStatus{scrape_passes_.load(std::memory_order_relaxed), kv_index_ ? kv_index_->blocks() : 0};
  }
  // How many times a configuration or static file reload failed (the last good one stayed). Any thread.
  uint64_t reload_failures() const { return reload_failures_.load(std::memory_order_relaxed); }
  // How many times a control loop threw and was restarted (supervised_loop.h). Any thread.
  uint64_t loop_restarts() const { return loop_restarts_.load(std::memory_order_relaxed); }

  // Kubernetes mode: runs `change` on the control reactor (where cluster() may be used), then publishes a new
  // snapshot within a few milliseconds (changes arriving together share one). Any thread.
  void post(std::function<void()> change);
  ClusterState& cluster() { return cluster_; }
  // Readiness waits for the sources too: `synced` reports whether every watch has listed. Before start().
  void set_sources_synced(std::function<bool()> synced) { sources_synced_ = std::move(synced); }
  void publish();

 private:
  Result<void> load_config();
  Result<void> load_static();
  http::asio::awaitable<void> watch_loop();
  http::asio::awaitable<void> scrape_loop();

  ControlOptions options_;
  http::Reactor& reactor_;
  MetricsRegistry& metrics_;
  ClusterState cluster_;
  SnapshotSlot<RouterSnapshot> slot_;
  std::shared_ptr<const Scheduler> scheduler_;
  std::shared_ptr<const RouterConfig> config_;
  std::shared_ptr<PrefixIndex> prefix_index_;
  std::atomic<std::shared_ptr<PrefixIndex>> prefix_index_for_metrics_;  // read by scrapes of /metrics
  std::shared_ptr<KvBlockIndex> kv_index_;  // set when REDIS_HOST is: the kvcache-aware plugin's block owners
  std::unique_ptr<KvBlockSync> kv_sync_;
  PluginEnv env_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<Scraper> scraper_;
  bool ready_ = false;
  bool scraped_ = false;          // the first scrape pass is done
  bool publish_pending_ = false;  // control thread only
  std::function<bool()> sources_synced_;
  uint64_t generation_ = 0;
  std::atomic<uint64_t> scrape_passes_{0};
  std::optional<std::filesystem::file_time_type> config_mtime_, static_mtime_;
  std::atomic<uint64_t> reload_failures_{0};
  std::atomic<uint64_t> loop_restarts_{0};
  std::atomic<int> loops_running_{0};
  bool stopping_ = false;                      // control thread only
  std::unique_ptr<struct LoopTimers> timers_;  // the loops' pauses, cancelled by stop()
};

}  // namespace kthena::router
