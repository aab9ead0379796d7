#include "http/server.h"

#include <atomic>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "unit/http/test_support.h"

namespace kthena::http {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;

// Answers by path: /echo returns the body, /stream streams three chunks, /slow waits until the client goes away,
// /sleep waits 300 ms, /silent does not respond, /chunks echoes the body piece by piece, /guarded answers after 100 ms
// under until_disconnect(), /guarded-throw throws there.
asio::awaitable<void> handle(Exchange& ex, std::atomic<int>* disconnects) {
  std::string_view path = ex.path();
  if (path == "/echo") {
    auto body = co_await ex.read_body();
    if (!body) co_return;
    co_await ex.respond(200, "text/plain", *body);
  } else if (path == "/chunks") {
    std::string pieces;
    for (;;) {
      auto piece = co_await ex.read_body_chunk();
      if (!piece) co_return;
      if (!*piece) break;
      pieces += "[" + std::string(**piece) + "]";
    }
    co_await ex.respond(200, "text/plain", pieces);
  } else if (path == "/stream") {
    Header headers[] = {{"Content-Type", "text/event-stream"}};
    co_await ex.begin_stream(200, headers);
    co_await ex.write("data: 1\n\n");
    co_await ex.write("data: ", "2", "\n\n");
    co_await ex.write("data: [DONE]\n\n");
    co_await ex.end_stream();
  } else if (path == "/slow") {
    bool finished = co_await ex.until_disconnect([&]() -> asio::awaitable<void> {
      asio::steady_timer t(ex.executor(), 30s);
      co_await t.async_wait(asio::use_awaitable);
    }());
    if (!finished) {
      // The cancellation that ended the work must not outlive it: the handler can still await.
      asio::steady_timer t(ex.executor(), 10ms);
      co_await t.async_wait(asio::use_awaitable);
      ++*disconnects;
    }
  } else if (path == "/guarded") {
    bool finished = co_await ex.until_disconnect([&]() -> asio::awaitable<void> {
      asio::steady_timer t(ex.executor(), 100ms);
      co_await t.async_wait(asio::use_awaitable);
      co_await ex.respond(200, "text/plain", "guarded");
    }());
    if (!finished) ++*disconnects;
  } else if (path == "/guarded-throw") {
    co_await ex.until_disconnect([&]() -> asio::awaitable<void> {
      asio::steady_timer t(ex.executor(), 10ms);
      co_await t.async_wait(asio::use_awaitable);
      throw std::runtime_error("work failed");
    }());
    ++*disconnects;  // not reached: the work's exception is the handler's
  } else if (path == "/head-after-body") {
    auto body = co_await ex.read_body();
    if (!body) co_return;
    co_await ex.respond(200, "text/plain", std::string(ex.header("x-custom")) + "|" + std::string(*body));
  } else if (path == "/buffered") {
    // The body without suspending when it came with the head, else read.
    std::string answer;
    if (std::optional<std::string_view> whole = ex.buffered_body()) {
      answer = "whole:" + std::string(*whole);
    } else {
      auto body = co_await ex.read_body();
      if (!body) co_return;
      answer = "later:" + std::string(*body);
    }
    co_await ex.respond(200, "text/plain", answer + "|" + std::string(ex.header("x-custom")));
  } else if (path == "/sleep") {
    asio::steady_timer t(ex.executor(), 300ms);
    co_await t.async_wait(asio::as_tuple(asio::use_awaitable));
    co_await ex.respond(200, "text/plain", "slept");
  } else if (path == "/silent") {
    co_return;
  } else {
    co_await ex.respond(404, "text/plain", "not found");
  }
}

class ServerTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    pool_.start();
    auto server = Server::start(pool_, std::move(options), [this](Exchange& ex) { return handle(ex, &disconnects_); });
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->shutdown(1s);
    server_.reset();
    pool_.stop();
  }
  uint16_t port() const { return server_->port(); }
  // Starts /slow (30 s of work under the disconnect watch), leaves after `stay`, and waits up to 2 s for the
  // handler to count the disconnect.
  void leave_during_slow_work(std::chrono::milliseconds stay) {
    {
      RawClient c(port());
      c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
      std::this_thread::sleep_for(stay);
      c.close();
    }
    for (int i = 0; i < 100 && disconnects_ == 0; ++i) std::this_thread::sleep_for(20ms);
  }

  ReactorPool pool_{2, 50ms};
  std::unique_ptr<Server> server_;
  std::atomic<int> disconnects_{0};
};

