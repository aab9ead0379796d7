// Internal to src/http. One accepted connection: reads requests, runs the handler for each, writes responses, keeps
// the connection alive between them. Lives on one reactor; owned by its serving coroutine. Its methods are spread
// over four files, one per concern: server_connection.cpp (the request loop, heads, deadlines, errors),
// server_request_body.cpp, server_response.cpp and server_disconnect_watch.cpp.
//
// Views handed to the handler (the head's fields, a whole body) point into read_buffer_ or body_storage_ and stay
// valid until the handler returns: the head is pinned in the read buffer, which then never reallocates
// (read_buffer.h), and a body that does not fit behind the head goes to body_storage_, which is not touched again
// until the next request.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/intrusive/list.hpp>

#include "http/exchange.h"
#include "http/parser.h"
#include "http/reactor.h"
#include "http/read_buffer.h"
#include "http/transport.h"

namespace kthena::http {

struct ServerState;
struct ServerShard;
struct ServerListTag;
using ServerListHook = boost::intrusive::list_base_hook<boost::intrusive::tag<ServerListTag>,
                                                        boost::intrusive::link_mode<boost::intrusive::auto_unlink>>;

class ServerConnection : public Deadline, public Deferred, public ServerListHook {
 public:
  ServerConnection(std::shared_ptr<ServerState> state, ServerShard& shard, Transport transport,
                   std::string remote_address);
  ~ServerConnection() override;

  // The coroutine root of a connection; owns it.
  static asio::awaitable<void> run(std::unique_ptr<ServerConnection> self);

  // Deadline
  void on_deadline() override;
  // Deferred: the disconnect watch's start.
  void on_due() override { watch_read(); }

  // Shutdown, on the reactor thread: close now if idle, else after the current response.
  void drain();
  // Closes the socket and cancels whatever the handler awaits (a timer, an upstream request).
  void force_close() {
    transport_.close();
    cancel_->emit(asio::cancellation_type::terminal);
  }
  // Bound to the serving coroutine's completion, which keeps it alive until the coroutine is done with it.
  std::shared_ptr<asio::cancellation_signal> cancel_signal() const { return cancel_; }

 private:
  friend class Exchange;
  enum class ResponseState { kNone, kStreaming, kDone };
  enum class BodyState { kPending, kStreaming, kDone, kFailed };
  // How a response's body is delimited: Content-Length, chunked, or the end of the connection (an HTTP/1.0 stream).
  enum class Framing { kLength, kChunked, kClose };
  // What the current deadline bounds, so that an overrun is counted under the right reason.
  enum class Timeout { kIdle, kHeader, kBody, kIo };

  asio::awaitable<void> serve();
  asio::awaitable<void> linger();
  asio::awaitable<bool> read_head(size_t& head_size);
  // Makes room for more of a head by growing the read buffer (nothing is pinned while a head is read), charging the
  // growth to the server's budget. False when the head may not grow: 431 at the head limit, 503 over the budget.
  bool grow_for_head(int& refusal);
  void begin_request(size_t head_size);
  void end_request();
  void arm(Timeout kind, CoarseClock::time_point at) {
    timeout_ = kind;
    set_deadline(at);
  }
  // Charges `n` bytes to the server's budget for this connection; false (nothing charged) when it is spent.
  bool charge(size_t n);
  void uncharge(size_t n);

  asio::awaitable<Result<std::string_view>> read_body();
  std::optional<std::string_view> buffered_body();
  void take_length_body(size_t n);
  asio::awaitable<Result<std::optional<std::string_view>>> read_body_chunk();
  asio::awaitable<Result<void>> send_continue_if_expected();
  asio::awaitable<Result<size_t>> read_more(size_t want);
  // Arms the deadline of a body read: no progress within io_timeout, and the whole body within body_timeout.
  void arm_body_read();
  // body_storage_ with room for `size` bytes, charged to the budget; false when the budget is spent.
  bool reserve_body_storage(size_t size);
  void release_body_storage();
  Result<void> body_failed(int status, std::string message);
  void settle_body();

  void write_head(int status, std::span<const Header> headers, Framing framing, uint64_t length);
  asio::awaitable<Result<void>> respond(int status, std::span<const Header> headers, std::string_view body);
  asio::awaitable<Result<void>> begin_stream(int status, std::span<const Header> headers);
  asio::awaitable<Result<void>> write_chunk(std::string_view a, std::string_view b, std::string_view c);
  asio::awaitable<Result<void>> end_stream();
  asio::awaitable<void> send_error(int status, std::string_view message);
  Result<void> write_failed(const error_code& ec);

  asio::awaitable<bool> until_disconnect(asio::awaitable<void> work);
  void watch_read();
  void on_watch_read(const error_code& ec, size_t n);

  void io_deadline();

  std::shared_ptr<ServerState> state_;
  ServerShard& shard_;
  Reactor& reactor_;
  Transport transport_;
  std::string remote_address_;
  Exchange exchange_{*this};
  std::shared_ptr<asio::cancellation_signal> cancel_ = std::make_shared<asio::cancellation_signal>();

  ReadBuffer buffer_;
  size_t buffer_limit_;
  size_t charged_ = 0;  // bytes of this connection charged to the server's budget
  Timeout timeout_ = Timeout::kIdle;
  CoarseClock::time_point body_deadline_ = CoarseClock::time_point::max();
  RequestHead head_;
  size_t requests_ = 0;
  bool idle_ = true;
  bool draining_ = false;
  bool keep_alive_ = true;
  bool closing_ = false;

  BodyState body_state_ = BodyState::kDone;
  uint64_t body_remaining_ = 0;
  ChunkedDecoder chunked_;
  std::string_view body_view_;
  std::string body_storage_;
  size_t body_charged_ = 0;  // the part of charged_ that body_storage_ holds
  bool continue_sent_ = false;
  int body_error_status_ = 0;
  std::string body_error_;

  // Disconnect watch (until_disconnect): one read with a plain completion handler while the work runs on the serving
  // coroutine itself; a client that leaves makes it emit cancel_, which cancels what the work awaits. The read starts
  // a reactor tick after the work (Deferred), so that short requests never start it.
  bool work_running_ = false;
  bool watch_reading_ = false;
  bool client_left_ = false;
  asio::cancellation_signal watch_cancel_;
  // optional: Boost 1.81 any_completion_handler move-assignment recurses without end.
  std::optional<asio::any_completion_handler<void()>> watch_waiter_;

  ResponseState response_state_ = ResponseState::kNone;
  int response_status_ = 0;  // of the response started, for the handler's own logs and metrics
  Framing response_framing_ = Framing::kLength;
  std::string out_;
};

}  // namespace kthena::http
