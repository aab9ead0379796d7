// Internal to src/http. A connection's read buffer. Bytes before `pinned` (the head of the message being handled, and
// a body handed out as one view) never move except when the buffer must grow, which the owner learns from the base
// pointer changing; bytes after it are compacted towards it to make room.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include "http/asio.h"

namespace kthena::http {

class ReadBuffer {
 public:
  explicit ReadBuffer(size_t initial = 4096) : capacity_(initial), storage_(std::make_unique<char[]>(initial)) {}

  const char* base() const { return storage_.get(); }
  // The unconsumed bytes.
  std::string_view data() const { return {storage_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  size_t capacity() const { return capacity_; }
  size_t begin_offset() const { return begin_; }

  void consume(size_t n) {
    begin_ += n;
    if (begin_ == end_ && pinned_ == 0) begin_ = end_ = 0;
  }
  // Keeps [0, offset) in place until unpin().
  void pin(size_t offset) { pinned_ = offset; }
  void unpin() {
    pinned_ = 0;
    if (begin_ == end_) begin_ = end_ = 0;
  }
  size_t pinned() const { return pinned_; }

  // Room for at least `want` more bytes (fewer if `limit` caps the capacity; possibly none). May move the unpinned
  // bytes, and reallocates (moving everything) only when compaction is not enough.
  asio::mutable_buffer prepare(size_t want, size_t limit) {
    if (capacity_ - end_ < want && begin_ > pinned_) {
      std::memmove(storage_.get() + pinned_, storage_.get() + begin_, end_ - begin_);
      end_ -= begin_ - pinned_;
      begin_ = pinned_;
    }
    if (capacity_ - end_ < want && capacity_ < limit) {
      size_t grown = capacity_ * 2;
      while (grown - end_ < want) grown *= 2;
      if (grown > limit) grown = limit;
      auto bigger = std::make_unique<char[]>(grown);
      std::memcpy(bigger.get(), storage_.get(), end_);
      storage_ = std::move(bigger);
      capacity_ = grown;
    }
    return asio::mutable_buffer(storage_.get() + end_, capacity_ - end_);
  }
  void commit(size_t n) { end_ += n; }

 private:
  size_t capacity_;
  std::unique_ptr<char[]> storage_;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t pinned_ = 0;
};

}  // namespace kthena::http