TEST_F(ServerTest, ReportsTheBoundPortAndAnswers) {
  start();
  ASSERT_NE(port(), 0);
  RawClient c(port());
  c.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 404 Not Found\r\n")) << r;
  EXPECT_NE(r.find("Content-Length: 9\r\n"), std::string::npos);
  EXPECT_NE(r.find("Date: "), std::string::npos);
  EXPECT_TRUE(r.ends_with("\r\n\r\nnot found"));
}

TEST_F(ServerTest, KeepAliveAndPipelining) {
  start();
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(c.read_response().ends_with("hello"));
  c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: "
      "3\r\n\r\nxyz");
  EXPECT_TRUE(c.read_response().ends_with("abc"));
  EXPECT_TRUE(c.read_response().ends_with("xyz"));
  EXPECT_EQ(server_->connections(), 1u);
}

TEST_F(ServerTest, ChunkedRequestBodyWholeAndStreamed) {
  start();
  RawClient c(port());
  c.send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext=1\r\n "
      "world\r\n0\r\n\r\n");
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nhello world"));
  c.send(
      "POST /chunks HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n1\r\nc\r\n0\r\nX-Trailer: "
      "1\r\n\r\n");
  EXPECT_TRUE(c.read_response().ends_with("[ab][c]"));
}

