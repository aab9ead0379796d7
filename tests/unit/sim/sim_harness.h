// Starts engines in-process (the same Fleet as `kthena engine-sim`) and talks to them over loopback HTTP with the
// project's client, for tests of the simulator's observable behaviour.
#pragma once

#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "http/client.h"
#include "sim/fleet.h"

namespace kthena::sim::testing {

using namespace std::chrono_literals;
namespace asio = boost::asio;

class SimHarness {
 public:
  explicit SimHarness(std::vector<std::string> argv) {
    // Port 0 first, so that a test's own --port wins; engines must never collide with tests running in parallel.
    argv.insert(argv.begin(), {"--port", "0"});
    argv.insert(argv.end(), {"--host", "127.0.0.1", "--threads", "1"});
    auto args = parse_engine_args(argv);
    EXPECT_TRUE(args) << args.error().to_string();
    auto fleet = Fleet::start(*args, argv);
    if (!fleet) {
      ADD_FAILURE() << fleet.error().to_string();
      std::abort();
    }
    fleet_ = std::move(*fleet);
    pool_.start();
    auto c = http::Client::create(pool_.reactor(0).executor());
    client_ = std::move(*c);
  }
  ~SimHarness() {
    run([this]() -> asio::awaitable<int> {
      client_.reset();
      co_return 0;
    }());
    fleet_->shutdown(1s);
    pool_.stop();
  }

  template <class T>
  T run(asio::awaitable<T> work) {
    return asio::co_spawn(pool_.reactor(0).context(), std::move(work), asio::use_future).get();
  }

  uint16_t port(size_t i = 0) { return fleet_->engines()[i]->port(); }
  Engine& engine(size_t i = 0) { return fleet_->engines()[i]->engine(); }

  // `request_id`, when not empty, is sent as X-Request-Id.
  http::BufferedResponse request(std::string_view method, std::string target, std::string body = {}, size_t i = 0,
                                 std::string request_id = {}) {
    uint16_t p = port(i);
    return run([this, p, method, target, body, request_id]() -> asio::awaitable<http::BufferedResponse> {
      http::Header all[] = {{"Content-Type", "application/json"}, {"X-Request-Id", request_id}};
      std::span<const http::Header> headers(all, request_id.empty() ? 1 : 2);
      http::Endpoint endpoint("127.0.0.1", p);
      auto r =
          co_await client_->fetch(endpoint, {.method = method, .target = target, .headers = headers, .body = body});
      EXPECT_TRUE(r) << r.error().to_string();
      co_return r ? std::move(*r) : http::BufferedResponse{};
    }());
  }
  http::BufferedResponse post(std::string target, std::string body, size_t i = 0) {
    return request("POST", std::move(target), std::move(body), i);
  }

  // Seconds from sending a streaming request to its first SSE event (the engine's first token), and the events.
  std::pair<double, std::vector<std::string>> stream(std::string target, std::string body, size_t i = 0) {
    uint16_t p = port(i);
    return run([this, p, target, body]() -> asio::awaitable<std::pair<double, std::vector<std::string>>> {
      http::Header headers[] = {{"Content-Type", "application/json"}};
      auto t0 = std::chrono::steady_clock::now();
      double first = -1;
      std::vector<std::string> events;
      http::Endpoint endpoint("127.0.0.1", p);
      auto r = co_await client_->send(endpoint, {.method = "POST", .target = target, .headers = headers, .body = body});
      EXPECT_TRUE(r);
      if (!r) co_return std::pair{first, events};
      for (;;) {
        auto line = co_await r->read_line();
        if (!line || !*line) break;
        if ((*line)->starts_with("data: ")) {
          if (first < 0) first = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          events.emplace_back((*line)->substr(6));
        }
      }
      co_return std::pair{first, events};
    }());
  }

  // The value of the first sample of `name` in /metrics, or -1.
  double metric(std::string_view name, size_t i = 0) {
    std::string text = request("GET", "/metrics", {}, i).body;
    size_t at = 0;
    while ((at = text.find(name, at)) != std::string::npos) {
      bool line_start = at == 0 || text[at - 1] == '\n';
      char next = at + name.size() < text.size() ? text[at + name.size()] : 0;
      if (line_start && (next == '{' || next == ' ')) {
        size_t sp = text.find(' ', text.find('}', at) == std::string::npos ? at : text.find('}', at));
        return std::stod(text.substr(sp + 1));
      }
      at += name.size();
    }
    return -1;
  }

 private:
  std::unique_ptr<Fleet> fleet_;
  http::ReactorPool pool_{1, 50ms};
  std::unique_ptr<http::Client> client_;
};

inline std::string long_text(size_t words, int salt = 0) {
  static const char* kWords[] = {"alpha", "bravo", "delta", "echo", "gamma", "hotel", "india", "kilo", "lima", "mike"};
  std::string s;
  for (size_t i = 0; i < words; ++i) {
    if (i) s += ' ';
    s += kWords[(i * 7 + static_cast<size_t>(salt)) % 10];
  }
  return s;
}

}  // namespace kthena::sim::testing
