#include "http/exchange.h"

#include "http/server_connection.h"

namespace kthena::http {

const RequestHead& Exchange::request() const {
  return connection_.head_;
}
std::string_view Exchange::remote_address() const {
  return connection_.remote_address_;
}
bool Exchange::is_tls() const {
  return connection_.transport_.is_tls();
}
Reactor& Exchange::reactor() const {
  return connection_.reactor_;
}
asio::any_io_executor Exchange::executor() const {
  return connection_.reactor_.executor();
}

asio::awaitable<Result<std::string_view>> Exchange::read_body() {
  return connection_.read_body();
}

std::optional<std::string_view> Exchange::buffered_body() {
  return connection_.buffered_body();
}

asio::awaitable<Result<std::optional<std::string_view>>> Exchange::read_body_chunk() {
  return connection_.read_body_chunk();
}

asio::awaitable<Result<void>> Exchange::respond(int status, std::span<const Header> headers, std::string_view body) {
  return connection_.respond(status, headers, body);
}

asio::awaitable<Result<void>> Exchange::respond(int status, std::string_view content_type, std::string_view body) {
  Header headers[] = {{"Content-Type", content_type}};
  co_return co_await connection_.respond(status, headers, body);
}

asio::awaitable<Result<void>> Exchange::begin_stream(int status, std::span<const Header> headers) {
  return connection_.begin_stream(status, headers);
}

asio::awaitable<Result<void>> Exchange::write(std::string_view data) {
  return connection_.write_chunk(data, {}, {});
}

asio::awaitable<Result<void>> Exchange::write(std::string_view a, std::string_view b, std::string_view c) {
  return connection_.write_chunk(a, b, c);
}

asio::awaitable<Result<void>> Exchange::end_stream() {
  return connection_.end_stream();
}

bool Exchange::responded() const {
  return connection_.response_state_ != ServerConnection::ResponseState::kNone;
}

int Exchange::response_status() const {
  return connection_.response_status_;
}

void Exchange::close_after_response() {
  connection_.keep_alive_ = false;
}

asio::awaitable<bool> Exchange::until_disconnect(asio::awaitable<void> work) {
  return connection_.until_disconnect(std::move(work));
}

void Exchange::abort() {
  connection_.keep_alive_ = false;
  if (connection_.work_running_) connection_.client_left_ = true;
  connection_.force_close();
}

}  // namespace kthena::http
