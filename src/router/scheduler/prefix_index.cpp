#include "router/scheduler/prefix_index.h"

#include <algorithm>

#include "common/assert.h"
#include "common/log.h"

namespace kthena::router {

// 2 ms: under wrk load on a one-thread router sharing its core with the writer, 500 µs woke the writer ~890 times/s
// and, by preempting the worker, doubled the worker's own context switches; 2 ms halves both and the writer's CPU, at
// the same throughput (bench/router_proxy_bench.sh layout, perf stat --per-thread; docs/router.md). A learning lag of
// 2 ms under load is immaterial to prefix affinity.
const std::chrono::microseconds PrefixIndex::kDefaultBatchInterval{2000};

PrefixIndex::PrefixIndex(size_t capacity_per_pod, EvictionCallback on_evict, std::chrono::microseconds batch_interval)
    : capacity_(capacity_per_pod == 0 ? 1 : capacity_per_pod),
      on_evict_(std::move(on_evict)),
      batch_interval_(batch_interval),
      writer_([this](std::stop_token stop) { run(stop); }) {}

PrefixIndex::~PrefixIndex() {
  writer_.request_stop();
  wake_requested_.store(false);
  wake();
  writer_.join();
}

// Signals the writer unless a signal is already on its way: one futex wake per batch, not per push.
void PrefixIndex::wake() {
  if (wake_requested_.exchange(true, std::memory_order_acq_rel)) return;
  pending_.fetch_add(1, std::memory_order_release);
  pending_.notify_one();
}

void PrefixIndex::record(uint32_t pod, std::string model, std::span<const uint64_t> hashes, uint32_t reader_slot) {
  if (hashes.empty()) return;
  Op op;
  op.kind = Op::Kind::kRecord;
  op.pod = pod;
  op.model = std::move(model);
  op.hashes.assign(hashes.begin(), hashes.end());
  if (reader_slot != kUntracked) {
    KTHENA_ASSERT(reader_slot < recent_.size(), "reader slot out of range");
    op.slot = reader_slot;
    op.seq = remember(reader_slot, pod, hashes);
  }
  queue_.push(std::move(op));
  wake();
}

uint64_t PrefixIndex::remember(uint32_t slot, uint32_t pod, std::span<const uint64_t> hashes) {
  if (recent_owned_[slot] == nullptr) {
    recent_owned_[slot] = std::make_unique<RecentRing>();
    recent_[slot].store(recent_owned_[slot].get(), std::memory_order_release);
    uint32_t bound = slot_bound_.load(std::memory_order_relaxed);
    while (bound <= slot && !slot_bound_.compare_exchange_weak(bound, slot + 1, std::memory_order_acq_rel)) {
    }
  }
  RecentRing& ring = *recent_owned_[slot];
  uint64_t seq = ++ring.recorded;
  Recent& r = ring.records[seq % ring.records.size()];
  uint64_t version = r.version.load(std::memory_order_relaxed);
  r.version.store(version + 1, std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_release);
  size_t count = std::min(hashes.size(), kRecentHashes);
  r.seq.store(seq, std::memory_order_relaxed);
  r.pod.store(pod, std::memory_order_relaxed);
  r.count.store(static_cast<uint32_t>(count), std::memory_order_relaxed);
  for (size_t i = 0; i < count; ++i) r.hashes[i].store(hashes[i], std::memory_order_relaxed);
  r.version.store(version + 2, std::memory_order_release);
  return seq;
}

void PrefixIndex::remove_pod(uint32_t pod) {
  Op op;
  op.kind = Op::Kind::kRemovePod;
  op.pod = pod;
  queue_.push(std::move(op));
  wake();
}

void PrefixIndex::flush() {
  Op op;
  op.kind = Op::Kind::kFlush;
  op.flush_ticket = next_ticket_.fetch_add(1) + 1;
  uint64_t ticket = op.flush_ticket;
  queue_.push(std::move(op));
  wake_requested_.store(false);  // a flush must not wait for the batch interval
  wake();
  for (uint64_t seen = flushed_.load(std::memory_order_acquire); seen < ticket;
       seen = flushed_.load(std::memory_order_acquire)) {
    flushed_.wait(seen, std::memory_order_acquire);
  }
}

// Applies one queued operation to the writer's bookkeeping and lists the map changes it implies, so that both
// copies of the map get exactly the same changes.
void PrefixIndex::apply(Op& op, std::vector<Change>& changes) {
  if (op.kind == Op::Kind::kRemovePod) {
    auto it = lrus_.find(op.pod);
    if (it == lrus_.end()) return;
    for (const auto& entry : it->second.order) changes.push_back({false, entry.first, op.pod});
    entries_.fetch_sub(static_cast<int64_t>(it->second.order.size()), std::memory_order_relaxed);
    lrus_.erase(it);
    return;
  }
  PodLru& lru = lrus_[op.pod];
  // Last to first, as upstream adds them; the first block ends up most recent.
  for (size_t i = op.hashes.size(); i-- > 0;) {
    uint64_t h = op.hashes[i];
    auto found = lru.where.find(h);
    if (found != lru.where.end()) {
      lru.order.splice(lru.order.begin(), lru.order, found->second);
      continue;
    }
    lru.order.emplace_front(h, op.model);
    lru.where.emplace(h, lru.order.begin());
    changes.push_back({true, h, op.pod});
    entries_.fetch_add(1, std::memory_order_relaxed);
    if (lru.order.size() > capacity_) {
      auto& victim = lru.order.back();
      changes.push_back({false, victim.first, op.pod});
      if (on_evict_) on_evict_(victim.second);
      lru.where.erase(victim.first);
      lru.order.pop_back();
      entries_.fetch_sub(1, std::memory_order_relaxed);
    }
  }
}

void PrefixIndex::run(std::stop_token stop) {
  // The thread's root: an exception in one batch (an allocation failure, a throwing eviction callback) is logged
  // and the writer carries on; its pending changes and flush tickets are kept for the next batch, so flush()
  // still returns.
  for (;;) {
    try {
      write_batches(stop);
      return;
    } catch (const std::exception& e) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("prefix cache: the index writer failed: {}; continuing", e.what());
    } catch (...) {
      failures_.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("prefix cache: the index writer failed; continuing");
    }
  }
}

