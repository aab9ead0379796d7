// The router's metrics without a lock on the request path: each recording thread owns a MetricShard and writes its
// own cells (relaxed atomics, no contended read-modify-write); a scrape sums the shards. prometheus-cpp supplies the
// exposition format (its Histogram takes a mutex per Observe, which is why cells are ours).
#pragma once

#include <atomic>
#include <functional>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>

#include "router/metrics/metric_defs.h"

namespace kthena::router {

class MetricShard {
 public:
  MetricShard() = default;
  MetricShard(const MetricShard&) = delete;
  MetricShard& operator=(const MetricShard&) = delete;

  // Owning thread only. Counters: `value` is added; gauges: `value` is a delta. Labels in the order of the def.
  void add(Metric m, std::initializer_list<std::string_view> labels, double value = 1);
  // Owning thread only. Histograms.
  void observe(Metric m, std::initializer_list<std::string_view> labels, double value);

 private:
  friend class MetricsRegistry;
  struct Cell {
    std::vector<std::string> labels;
    std::atomic<double> value{0};                      // counter or gauge
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;  // histogram: per bucket (not cumulative)
    std::atomic<double> sum{0};
    std::atomic<uint64_t> count{0};
    Cell* same_hash = nullptr;  // owner only: the next cell whose labels hash alike
  };
  Cell& cell(Metric m, std::initializer_list<std::string_view> labels);
  Cell& lookup(Metric m, const MetricDef& def, std::initializer_list<std::string_view> labels);

  // Owner's lookup: cells by a hash of their labels, checked against the labels themselves; no key is built.
  std::unordered_map<uint64_t, Cell*> local_[kMetricCount];
  // The cells each metric used last: steady traffic records the same few label sets request after request (the
  // scheduler's plugin durations take turns among its plugins), and comparing labels costs less than hashing them.
  static constexpr size_t kRecentCells = 4;
  struct RecentCells {
    Cell* cells[kRecentCells] = {};
    size_t next = 0;
  };
  RecentCells recent_[kMetricCount];
  mutable std::mutex mutex_;  // guards cells_: appended by the owner on a new series, read by scrapes
  std::vector<std::unique_ptr<Cell>> cells_[kMetricCount];
};

class MetricsRegistry : public prometheus::Collectable {
 public:
  MetricsRegistry() = default;

  // A shard for one recording thread. The reference stays valid for the registry's life. Thread-safe.
  MetricShard& new_shard();
  using Labels = std::vector<std::pair<std::string, std::string>>;
  // A gauge whose value is read at scrape time. Call before serving scrapes. Callbacks of one name are the series
  // of one family, told apart by `labels`.
  void add_callback_gauge(std::string name, std::string help, std::function<double()> value, Labels labels = {});
  // A counter whose value `value` reads (it must never decrease); the name ends in `_total`.
  void add_callback_counter(std::string name, std::string help, std::function<double()> value, Labels labels = {});

  // prometheus::Collectable: sums every shard. Any thread.
  std::vector<prometheus::MetricFamily> Collect() const override;
  // The Prometheus text exposition of Collect().
  std::string serialize() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<MetricShard>> shards_;
  struct Callback {
    std::string name, help;
    bool counter;
    std::function<double()> value;
    Labels labels;
  };
  std::vector<Callback> callbacks_;
};

}  // namespace kthena::router
