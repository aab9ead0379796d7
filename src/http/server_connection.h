// Internal to src/http. One accepted connection: reads requests, runs the handler for each, writes responses, keeps
// the connection alive between them. Lives on one reactor; owned by its serving coroutine.
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

  asio::awaitable<void> serve();
  asio::awaitable<void> linger();
  asio::awaitable<bool> read_head(size_t& head_size);
  void begin_request(size_t head_size);
  void end_request();

  asio::awaitable<Result<std::string_view>> read_body();
  std::optional<std::string_view> buffered_body();
  void take_length_body(size_t n);
  asio::awaitable<Result<std::optional<std::string_view>>> read_body_chunk();
  asio::awaitable<Result<void>> send_continue_if_expected();
  asio::awaitable<Result<size_t>> read_more(size_t want);
  Result<void> body_failed(int status, std::string message);
  void settle_body();

  void write_head(int status, std::span<const Header> headers, bool chunked, uint64_t length);
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
  bool response_chunked_ = false;
  std::string out_;
};

}  // namespace kthena::http