TEST_F(ServerTest, StreamsChunkedResponses) {
  start();
  RawClient c(port());
  c.send("GET /stream HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string r = c.read_response();
  EXPECT_NE(r.find("Transfer-Encoding: chunked\r\n"), std::string::npos) << r;
  EXPECT_TRUE(r.ends_with("\r\n\r\n9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\ne\r\ndata: [DONE]\n\n\r\n0\r\n\r\n")) << r;
}

TEST_F(ServerTest, Http10StreamIsCloseDelimited) {
  start();
  RawClient c(port());
  c.send("GET /stream HTTP/1.0\r\n\r\n");
  std::string r = c.read_until_close();
  EXPECT_NE(r.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(r.ends_with("data: 1\n\ndata: 2\n\ndata: [DONE]\n\n")) << r;
}

struct BadRequestCase {
  std::string request;
  std::string status_line;
};

TEST_F(ServerTest, RejectsMalformedRequestsWithClearErrors) {
  start();
  const BadRequestCase cases[] = {
      {"GET /\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/2.0\r\n\r\n", "HTTP/1.1 505 HTTP Version Not Supported"},
      {"GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
       "HTTP/1.1 400 Bad Request"},
      {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 400 Bad Request"},
      {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", "HTTP/1.1 501 Not Implemented"},
      {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 400 Bad Request"},
      {"GET / HTTP/1.1\r\nHost: t\r\nX: a\x01b\r\n\r\n", "HTTP/1.1 400 Bad Request"},
  };
  for (const auto& tc : cases) {
    RawClient c(port());
    c.send(tc.request);
    std::string r = c.read_until_close();
    EXPECT_TRUE(r.starts_with(tc.status_line + "\r\n")) << tc.request << " -> " << r;
    EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
  }
}

TEST_F(ServerTest, LimitsAnswer431And413) {
  ServerOptions options;
  options.max_header_size = 1024;
  options.max_body_size = 100;
  start(options);
  {
    RawClient c(port());
    c.send("GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
    std::string r = c.read_until_close();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 431 Request Header Fields Too Large\r\n")) << r;
  }
  {
    RawClient c(port());
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n");
    std::string r = c.read_until_close();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << r;
    EXPECT_NE(r.find("exceeds the limit of 100"), std::string::npos) << r;
  }
  {
    RawClient c(port());
    std::string chunk(60, 'x');
    c.send("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3c\r\n" + chunk + "\r\n3c\r\n" + chunk +
           "\r\n0\r\n\r\n");
    std::string r = c.read_until_close();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 413 Payload Too Large\r\n")) << r;
  }
}

// The head's views stay valid while a body that arrives after it is read: one that fits behind the head in the first
// 4 KiB buffer, and one that does not (before the ownership rule, that one grew the buffer under the head).
TEST_F(ServerTest, HeadSurvivesABodyArrivingLater) {
  start();
  RawClient c(port());
  for (size_t size : {200, 10000, 70000}) {
    std::string body(size, 'b');
    for (int i = 0; i < 2; ++i) {
      c.send("POST /head-after-body HTTP/1.1\r\nHost: t\r\nX-Custom: kept\r\nContent-Length: " + std::to_string(size) +
             "\r\n\r\n");
      std::this_thread::sleep_for(20ms);
      c.send(body);
      EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nkept|" + body)) << size << " " << i;
    }
  }
}

TEST_F(ServerTest, ABodyThatCameWithItsHeadIsTakenWithoutReading) {
  start();
  RawClient c(port());
  // Two pipelined requests in one write: the first's body is whole in the buffer, the second follows it.
  c.send(
      "POST /buffered HTTP/1.1\r\nHost: t\r\nX-Custom: one\r\nContent-Length: 5\r\n\r\nfirstPOST /buffered "
      "HTTP/1.1\r\nHost: t\r\n"
      "X-Custom: two\r\nContent-Length: 6\r\n\r\nsecond");
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nwhole:first|one"));
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nwhole:second|two"));
  // A body that arrives after its head is read; one the client waits to send (100-continue) too.
  c.send("POST /buffered HTTP/1.1\r\nHost: t\r\nX-Custom: three\r\nContent-Length: 5\r\n\r\n");
  std::this_thread::sleep_for(20ms);
  c.send("third");
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nlater:third|three"));
  c.send("POST /buffered HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
  EXPECT_EQ(c.read_response(), "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("four");
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nlater:four|"));
  // No body at all: an empty one, at once.
  c.send("GET /buffered HTTP/1.1\r\nHost: t\r\nX-Custom: five\r\n\r\n");
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nwhole:|five"));
}

TEST_F(ServerTest, ExpectContinue) {
  start();
  RawClient c(port());
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
  std::string interim = c.read_response();
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  c.send("ok");
  EXPECT_TRUE(c.read_response().ends_with("ok"));
}

TEST_F(ServerTest, HandlerThatDoesNotRespondGets500) {
  start();
  RawClient c(port());
  c.send("GET /silent HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string r = c.read_until_close();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 500 Internal Server Error\r\n")) << r;
}

TEST_F(ServerTest, Http10ClosesUnlessKeepAlive) {
  start();
  RawClient a(port());
  a.send("GET /x HTTP/1.0\r\n\r\n");
  std::string r = a.read_until_close();
  EXPECT_NE(r.find("Connection: close"), std::string::npos);
  RawClient b(port());
  b.send("GET /x HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  r = b.read_response();
  EXPECT_NE(r.find("Connection: keep-alive"), std::string::npos) << r;
}

TEST_F(ServerTest, SlowlorisIsCutOffWithoutStallingOthers) {
  ServerOptions options;
  options.header_timeout = 300ms;
  start(options);
  RawClient slow(port(), 5000ms);
  slow.send("GET / HTTP/1.1\r\nHost: t\r\nX-A: ");
  auto t0 = Clock::now();
  RawClient fast(port());
  fast.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(fast.read_response().starts_with("HTTP/1.1 404"));
  slow.send("b");
  EXPECT_TRUE(slow.closed_by_peer());
  auto elapsed = Clock::now() - t0;
  EXPECT_LT(elapsed, 2s);
  EXPECT_GE(elapsed, 250ms);
}

TEST_F(ServerTest, IdleKeepAliveConnectionsAreClosed) {
  ServerOptions options;
  options.idle_timeout = 200ms;
  start(options);
  RawClient c(port());
  c.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  c.read_response();
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(ServerTest, DetectsClientDisconnect) {
  start();
  leave_during_slow_work(100ms);
  EXPECT_EQ(disconnects_.load(), 1);
}

// The watch starts a reactor tick after the work: a client gone before that is found when it starts.
TEST_F(ServerTest, DetectsAClientThatLeavesBeforeTheWatchStarts) {
  start();
  leave_during_slow_work(0ms);
  EXPECT_EQ(disconnects_.load(), 1);
}

TEST_F(ServerTest, WorkUnderDisconnectWatchKeepsTheConnectionAndPipelinedRequests) {
  start();
  RawClient c(port());
  // The second request arrives while the first one's work runs: the watch reads it, and it is served next.
  c.send("GET /guarded HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(30ms);
  c.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nguarded"));
  EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nhello"));
  for (int i = 0; i < 3; ++i) {
    c.send("GET /guarded HTTP/1.1\r\nHost: t\r\n\r\n");
    EXPECT_TRUE(c.read_response().ends_with("\r\n\r\nguarded")) << i;
  }
  EXPECT_EQ(disconnects_.load(), 0);
  EXPECT_EQ(server_->connections(), 1u);
}

TEST_F(ServerTest, WorkThatThrowsUnderDisconnectWatchIsTheHandlersFailure) {
  start();
  RawClient c(port());
  c.send("GET /guarded-throw HTTP/1.1\r\nHost: t\r\n\r\n");
  std::string r = c.read_until_close();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 500 Internal Server Error\r\n")) << r;
  EXPECT_NE(r.find("the handler failed"), std::string::npos) << r;
  EXPECT_EQ(disconnects_.load(), 0);
}

TEST_F(ServerTest, OwnerShapesTheServersOwnErrorBodies) {
  ServerOptions options;
  options.max_header_size = 1024;
  options.max_body_size = 100;
  options.error_body = [](int status, std::string_view message) {
    return ErrorBody{"application/json",
                     "{\"status\":" + std::to_string(status) + ",\"message\":\"" + std::string(message) + "\"}"};
  };
  start(options);
  struct Case {
    std::string request;
    std::string status_line;
    std::string body;
  } cases[] = {
      {"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n",
       "HTTP/1.1 431 Request Header Fields Too Large",
       R"({"status":431,"message":"the request head is 2036 bytes, more than the limit of 1024"})"},
      {"POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n", "HTTP/1.1 413 Payload Too Large",
       R"({"status":413,"message":"the request body of 101 bytes exceeds the limit of 100"})"},
      {"POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 400 Bad Request",
       R"({"status":400,"message":"malformed chunked body: )"},
      {"GET /silent HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 500 Internal Server Error",
       R"({"status":500,"message":"the handler did not respond"})"},
  };
  for (const Case& tc : cases) {
    RawClient c(port());
    c.send(tc.request);
    std::string r = c.read_until_close();
    EXPECT_TRUE(r.starts_with(tc.status_line + "\r\n")) << r;
    EXPECT_NE(r.find("Content-Type: application/json\r\n"), std::string::npos) << r;
    size_t body = r.find("\r\n\r\n");
    ASSERT_NE(body, std::string::npos) << r;
    EXPECT_TRUE(r.substr(body + 4).starts_with(tc.body)) << r;
  }
}

TEST_F(ServerTest, GracefulShutdownFinishesInFlightRequests) {
  start();
  RawClient idle(port());
  idle.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  idle.read_response();
  RawClient busy(port());
  busy.send("GET /sleep HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  auto t0 = Clock::now();
  server_->shutdown(2s);
  EXPECT_LT(Clock::now() - t0, 1500ms);
  std::string r = busy.read_until_close();
  EXPECT_TRUE(r.starts_with("HTTP/1.1 200 OK")) << r;
  EXPECT_NE(r.find("Connection: close"), std::string::npos);
  EXPECT_TRUE(r.ends_with("slept"));
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_EQ(server_->connections(), 0u);
  RawClient late(port(), 500ms);
  late.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(late.read_until_close(), "");
}

TEST_F(ServerTest, ShutdownDeadlineClosesStuckRequests) {
  start();
  RawClient c(port());
  c.send("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
  std::this_thread::sleep_for(50ms);
  auto t0 = Clock::now();
  server_->shutdown(200ms);
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(ServerTest, ConnectionCaps) {
  ServerOptions options;
  options.max_connections_per_client = 1;
  start(options);
  RawClient a(port());
  a.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_TRUE(a.read_response().starts_with("HTTP/1.1 404"));
  RawClient b(port(), 1000ms);
  b.send("GET /x HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(b.read_until_close(), "");
}

TEST_F(ServerTest, PortInUseIsAnError) {
  start();
  ServerOptions options;
  options.port = port();
  options.accept = ServerOptions::Accept::kOneReactor;
  auto second = Server::start(pool_, options, [](Exchange&) -> asio::awaitable<void> { co_return; });
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().to_string().find(std::to_string(port())), std::string::npos);
}

}  // namespace
}  // namespace kthena::http
