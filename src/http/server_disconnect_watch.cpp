// The disconnect watch (Exchange::until_disconnect): work that stops when the client goes away.
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/this_coro.hpp>

#include "http/server_connection.h"

namespace kthena::http {

// The work runs on this coroutine (no spawn, no parallel group): a read with a plain handler watches the socket, and
// a client that leaves emits cancel_, which reaches whatever the work awaits through the serving coroutine's
// cancellation state. That state is then reset, so that the connection's own code can still await. The read is
// deferred by a reactor tick (10-20 ms): a client that leaves is noticed that much later, and a request that ends
// sooner saves the read's system call (it could only fail with EAGAIN) and its cancellation.
asio::awaitable<bool> ServerConnection::until_disconnect(asio::awaitable<void> work) {
  if (body_state_ != BodyState::kDone) {
    co_await std::move(work);
    co_return true;
  }
  client_left_ = false;
  work_running_ = true;
  reactor_.defer(*this);
  std::exception_ptr failure;
  try {
    co_await std::move(work);
  } catch (...) {
    // After a cancellation the work's next co_await throws operation_aborted; that is the expected way out.
    failure = std::current_exception();
  }
  work_running_ = false;
  withdraw();
  if (client_left_) co_await asio::this_coro::reset_cancellation_state();
  if (watch_reading_) {
    // The read must be over before the connection reads again (next request, linger): cancel it and wait for it.
    watch_cancel_.emit(asio::cancellation_type::terminal);
    co_await asio::async_initiate<decltype(asio::use_awaitable), void()>(
        [this](auto handler) { watch_waiter_.emplace(std::move(handler)); }, asio::use_awaitable);
  }
  if (failure && !client_left_) std::rethrow_exception(failure);
  co_return !client_left_;
}

void ServerConnection::watch_read() {
  // The room behind the pinned bytes only: the buffer never grows while the handler holds views into it.
  asio::mutable_buffer space = buffer_.prepare(1);
  if (space.size() == 0) return;  // pipelined requests filled the buffer: nothing more to learn until the work ends
  watch_reading_ = true;
  transport_.read_some(space, asio::bind_cancellation_slot(watch_cancel_.slot(),
                                                           [this](error_code ec, size_t n) { on_watch_read(ec, n); }));
}

void ServerConnection::on_watch_read(const error_code& ec, size_t n) {
  watch_reading_ = false;
  if (!ec) {
    buffer_.commit(n);  // a pipelined request
    if (work_running_) {
      watch_read();
      return;
    }
  } else if (work_running_) {
    client_left_ = true;
    cancel_->emit(asio::cancellation_type::terminal);
  }
  if (watch_waiter_) {
    // Resumes until_disconnect(), which may end the request and the connection: nothing here touches `this` after.
    asio::any_completion_handler<void()> waiter(std::move(*watch_waiter_));
    watch_waiter_.reset();
    std::move(waiter)();
  }
}

}  // namespace kthena::http
