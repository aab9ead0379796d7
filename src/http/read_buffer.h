// Internal to src/http. A connection's read buffer, and the rule that keeps every view into it valid.
//
// Ownership rule: bytes before `pinned` — the head of the message being handled, and a body handed out whole — never
// move and are never freed until unpin(). prepare() only compacts the bytes after them; growing (which moves
// everything) is a separate call, grow(), allowed only while nothing is pinned, and checked. So a view the parser
// made into a head stays valid for the whole exchange without being rebased, whatever arrives after it; code that
// grows the buffer re-parses what it held (parse results are derived from the bytes each time). A body that does not
// fit the room left behind a pinned head goes to storage of its own (ServerConnection::read_body).
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include "common/assert.h"
#include "http/asio.h"

namespace kthena::http {

class ReadBuffer {
 public:
  static constexpr size_t kInitialCapacity = 4096;

  explicit ReadBuffer(size_t initial = kInitialCapacity)
      : capacity_(initial), storage_(std::make_unique<char[]>(initial)) {}

  const char* base() const { return storage_.get(); }
  // The unconsumed bytes.
  std::string_view data() const { return {storage_.get() + begin_, end_ - begin_}; }
  size_t size() const { return end_ - begin_; }
  bool empty() const { return begin_ == end_; }
  size_t capacity() const { return capacity_; }
  size_t begin_offset() const { return begin_; }
  // Bytes that prepare() could offer without growing: everything after the pinned bytes and the unconsumed ones.
  size_t room() const { return capacity_ - pinned_ - (end_ - begin_); }

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

  // Room for up to `want` more bytes after the unconsumed ones, moving those towards the pinned bytes when that makes
  // room; never reallocates. Possibly less than `want`, possibly none.
  asio::mutable_buffer prepare(size_t want) {
    if (capacity_ - end_ < want && begin_ > pinned_) {
      std::memmove(storage_.get() + pinned_, storage_.get() + begin_, end_ - begin_);
      end_ -= begin_ - pinned_;
      begin_ = pinned_;
    }
    return asio::mutable_buffer(storage_.get() + end_, capacity_ - end_);
  }
  void commit(size_t n) { end_ += n; }

  // Reallocates to `capacity` bytes (at least the unconsumed ones), keeping the unconsumed bytes and dropping
  // consumed ones. Moves everything, so only while nothing is pinned: views into the old bytes would dangle.
  void grow(size_t capacity) {
    KTHENA_ASSERT(pinned_ == 0, "a read buffer grew under views into its pinned bytes");
    KTHENA_ASSERT(capacity >= end_ - begin_, "a read buffer shrank below its unconsumed bytes");
    auto bigger = std::make_unique<char[]>(capacity);
    std::memcpy(bigger.get(), storage_.get() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    storage_ = std::move(bigger);
    capacity_ = capacity;
  }

 private:
  size_t capacity_;
  std::unique_ptr<char[]> storage_;
  size_t begin_ = 0;
  size_t end_ = 0;
  size_t pinned_ = 0;
};

}  // namespace kthena::http
