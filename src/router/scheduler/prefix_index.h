// The prefix-cache plugin's memory of which pod has seen which prompt blocks (kthena-router.md §4.4): block hash ->
// pods, and per pod an LRU of at most `capacity` hashes. Request threads read it without locks (left-right copy);
// what they learn after a success is queued to one writer thread, so the request path never waits for the index.
// The writer applies what is queued in batches: at once after a quiet spell, then at most every `batch_interval`
// under load, so a busy router pays a thread wake-up per batch rather than per request. Until a record is applied,
// every thread can still see it: each reader slot keeps its latest records in a small ring that other threads read
// without locks (visit_unapplied()), so what one request learnt counts for the next one at once, on any thread, as
// upstream's synchronous store behaves.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "common/left_right.h"
#include "common/mpsc_queue.h"

namespace kthena::router {

class PrefixIndex {
 public:
  // Called on the writer thread for each capacity eviction, with the model of the evicted block.
  using EvictionCallback = std::function<void(const std::string& model)>;

  // How long the writer collects under load before applying a batch (prefix_index.cpp says why this long).
  static const std::chrono::microseconds kDefaultBatchInterval;

  PrefixIndex(size_t capacity_per_pod, EvictionCallback on_evict = {},
              std::chrono::microseconds batch_interval = kDefaultBatchInterval);
  ~PrefixIndex();
  PrefixIndex(const PrefixIndex&) = delete;
  PrefixIndex& operator=(const PrefixIndex&) = delete;

  // Calls f(pods) with the pods that hold `hashes[i]`, for i from the last hash to the first, until f returns
  // false. `pods` is a span of pod ids valid only during the call. Any thread; `reader_slot` as in LeftRight.
  template <class F>
  void visit_from_last(uint32_t reader_slot, std::span<const uint64_t> hashes, F&& f) const {
    map_.read(reader_slot, [&](const Map& map) {
      for (size_t i = hashes.size(); i-- > 0;) {
        auto it = map.find(hashes[i]);
        if (it == map.end()) continue;
        if (!f(i, std::span<const uint32_t>(it->second))) break;
      }
      return 0;
    });
  }

  static constexpr uint32_t kUntracked = UINT32_MAX;
  // Records each reader slot keeps visible until the writer applies them, and the leading hashes kept of each
  // (upstream's default maxBlocksToMatch; a longer record counts as matching at most this many blocks meanwhile).
  static constexpr size_t kRecentRecords = 8;
  static constexpr size_t kRecentHashes = 128;

  // Remembers that `pod` now holds `hashes` of `model` (refreshing their recency). Any thread; never blocks. With a
  // `reader_slot` (one thread per slot, as in LeftRight), the record is also visible to visit_unapplied() at once;
  // a slot's records are numbered from 1 in the order its thread makes them.
  void record(uint32_t pod, std::string model, std::span<const uint64_t> hashes, uint32_t reader_slot = kUntracked);
  // True once the record numbered `seq` in `reader_slot` is visible to visit_from_last(). Any thread.
  bool applied(uint32_t reader_slot, uint64_t seq) const {
    return applied_[reader_slot].value.load(std::memory_order_acquire) >= seq;
  }

  // Calls f(pod, common) for each tracked record, of any slot, that the writer has not applied yet (a record being
  // overwritten at that moment is skipped: its slot has a newer one): `common` is how many leading `hashes` it
  // shares, at least 1. Read this before visit_from_last(): a record applied in between is then seen at least once.
  // Any thread.
  template <class F>
  void visit_unapplied(std::span<const uint64_t> hashes, F&& f) const {
    uint32_t slots = slot_bound_.load(std::memory_order_acquire);
    for (uint32_t slot = 0; slot < slots; ++slot) {
      const RecentRing* ring = recent_[slot].load(std::memory_order_acquire);
      if (ring == nullptr) continue;
      uint64_t applied = applied_[slot].value.load(std::memory_order_acquire);
      for (const Recent& r : ring->records) {
        uint64_t version = r.version.load(std::memory_order_acquire);
        if (version == 0 || (version & 1) != 0) continue;
        if (r.seq.load(std::memory_order_relaxed) <= applied) continue;
        uint32_t pod = r.pod.load(std::memory_order_relaxed);
        size_t limit = std::min<size_t>(r.count.load(std::memory_order_relaxed), hashes.size());
        size_t common = 0;
        while (common < limit && r.hashes[common].load(std::memory_order_relaxed) == hashes[common]) ++common;
        std::atomic_thread_fence(std::memory_order_acquire);
        if (r.version.load(std::memory_order_relaxed) != version || common == 0) continue;
        f(pod, common);
      }
    }
  }
  // Forgets everything about `pod` (it was deleted). Not counted as evictions. Any thread; never blocks.
  void remove_pod(uint32_t pod);

