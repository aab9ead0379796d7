// Internal to src/http. One client connection: transport, read buffer, the response head being read, and what closes
// the socket when an operation overruns: a deadline its reactor sweeps (a store per operation) when the client has a
// reactor, else a timer (shared with its handler by weak_ptr).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "http/endpoint.h"
#include "http/message.h"
#include "http/parser.h"
#include "http/reactor.h"
#include "http/read_buffer.h"
#include "http/transport.h"

namespace kthena::http {

class ClientConnection : public std::enable_shared_from_this<ClientConnection>, public Deadline {
 public:
  ClientConnection(Transport transport, std::string key, size_t buffer_limit, Reactor* reactor)
      : transport_(std::move(transport)),
        timer_(transport_.socket().get_executor()),
        key_(std::move(key)),
        buffer_limit_(buffer_limit),
        reactor_(reactor) {
    if (reactor_ != nullptr) reactor_->watch(*this);
  }

  // Closes the socket after `d` unless disarmed first; 0 arms nothing.
  void arm(std::chrono::milliseconds d);
  void disarm();
  bool timed_out() const { return timed_out_; }
  // Deadline
  void on_deadline() override {
    timed_out_ = true;
    transport_.close();
  }

  Transport transport_;
  asio::steady_timer timer_;
  std::string key_;
  // This connection's endpoint's list in the client's idle pool, once it has one: returning the connection to the
  // pool then hashes no key (the pool's lists are never erased).
  std::vector<std::shared_ptr<ClientConnection>>* idle_list_ = nullptr;
  size_t buffer_limit_;
  // 16 KiB: most response heads and the room a streamed (chunked) body needs behind them fit without growing; the
  // pool keeps few connections.
  ReadBuffer buffer_{16 * 1024};
  ResponseHead head_;
  BodyKind body_ = BodyKind::kNone;
  uint64_t remaining_ = 0;
  ChunkedDecoder chunked_;
  bool body_done_ = true;
  bool reusable_ = false;
  bool timed_out_ = false;
  CoarseClock::time_point last_used_ = CoarseClock::now();
  std::string out_;
  Reactor* reactor_;
  bool timer_armed_ = false;
};

}  // namespace kthena::http
