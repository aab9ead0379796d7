// An unbounded multi-producer single-consumer queue (Vyukov's intrusive design): push is one atomic exchange and
// never blocks; only the consumer thread may pop. Used to hand work from request threads to a writer thread.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <utility>

namespace kthena {

template <class T>
class MpscQueue {
 public:
  MpscQueue() : head_(&stub_), tail_(&stub_) {}
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;
  ~MpscQueue() {
    while (pop()) {
    }
  }

  // Any thread.
  void push(T value) {
    // Owned by the queue from here until pop() takes it back.
    Node* node = std::make_unique<Node>(std::move(value)).release();
    Node* prev = head_.exchange(node, std::memory_order_acq_rel);
    prev->next.store(node, std::memory_order_release);
  }

  // Consumer thread only. Empty when nothing is queued or a push is half-way (its item comes next time).
  std::optional<T> pop() {
    Node* tail = tail_;
    Node* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return std::nullopt;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return take(tail);
    }
    if (tail != head_.load(std::memory_order_acquire)) return std::nullopt;
    stub_.next.store(nullptr, std::memory_order_relaxed);
    Node* prev = head_.exchange(&stub_, std::memory_order_acq_rel);
    prev->next.store(&stub_, std::memory_order_release);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return take(tail);
    }
    return std::nullopt;
  }

 private:
  struct Node {
    Node() = default;
    explicit Node(T v) : value(std::move(v)) {}
    T value{};
    std::atomic<Node*> next{nullptr};
  };
  static std::optional<T> take(Node* node) {
    std::unique_ptr<Node> owned(node);
    return std::optional<T>(std::move(owned->value));
  }

  std::atomic<Node*> head_;
  Node* tail_;
  Node stub_;
};

}  // namespace kthena
