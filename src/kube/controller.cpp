#include "kube/controller.h"

#include <fmt/format.h>

#include "common/log.h"
#include "kube/object_cache.h"

namespace kthena::kube {
namespace {

const Json* meta_of(const Json& object) {
  if (!object.is_object()) return nullptr;
  auto it = object.find("metadata");
  return it != object.end() && it->is_object() ? &*it : nullptr;
}

std::string string_at(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

KeyMapper own_key() {
  return [](const Json& object) { return std::vector<std::string>{ObjectCache::key_of(object)}; };
}

KeyMapper controller_owner_key(std::string group, std::string kind) {
  return [group = std::move(group), kind = std::move(kind)](const Json& object) {
    std::vector<std::string> keys;
    const Json* meta = meta_of(object);
    if (!meta) return keys;
    auto refs = meta->find("ownerReferences");
    if (refs == meta->end() || !refs->is_array()) return keys;
    for (const Json& ref : *refs) {
      if (!ref.is_object() || !ref.value("controller", false) || string_at(ref, "kind") != kind) continue;
      std::string api_version = string_at(ref, "apiVersion");
      if (api_version.substr(0, api_version.find('/')) != group) continue;
      std::string ns = string_at(*meta, "namespace");
      std::string name = string_at(ref, "name");
      keys.push_back(ns.empty() ? name : ns + "/" + name);
    }
    return keys;
  };
}

UpdatePredicate generation_changed() {
  return [](const Json& old_object, const Json& new_object) {
    const Json* a = meta_of(old_object);
    const Json* b = meta_of(new_object);
    if (!a || !b) return true;
    if (a->value("generation", int64_t{0}) != b->value("generation", int64_t{0})) return true;
    return a->contains("deletionTimestamp") != b->contains("deletionTimestamp");
  };
}

Controller::Controller(std::string name, Reconciler& reconciler, ControllerOptions options)
    : name_(std::move(name)), reconciler_(reconciler), options_(options), queue_(options.rate_limits) {}

Controller::~Controller() {
  stop();
}

void Controller::watch(Informer& informer, KeyMapper mapper, UpdatePredicate predicate) {
  auto enqueue_all = [this, mapper](const ObjectPtr& object) {
    if (!object) return;
    for (const std::string& key : mapper(*object)) enqueue(key);
  };
  EventHandler handler;
  handler.on_add = enqueue_all;
  handler.on_delete = enqueue_all;
  handler.on_update = [enqueue_all, predicate](const ObjectPtr& old_object, const ObjectPtr& new_object) {
    if (predicate && old_object && new_object && !predicate(*old_object, *new_object)) return;
    // A changed owner reference concerns both owners.
    enqueue_all(old_object);
    enqueue_all(new_object);
  };
  informer.add_handler(std::move(handler));
}

void Controller::enqueue(const std::string& key) {
  queue_.add(key);
}

void Controller::enqueue_after(const std::string& key, std::chrono::milliseconds delay) {
  queue_.add_after(key, delay);
}

void Controller::start() {
  for (int i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this](std::stop_token stop) { work(stop); });
  }
}

void Controller::stop() {
  queue_.shut_down();
  workers_.clear();  // joins
}

void Controller::work(std::stop_token stop) {
  while (!stop.stop_requested()) {
    std::optional<std::string> key = queue_.get();
    if (!key) return;
    process(*key);
    queue_.done(*key);
  }
}

void Controller::process(const std::string& key) {
  counters_.active_workers.fetch_add(1, std::memory_order_relaxed);
  auto start = std::chrono::steady_clock::now();
  Result<ReconcileResult> result = [&]() -> Result<ReconcileResult> {
    try {
      return reconciler_.reconcile(key);
    } catch (const std::exception& e) {
      // A reconciler bug must not take the process down with every other object it serves.
      return fail(ErrorCode::kInternal, fmt::format("reconcile threw: {}", e.what()));
    }
  }();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  counters_.active_workers.fetch_sub(1, std::memory_order_relaxed);
  size_t bucket = 0;
  while (bucket < ControllerCounters::kBucketCount && seconds > ControllerCounters::kBuckets[bucket]) ++bucket;
  counters_.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  counters_.time_sum_us.fetch_add(static_cast<uint64_t>(seconds * 1e6), std::memory_order_relaxed);
  if (!result) {
    counters_.error.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("{}: reconcile of {} failed (attempt {}): {}", name_, key, queue_.num_requeues(key) + 1,
                 result.error().to_string());
    queue_.add_rate_limited(key);
    return;
  }
  queue_.forget(key);
  if (result->requeue_after) {
    counters_.requeue_after.fetch_add(1, std::memory_order_relaxed);
    queue_.add_after(key, *result->requeue_after);
  } else {
    counters_.success.fetch_add(1, std::memory_order_relaxed);
  }
}

std::string controller_metrics_text(std::span<const Controller* const> controllers) {
  auto get = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  std::string out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help, auto&& samples) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
    for (const Controller* c : controllers) samples(*c, c->counters(), fmt::format("controller=\"{}\"", c->name()));
  };
  family("controller_runtime_reconcile_total", "counter", "Total number of reconciliations per controller.",
         [&](const Controller&, const ControllerCounters& c, const std::string& label) {
           out +=
               fmt::format("controller_runtime_reconcile_total{{{},result=\"success\"}} {}\n", label, get(c.success));
           out += fmt::format("controller_runtime_reconcile_total{{{},result=\"error\"}} {}\n", label, get(c.error));
           out += fmt::format("controller_runtime_reconcile_total{{{},result=\"requeue_after\"}} {}\n", label,
                              get(c.requeue_after));
         });
  family("controller_runtime_reconcile_errors_total", "counter",
         "Total number of reconciliation errors per controller.",
         [&](const Controller&, const ControllerCounters& c, const std::string& label) {
           out += fmt::format("controller_runtime_reconcile_errors_total{{{}}} {}\n", label, get(c.error));
         });
  family("controller_runtime_reconcile_time_seconds", "histogram", "Length of time per reconciliation per controller.",
         [&](const Controller&, const ControllerCounters& c, const std::string& label) {
           uint64_t cumulative = 0;
           for (size_t i = 0; i <= ControllerCounters::kBucketCount; ++i) {
             cumulative += get(c.buckets[i]);
             std::string le =
                 i < ControllerCounters::kBucketCount ? fmt::format("{}", ControllerCounters::kBuckets[i]) : "+Inf";
             out += fmt::format("controller_runtime_reconcile_time_seconds_bucket{{{},le=\"{}\"}} {}\n", label, le,
                                cumulative);
           }
           out += fmt::format("controller_runtime_reconcile_time_seconds_sum{{{}}} {}\n", label,
                              static_cast<double>(get(c.time_sum_us)) / 1e6);
           out += fmt::format("controller_runtime_reconcile_time_seconds_count{{{}}} {}\n", label, cumulative);
         });
  family("controller_runtime_active_workers", "gauge", "Number of currently used workers per controller.",
         [&](const Controller&, const ControllerCounters& c, const std::string& label) {
           out += fmt::format("controller_runtime_active_workers{{{}}} {}\n", label, c.active_workers.load());
         });
  family("controller_runtime_max_concurrent_reconciles", "gauge",
         "Maximum number of concurrent reconciles per controller.",
         [&](const Controller& ctl, const ControllerCounters&, const std::string& label) {
           out += fmt::format("controller_runtime_max_concurrent_reconciles{{{}}} {}\n", label, ctl.workers());
         });
  family("workqueue_depth", "gauge", "Current depth of workqueue.",
         [&](const Controller& ctl, const ControllerCounters&, const std::string&) {
           out += fmt::format("workqueue_depth{{name=\"{}\"}} {}\n", ctl.name(), ctl.queue_stats().depth);
         });
  family("workqueue_adds_total", "counter", "Total number of adds handled by workqueue.",
         [&](const Controller& ctl, const ControllerCounters&, const std::string&) {
           out += fmt::format("workqueue_adds_total{{name=\"{}\"}} {}\n", ctl.name(), ctl.queue_stats().adds);
         });
  family("workqueue_retries_total", "counter", "Total number of retries handled by workqueue.",
         [&](const Controller& ctl, const ControllerCounters&, const std::string&) {
           out += fmt::format("workqueue_retries_total{{name=\"{}\"}} {}\n", ctl.name(), ctl.queue_stats().retries);
         });
  family("kthena_workqueue_oldest_wait_seconds", "gauge",
         "How long the oldest key ready for a worker has waited (seconds).",
         [&](const Controller& ctl, const ControllerCounters&, const std::string&) {
           out += fmt::format("kthena_workqueue_oldest_wait_seconds{{name=\"{}\"}} {}\n", ctl.name(),
                              ctl.queue_stats().longest_wait_seconds);
         });
  return out;
}

}  // namespace kthena::kube
