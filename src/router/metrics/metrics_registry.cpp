#include "router/metrics/metrics_registry.h"

#include <algorithm>
#include <map>
#include <sstream>

#include <prometheus/text_serializer.h>
#include <xxhash.h>

#include "common/assert.h"

namespace kthena::router {

namespace {

bool same_labels(const std::vector<std::string>& have, std::initializer_list<std::string_view> want) {
  auto w = want.begin();
  for (const std::string& h : have) {
    if (h != *w++) return false;
  }
  return true;
}

}  // namespace

MetricShard::Cell& MetricShard::cell(Metric m, std::initializer_list<std::string_view> labels) {
  const MetricDef& def = metric_def(m);
  KTHENA_ASSERT(labels.size() == def.labels.size(), "label count differs from the metric's definition");
  RecentCells& recent = recent_[static_cast<size_t>(m)];
  for (Cell* c : recent.cells) {
    if (c != nullptr && same_labels(c->labels, labels)) return *c;
  }
  Cell& found = lookup(m, def, labels);
  recent.cells[recent.next++ % kRecentCells] = &found;
  return found;
}

MetricShard::Cell& MetricShard::lookup(Metric m, const MetricDef& def, std::initializer_list<std::string_view> labels) {
  // Each label's hash seeds the next one's, so that the split between labels counts ({"ab","c"} != {"a","bc"}).
  uint64_t hash = labels.size();
  for (std::string_view l : labels) hash = XXH3_64bits_withSeed(l.data(), l.size(), hash);
  auto& local = local_[static_cast<size_t>(m)];
  auto it = local.try_emplace(hash, nullptr).first;
  for (Cell* c = it->second; c != nullptr; c = c->same_hash) {
    if (same_labels(c->labels, labels)) return *c;
  }
  auto created = std::make_unique<Cell>();
  created->labels.reserve(labels.size());
  for (std::string_view l : labels) created->labels.emplace_back(l);
  if (def.type == MetricType::kHistogram) {
    created->buckets = std::make_unique<std::atomic<uint64_t>[]>(def.buckets.size() + 1);
  }
  Cell* raw = created.get();
  raw->same_hash = it->second;
  {
    std::lock_guard lock(mutex_);
    cells_[static_cast<size_t>(m)].push_back(std::move(created));
  }
  it->second = raw;
  return *raw;
}

void MetricShard::add(Metric m, std::initializer_list<std::string_view> labels, double value) {
  Cell& c = cell(m, labels);
  // Only this thread writes the cell: a load and a store, no locked instruction.
  c.value.store(c.value.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
}

void MetricShard::observe(Metric m, std::initializer_list<std::string_view> labels, double value) {
  Cell& c = cell(m, labels);
  const MetricDef& def = metric_def(m);
  size_t i = static_cast<size_t>(std::lower_bound(def.buckets.begin(), def.buckets.end(), value) - def.buckets.begin());
  c.buckets[i].store(c.buckets[i].load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  c.sum.store(c.sum.load(std::memory_order_relaxed) + value, std::memory_order_relaxed);
  c.count.store(c.count.load(std::memory_order_relaxed) + 1, std::memory_order_release);
}

MetricShard& MetricsRegistry::new_shard() {
  std::lock_guard lock(mutex_);
  shards_.push_back(std::make_unique<MetricShard>());
  return *shards_.back();
}

void MetricsRegistry::add_callback_gauge(std::string name, std::string help, std::function<double()> value,
                                         Labels labels) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back({std::move(name), std::move(help), false, std::move(value), std::move(labels)});
}

void MetricsRegistry::add_callback_counter(std::string name, std::string help, std::function<double()> value,
                                           Labels labels) {
  std::lock_guard lock(mutex_);
  callbacks_.push_back({std::move(name), std::move(help), true, std::move(value), std::move(labels)});
}

std::vector<prometheus::MetricFamily> MetricsRegistry::Collect() const {
  std::lock_guard lock(mutex_);
  std::vector<prometheus::MetricFamily> out;
  for (size_t f = 0; f < kMetricCount; ++f) {
    const MetricDef& def = metric_def(static_cast<Metric>(f));
    prometheus::MetricFamily family;
    family.name = std::string(def.name);
    family.help = std::string(def.help);
    family.type = def.type == MetricType::kCounter ? prometheus::MetricType::Counter
                  : def.type == MetricType::kGauge ? prometheus::MetricType::Gauge
                                                   : prometheus::MetricType::Histogram;
    struct Sum {
      std::vector<std::string> labels;
      double value = 0, sum = 0;
      uint64_t count = 0;
      std::vector<uint64_t> buckets;
    };
    std::map<std::vector<std::string>, Sum> sums;
    for (const auto& shard : shards_) {
      std::lock_guard shard_lock(shard->mutex_);
      for (const auto& c : shard->cells_[f]) {
        Sum& s = sums[c->labels];
        s.labels = c->labels;
        s.value += c->value.load(std::memory_order_relaxed);
        if (def.type == MetricType::kHistogram) {
          s.count += c->count.load(std::memory_order_acquire);
          s.sum += c->sum.load(std::memory_order_relaxed);
          s.buckets.resize(def.buckets.size() + 1);
          for (size_t b = 0; b <= def.buckets.size(); ++b)
            s.buckets[b] += c->buckets[b].load(std::memory_order_relaxed);
        }
      }
    }
    if (def.labels.empty() && sums.empty()) sums[{}];  // label-less metrics are always present
    for (const auto& [key, s] : sums) {
      prometheus::ClientMetric metric;
      for (size_t i = 0; i < def.labels.size(); ++i) metric.label.push_back({std::string(def.labels[i]), s.labels[i]});
      switch (def.type) {
        case MetricType::kCounter:
          metric.counter.value = s.value;
          break;
        case MetricType::kGauge:
          metric.gauge.value = s.value;
          break;
        case MetricType::kHistogram: {
          uint64_t cumulative = 0;
          for (size_t b = 0; b < def.buckets.size(); ++b) {
            cumulative += s.buckets[b];
            metric.histogram.bucket.push_back({cumulative, def.buckets[b]});
          }
          cumulative += s.buckets[def.buckets.size()];
          metric.histogram.bucket.push_back({cumulative, std::numeric_limits<double>::infinity()});
          metric.histogram.sample_count = cumulative;
          metric.histogram.sample_sum = s.sum;
          break;
        }
      }
      family.metric.push_back(std::move(metric));
    }
    out.push_back(std::move(family));
  }
  // Callbacks of one name are one family, one series each.
  size_t first_callback = out.size();
  for (const Callback& g : callbacks_) {
    prometheus::MetricFamily* family = nullptr;
    for (size_t i = first_callback; i < out.size(); ++i) {
      if (out[i].name == g.name) family = &out[i];
    }
    if (family == nullptr) {
      family = &out.emplace_back();
      family->name = g.name;
      family->help = g.help;
      family->type = g.counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
    }
    prometheus::ClientMetric metric;
    for (const auto& [name, value] : g.labels) metric.label.push_back({name, value});
    (g.counter ? metric.counter.value : metric.gauge.value) = g.value();
    family->metric.push_back(std::move(metric));
  }
  return out;
}

std::string MetricsRegistry::serialize() const {
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, Collect());
  return out.str();
}

}  // namespace kthena::router
