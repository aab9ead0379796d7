// A controller in controller-runtime's style: events from shared informers become keys ("namespace/name") in a
// rate-limited work queue; N workers hand each key to a Reconciler, which reads the world from the caches and
// converges it. A key is never reconciled by two workers at once; a failure is retried with per-key back-off; a
// requeue-after keeps one pending entry per key. Reconcilers are level-triggered: they must not care which event
// woke them, nor how many.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "common/result.h"
#include "kube/informer.h"
#include "kube/work_queue.h"

namespace kthena::kube {

struct ReconcileResult {
  // Reconcile the key again after this long (a wait the reconciler knows about: a grace period, a cache catching up).
  std::optional<std::chrono::milliseconds> requeue_after;
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // Called from worker threads, never twice at once for one key. An error is logged and retried with back-off.
  virtual Result<ReconcileResult> reconcile(const std::string& key) = 0;
};

// Which keys an event on `object` concerns.
using KeyMapper = std::function<std::vector<std::string>(const Json& object)>;
// Whether an update from `old_object` to `new_object` is worth a reconcile. Adds and deletes always are.
using UpdatePredicate = std::function<bool(const Json& old_object, const Json& new_object)>;

// The object's own key.
KeyMapper own_key();
// The key of the object's controller owner (the ownerReference with controller: true) when it is of `kind` in API
// group `group` (any version): an event on a pod enqueues its ModelServing.
KeyMapper controller_owner_key(std::string group, std::string kind);
// metadata.generation changed (spec edits, not status writes), or the object started being deleted.
UpdatePredicate generation_changed();

struct ControllerOptions {
  int workers = 5;
  RateLimiterOptions rate_limits;
};

// Counters in controller-runtime's metric names (controller_runtime_reconcile_total, ..._time_seconds,
// workqueue_depth...), read by the controller-manager's /metrics.
struct ControllerCounters {
  static constexpr double kBuckets[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  static constexpr size_t kBucketCount = std::size(kBuckets);
  std::atomic<uint64_t> success{0}, error{0}, requeue_after{0};
  std::atomic<uint64_t> buckets[kBucketCount + 1] = {};  // the last one is +Inf
  std::atomic<uint64_t> time_sum_us{0};
  std::atomic<int> active_workers{0};
};

class Controller {
 public:
  Controller(std::string name, Reconciler& reconciler, ControllerOptions options = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Before start(): events of `informer` enqueue the keys `mapper` gives (own_key() for the reconciled kind); updates
  // only when `predicate` (if any) says so.
  void watch(Informer& informer, KeyMapper mapper, UpdatePredicate predicate = {});

  void enqueue(const std::string& key);
  void enqueue_after(const std::string& key, std::chrono::milliseconds delay);

  // Starts the workers; call once the informers have synced, so that the first reconciles see a whole cache.
  void start();
  // Stops taking keys and waits for the reconciles in progress.
  void stop();

  const std::string& name() const { return name_; }
  const ControllerCounters& counters() const { return counters_; }
  WorkQueueStats queue_stats() const { return queue_.stats(); }
  int workers() const { return options_.workers; }

 private:
  void work(std::stop_token stop);
  void process(const std::string& key);

  const std::string name_;
  Reconciler& reconciler_;
  const ControllerOptions options_;
  WorkQueue queue_;
  ControllerCounters counters_;
  std::vector<std::jthread> workers_;
};

// The metrics of these controllers in Prometheus' text format, one family each (with HELP and TYPE).
std::string controller_metrics_text(std::span<const Controller* const> controllers);

}  // namespace kthena::kube