void PrefixIndex::write_batches(const std::stop_token& stop) {
  uint32_t seen = pending_.load(std::memory_order_acquire);
  while (true) {
    // From here on pushes signal again; anything pushed before is drained below.
    wake_requested_.store(false, std::memory_order_seq_cst);
    bool work = false;
    while (auto op = queue_.pop()) {
      work = true;
      if (op->kind == Op::Kind::kFlush) {
        tickets_.push_back(op->flush_ticket);
      } else {
        apply(*op, changes_);
        if (op->slot != kUntracked) acks_.emplace_back(op->slot, op->seq);
      }
    }
    if (!changes_.empty()) {
      map_.write([this](Map& map) {
        for (const Change& c : changes_) {
          if (c.add) {
            auto& pods = map[c.hash];
            if (std::find(pods.begin(), pods.end(), c.pod) == pods.end()) pods.push_back(c.pod);
            continue;
          }
          auto it = map.find(c.hash);
          if (it == map.end()) continue;
          auto& pods = it->second;
          pods.erase(std::remove(pods.begin(), pods.end(), c.pod), pods.end());
          if (pods.empty()) map.erase(it);
        }
      });
      changes_.clear();
    }
    // After the map: a slot that sees its record applied finds it in the map. Each slot's records arrive in order.
    for (auto [slot, seq] : acks_) applied_[slot].value.store(seq, std::memory_order_release);
    acks_.clear();
    if (!tickets_.empty()) {
      flushed_.store(*std::max_element(tickets_.begin(), tickets_.end()), std::memory_order_release);
      flushed_.notify_all();
      tickets_.clear();
    }
    if (stop.stop_requested() && !work) return;
    if (work && batch_interval_.count() > 0) {
      // Under load, collect for one interval instead of waking per push.
      std::this_thread::sleep_for(batch_interval_);
      continue;
    }
    // Idle: sleep until a producer bumps `pending_`. A push racing with the drain above has bumped it already.
    if (pending_.load(std::memory_order_acquire) == seen) pending_.wait(seen, std::memory_order_acquire);
    seen = pending_.load(std::memory_order_acquire);
  }
}

}  // namespace kthena::router
