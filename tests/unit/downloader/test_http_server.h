// A plain-HTTP server on 127.0.0.1 (port 0) for the downloader's network tests, since no real hub is reachable from
// the test machines: one thread, one request per connection, answered by a handler. It records what it was asked.
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace kthena::downloader::testing {

namespace beast = boost::beast;
namespace http = beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

inline Response make_response(unsigned status, std::string body, std::string content_type = "application/json") {
  Response r{static_cast<http::status>(status), 11};
  r.set(http::field::content_type, content_type);
  r.body() = std::move(body);
  r.prepare_payload();
  return r;
}

class TestHttpServer {
 public:
  using Handler = std::function<Response(const Request&)>;

  explicit TestHttpServer(Handler handler)
      : handler_(std::move(handler)),
        acceptor_(io_, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)) {
    thread_ = std::jthread([this](std::stop_token stop) { serve(stop); });
  }

  ~TestHttpServer() {
    thread_.request_stop();
    // Wakes the blocking accept() so that the thread sees the stop.
    boost::system::error_code ec;
    boost::asio::ip::tcp::socket poke(io_);
    poke.connect(acceptor_.local_endpoint(), ec);
    thread_.join();
  }

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port()); }

  // Every request so far (target and headers), in arrival order.
  std::vector<Request> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve(std::stop_token stop) {
    while (!stop.stop_requested()) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(io_);
      acceptor_.accept(socket, ec);
      if (ec || stop.stop_requested()) continue;
      beast::flat_buffer buffer;
      Request request;
      http::read(socket, buffer, request, ec);
      if (ec) continue;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(request);
      }
      Response response = handler_(request);
      response.keep_alive(false);
      http::write(socket, response, ec);
      socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
    }
  }

  Handler handler_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  mutable std::mutex mutex_;
  std::vector<Request> requests_;
  std::jthread thread_;
};

// A port on which nothing listens: bound, then closed.
inline unsigned short closed_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  return a.local_endpoint().port();
}

}  // namespace kthena::downloader::testing
