// Left-right concurrency control (Ramalhete & Correia, 2015): two copies of a structure. Readers use the active
// copy wait-free (two atomic increments, no lock, no retry); the single writer changes the other copy, makes it
// active, waits until no reader is still inside the old one, and applies the same change to it. Memory doubles;
// readers never block and never see a half-applied change.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <thread>
#include <utility>

#include "common/assert.h"

namespace kthena {

template <class T>
class LeftRight {
 public:
  static constexpr uint32_t kMaxReaders = 64;

  template <class... Args>
  explicit LeftRight(const Args&... args) : copies_{T(args...), T(args...)} {}

  // Runs f(const T&) on the active copy. `slot` identifies the calling thread: no two threads may use one slot
  // at the same time. Thread-safe.
  template <class F>
  decltype(auto) read(uint32_t slot, F&& f) const {
    KTHENA_ASSERT(slot < kMaxReaders, "reader slot out of range");
    auto& counter = slots_[slot].value;
    counter.fetch_add(1, std::memory_order_seq_cst);  // odd: inside
    struct Leave {
      std::atomic<uint64_t>& c;
      ~Leave() { c.fetch_add(1, std::memory_order_release); }
    } leave{counter};
    return f(copies_[active_.load(std::memory_order_seq_cst)]);
  }

  // Applies `op(T&)` to both copies, one after the other; `op` must make the same change each time. Called from
  // one writer thread only.
  template <class Op>
  void write(Op&& op) {
    int current = active_.load(std::memory_order_relaxed);
    int other = 1 - current;
    op(copies_[other]);
    active_.store(other, std::memory_order_seq_cst);
    for (const Slot& slot : slots_) {
      uint64_t seen = slot.value.load(std::memory_order_seq_cst);
      if ((seen & 1) == 0) continue;
      while (slot.value.load(std::memory_order_acquire) == seen) std::this_thread::yield();
    }
    op(copies_[current]);
  }

  // The copy readers are not using; only for the writer, between write() calls, to inspect its own state.
  const T& writer_view() const { return copies_[active_.load(std::memory_order_relaxed)]; }

 private:
  struct alignas(64) Slot {
    std::atomic<uint64_t> value{0};
  };
  std::array<T, 2> copies_;
  std::atomic<int> active_{0};
  mutable std::array<Slot, kMaxReaders> slots_;
};

}  // namespace kthena