  // Blocks until every record() and remove_pod() queued before the call is visible to readers. For tests and
  // orderly shutdown.
  void flush();

  // Σ per-pod LRU sizes (kthena_router_prefix_cache_entries).
  int64_t entries() const { return entries_.load(std::memory_order_relaxed); }
  // Batches the writer abandoned on an exception (it carries on). Any thread.
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }
  size_t capacity_per_pod() const { return capacity_; }

 private:
  using Map = std::unordered_map<uint64_t, std::vector<uint32_t>>;
  struct Op {
    enum class Kind { kRecord, kRemovePod, kFlush } kind = Kind::kRecord;
    uint32_t pod = 0;
    std::string model;
    std::vector<uint64_t> hashes;
    uint64_t flush_ticket = 0;
    uint32_t slot = kUntracked;  // a tracked record: its slot and sequence number there
    uint64_t seq = 0;
  };
  struct alignas(64) SlotCounter {
    std::atomic<uint64_t> value{0};
  };
  // One tracked record, rewritten in place by its slot's thread and read by any (a sequence lock: the version is odd
  // while it is being written). Relaxed atomics throughout, so that a reader racing with a rewrite reads stale words
  // rather than racing on plain memory; the version check then discards what it read.
  struct Recent {
    std::atomic<uint64_t> version{0};
    std::atomic<uint64_t> seq{0};
    std::atomic<uint32_t> pod{0};
    std::atomic<uint32_t> count{0};
    std::array<std::atomic<uint64_t>, kRecentHashes> hashes{};
  };
  struct RecentRing {
    std::array<Recent, kRecentRecords> records;
    uint64_t recorded = 0;  // the slot's thread only: its records so far, the last one's number
  };
  // Numbers a tracked record in its slot and puts it in the slot's ring; returns its number. The slot's thread only.
  uint64_t remember(uint32_t slot, uint32_t pod, std::span<const uint64_t> hashes);
  // Writer-side bookkeeping: the LRU of each pod; front = most recent.
  struct PodLru {
    std::list<std::pair<uint64_t, std::string>> order;
    std::unordered_map<uint64_t, std::list<std::pair<uint64_t, std::string>>::iterator> where;
  };
  struct Change {
    bool add = true;
    uint64_t hash = 0;
    uint32_t pod = 0;
  };

  // The writer thread's root: runs write_batches(), catching what it throws.
  void run(std::stop_token stop);
  void write_batches(const std::stop_token& stop);
  void apply(Op& op, std::vector<Change>& changes);
  void wake();

  size_t capacity_;
  EvictionCallback on_evict_;
  LeftRight<Map> map_;
  MpscQueue<Op> queue_;
  std::unordered_map<uint32_t, PodLru> lrus_;        // writer thread only
  std::vector<Change> changes_;                      // writer thread only: the batch's map changes
  std::vector<uint64_t> tickets_;                    // writer thread only: the batch's flush tickets
  std::vector<std::pair<uint32_t, uint64_t>> acks_;  // writer thread only: the batch's tracked records (slot, seq)
  // Per reader slot: the number of its last record applied (published by the writer).
  std::array<SlotCounter, LeftRight<Map>::kMaxReaders> applied_;
  // Per reader slot, made by the slot's thread on its first tracked record (most slots are never used).
  std::array<std::unique_ptr<RecentRing>, LeftRight<Map>::kMaxReaders> recent_owned_;
  std::array<std::atomic<const RecentRing*>, LeftRight<Map>::kMaxReaders> recent_{};
  std::atomic<uint32_t> slot_bound_{0};  // one past the highest slot with a ring
  std::atomic<int64_t> entries_{0};
  std::atomic<uint64_t> failures_{0};
  std::chrono::microseconds batch_interval_;
  std::atomic<uint32_t> pending_{0};         // bumped when the writer must wake; it waits on this
  std::atomic<bool> wake_requested_{false};  // a wake-up is on its way: later pushes need not signal again
  std::atomic<uint64_t> flushed_{0};
  std::atomic<uint64_t> next_ticket_{0};
  std::jthread writer_;
};

}  // namespace kthena::router
