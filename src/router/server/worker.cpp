#include "router/server/worker.h"

#include <algorithm>
#include <chrono>

#include <boost/asio/steady_timer.hpp>

namespace kthena::router {

struct FlushTimer {
  explicit FlushTimer(http::asio::io_context& context) : timer(context) {}
  boost::asio::steady_timer timer;
};

namespace {

// Scheduling measurements into the worker's metric shard.
class ShardObserver final : public SchedulerObserver {
 public:
  explicit ShardObserver(MetricShard& shard) : m_(shard) {}
  void plugin_duration(std::string_view model, std::string_view plugin, PluginKind kind, double seconds) override {
    m_.observe(Metric::kPluginDuration, {model, plugin, kind == PluginKind::kFilter ? "filter" : "score"}, seconds);
  }
  void prefix_match_ratio(std::string_view model, double ratio) override {
    m_.observe(Metric::kPrefixMatchRatio, {model}, ratio);
  }
  void kvcache_match_ratio(std::string_view model, double ratio) override {
    m_.observe(Metric::kKvMatchRatio, {model}, ratio);
  }
  void kvcache_duration(std::string_view model, KvStage stage, double seconds) override {
    m_.observe(stage == KvStage::kTokenize ? Metric::kKvTokenizeDuration : Metric::kKvRedisDuration, {model}, seconds);
  }
  void kvcache_error(std::string_view model, KvStage stage) override {
    m_.add(Metric::kKvErrors, {model, stage == KvStage::kTokenize ? "tokenize" : "redis"});
  }

 private:
  MetricShard& m_;
};

}  // namespace

Worker::Worker(http::Reactor& reactor, uint32_t index, const SnapshotSlot<RouterSnapshot>& slot, MetricShard& metrics,
               std::shared_ptr<AccessLogSink> access_log, std::unique_ptr<http::Client> client, size_t max_json_depth)
    : reactor_(reactor),
      index_(index),
      metrics_(metrics),
      access_log_(std::move(access_log)),
      client_(std::move(client)),
      parser_(max_json_depth),
      rng_(random_seed()),
      snapshots_(slot),
      flush_timer_(std::make_unique<FlushTimer>(reactor.context())),
      observer_(std::make_unique<ShardObserver>(metrics)) {}

Worker::~Worker() {
  flush_log();
}

void Worker::log(const AccessLogEntry& entry) {
  if (access_log_ == nullptr) return;
  if (access_log_->json()) {
    append_json(entry, log_buffer_);
  } else {
    append_text(entry, log_buffer_);
  }
  if (log_buffer_.size() >= 4096) {
    flush_log();
    return;
  }
  arm_flush();
}

void Worker::flush_log() {
  if (access_log_ == nullptr || log_buffer_.empty()) return;
  access_log_->write(log_buffer_);
  log_buffer_.clear();
}

void Worker::arm_flush() {
  if (flush_armed_) return;
  flush_armed_ = true;
  flush_timer_->timer.expires_after(std::chrono::milliseconds(50));
  flush_timer_->timer.async_wait([this](const boost::system::error_code& ec) {
    flush_armed_ = false;
    if (!ec) flush_log();
  });
}

std::chrono::system_clock::time_point Worker::wall_time(std::chrono::steady_clock::time_point t) {
  using namespace std::chrono;
  if (t - wall_synced_at_ > seconds(1)) {
    wall_synced_at_ = std::chrono::steady_clock::now();
    wall_offset_ = system_clock::now().time_since_epoch() - wall_synced_at_.time_since_epoch();
  }
  return system_clock::time_point(duration_cast<system_clock::duration>(t.time_since_epoch() + wall_offset_));
}

void uuid_v4(Rng& rng, std::span<char, 36> out) {
  uint64_t hi = rng.next(), lo = rng.next();
  hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 10
  // On the request path: hex digits by hand (fmt's format-string parsing cost more than the rest of the request id).
  static constexpr char kHex[] = "0123456789abcdef";
  std::fill(out.begin(), out.end(), '-');
  size_t pos = 0;
  auto put = [&](uint64_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out[pos++] = kHex[(v >> (4 * i)) & 0xF];
  };
  put(hi >> 32, 8);
  ++pos;
  put(hi >> 16, 4);
  ++pos;
  put(hi, 4);
  ++pos;
  put(lo >> 48, 4);
  ++pos;
  put(lo, 12);
}

}  // namespace kthena::router
