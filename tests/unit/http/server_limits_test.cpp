// The server against clients that split, trickle, oversize or duplicate what they send: views into the request stay
// valid whatever the body does to the buffer, the buffer budget and the body deadline hold, and every refusal is
// counted. The split tests run in the sanitizer build too (make test-asan), where a dangling view is an error.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "http/server.h"
#include "unit/http/test_support.h"

namespace kthena::http {
namespace {

using namespace std::chrono_literals;
using testing::RawClient;

// /inspect takes views of the head first, as a proxy does, then reads the body, then answers with both, so that a
// view the body's arrival invalidated shows up as garbage (or an ASan report). /stream streams two events.
asio::awaitable<void> inspect(Exchange& ex) {
  std::string_view method = ex.method();
  std::string_view path = ex.path();
  std::string_view custom = ex.header("x-custom");
  if (path == "/stream") {
    Header headers[] = {{"Content-Type", "text/event-stream"}};
    co_await ex.begin_stream(200, headers);
    co_await ex.write("data: 1\n\n");
    co_await ex.write("data: 2\n\n");
    co_await ex.end_stream();
    co_return;
  }
  auto body = co_await ex.read_body();
  if (!body) co_return;
  uint64_t sum = 0;
  for (unsigned char c : *body) sum = sum * 31 + c;
  std::string answer = std::string(method) + " " + std::string(path) + " " + std::string(custom) + " " +
                       std::to_string(body->size()) + " " + std::to_string(sum);
  co_await ex.respond(200, "text/plain", answer);
}

std::string expected(std::string_view method, std::string_view path, std::string_view custom, const std::string& body) {
  uint64_t sum = 0;
  for (unsigned char c : body) sum = sum * 31 + c;
  return std::string(method) + " " + std::string(path) + " " + std::string(custom) + " " + std::to_string(body.size()) +
         " " + std::to_string(sum);
}

std::string pattern(size_t n, size_t seed) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  return s;
}

std::string chunked(const std::string& body, size_t chunk) {
  std::string out;
  char size[32];
  for (size_t at = 0; at < body.size(); at += chunk) {
    size_t n = std::min(chunk, body.size() - at);
    std::snprintf(size, sizeof(size), "%zx\r\n", n);
    out += size;
    out += body.substr(at, n);
    out += "\r\n";
  }
  return out + "0\r\n\r\n";
}

// Sends `bytes` in `pieces` roughly equal parts, `gap` apart.
void send_split(RawClient& c, const std::string& bytes, size_t pieces, std::chrono::milliseconds gap) {
  size_t step = std::max<size_t>(1, bytes.size() / pieces);
  for (size_t at = 0; at < bytes.size(); at += step) {
    c.send(std::string_view(bytes).substr(at, step));
    if (at + step < bytes.size()) std::this_thread::sleep_for(gap);
  }
}

class ServerLimitsTest : public ::testing::Test {
 protected:
  void start(ServerOptions options = {}) {
    pool_.start();
    auto server = Server::start(pool_, std::move(options), inspect);
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
  }
  void TearDown() override {
    if (server_) server_->shutdown(1s);
    server_.reset();
    pool_.stop();
  }
  uint16_t port() const { return server_->port(); }
  // Waits up to 3 s for `done`.
  template <class F>
  bool eventually(F done) {
    for (int i = 0; i < 300; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return done();
  }

  ReactorPool pool_{2, 50ms};
  std::unique_ptr<Server> server_;
};

// The reproduction: a 40 KiB chat body in three pieces 100 ms apart, three times on one connection. The head
// is read into a 4 KiB buffer; the body cannot fit behind it.
TEST_F(ServerLimitsTest, HeadViewsSurviveABodyThatOutgrowsTheBuffer) {
  start();
  RawClient c(port());
  for (int i = 0; i < 3; ++i) {
    std::string body = pattern(40 * 1024, static_cast<size_t>(i));
    std::string head = "POST /v1/chat/completions HTTP/1.1\r\nHost: t\r\nX-Custom: kept-" + std::to_string(i) +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    send_split(c, head + body, 3, 100ms);
    std::string r = c.read_response();
    EXPECT_TRUE(r.ends_with(expected("POST", "/v1/chat/completions", "kept-" + std::to_string(i), body))) << i << r;
  }
}

// Bodies of sizes on both sides of every buffer boundary (the 4 KiB first buffer, the 16 KiB read chunk, the 64 KiB
// window, twice that), with Content-Length and chunked, each split into pieces that arrive apart, one after the
// other on one connection, so that each request starts from what the last one left in the buffer.
TEST_F(ServerLimitsTest, SplitBodiesAcrossBufferBoundaries) {
  ServerOptions options;
  options.max_body_size = 4 * 1024 * 1024;
  start(options);
  RawClient c(port(), 10000ms);
  const size_t sizes[] = {0,     1,     3000,  4000,  4096,   4097,   8192,   16383,  16384,
                          16385, 65535, 65536, 65537, 131071, 131072, 131073, 200000, 1 << 20};
  size_t n = 0;
  for (size_t size : sizes) {
    for (bool use_chunked : {false, true}) {
      std::string body = pattern(size, n);
      std::string custom = "v" + std::to_string(n++);
      std::string head = "PUT /split/" + std::to_string(size) + " HTTP/1.1\r\nHost: t\r\nX-Custom: " + custom + "\r\n";
      head += use_chunked ? "Transfer-Encoding: chunked\r\n\r\n"
                          : "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
      std::string wire = head + (use_chunked ? chunked(body, 5000) : body);
      send_split(c, wire, 4, 5ms);
      std::string r = c.read_response();
      EXPECT_TRUE(r.ends_with(expected("PUT", "/split/" + std::to_string(size), custom, body)))
          << size << (use_chunked ? " chunked" : "") << ": " << r.substr(0, 200);
    }
  }
  EXPECT_EQ(server_->stats().malformed, 0u);
}

// 20 clients each trying to hold 50 MB against a budget of 128 MiB: two get their bodies buffered, the rest are
// refused at once with 503, and a small request is served meanwhile. The budget is whole again once they leave.
TEST_F(ServerLimitsTest, BufferBudgetRefusesBeyondItsLimitAndKeepsServingOthers) {
  ServerOptions options;
  options.max_body_size = 64 * 1024 * 1024;
  options.max_buffered_bytes = 128 * 1024 * 1024;
  start(options);
  std::vector<std::unique_ptr<RawClient>> hogs;
  for (int i = 0; i < 20; ++i) {
    hogs.push_back(std::make_unique<RawClient>(port(), 5000ms));
    hogs.back()->send("POST /hog HTTP/1.1\r\nHost: t\r\nContent-Length: 50000000\r\n\r\n" + std::string(1000, 'x'));
  }
  ASSERT_TRUE(eventually([&] { return server_->stats().over_buffer_budget == 18; }))
      << server_->stats().over_buffer_budget;
  // The two admitted ones wait for the rest of their body and answer nothing yet: a short read timeout tells them
  // apart from the refused ones, which get 503 and a close.
  size_t refused = 0;
  for (auto& hog : hogs) {
    hog->set_timeout(200ms);
    std::string r = hog->read_response();
    if (r.starts_with("HTTP/1.1 503")) {
      ++refused;
      EXPECT_NE(r.find("Retry-After: 1\r\n"), std::string::npos) << r;
    }
  }
  EXPECT_EQ(refused, 18u);
  EXPECT_LE(server_->buffered_bytes(), options.max_buffered_bytes);
  RawClient small(port());
  small.send("POST /small HTTP/1.1\r\nHost: t\r\nX-Custom: s\r\nContent-Length: 5\r\n\r\nhello");
  EXPECT_TRUE(small.read_response().ends_with(expected("POST", "/small", "s", "hello")));
  hogs.clear();
  EXPECT_TRUE(eventually([&] { return server_->buffered_bytes() == 0; })) << server_->buffered_bytes();
}

// A body trickled a byte at a time makes progress, so only the body deadline ends it.
TEST_F(ServerLimitsTest, ATrickledBodyIsCutOffAtTheBodyTimeout) {
  ServerOptions options;
  options.body_timeout = 300ms;
  start(options);
  RawClient c(port(), 5000ms);
  c.send("POST /trickle HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n");
  auto t0 = Clock::now();
  bool closed = false;
  for (int i = 0; i < 60 && !closed; ++i) {
    c.send("x");
    std::this_thread::sleep_for(50ms);
    closed = !server_->connections();
  }
  EXPECT_TRUE(closed);
  EXPECT_LT(Clock::now() - t0, 2s);
  EXPECT_EQ(server_->stats().body_timeouts, 1u);
}

TEST_F(ServerLimitsTest, HostHeaderRules) {
  start();
  {
    RawClient c(port());
    c.send("GET /x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    std::string r = c.read_until_close();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 400 Bad Request\r\n")) << r;
    EXPECT_NE(r.find("more than one Host header field"), std::string::npos) << r;
  }
  {
    RawClient c(port());
    c.send("GET /x HTTP/1.1\r\n\r\n");
    std::string r = c.read_until_close();
    EXPECT_TRUE(r.starts_with("HTTP/1.1 400 Bad Request\r\n")) << r;
    EXPECT_NE(r.find("without a Host header field"), std::string::npos) << r;
  }
  {
    RawClient c(port());
    c.send("POST /x HTTP/1.0\r\nContent-Length: 2\r\n\r\nok");
    EXPECT_TRUE(c.read_until_close().starts_with("HTTP/1.1 200 OK\r\n"));
  }
  EXPECT_EQ(server_->stats().malformed, 2u);
}

// An HTTP/1.0 client gets a stream delimited by the end of the connection: a Content-Length in its head (the bug
// was "Content-Length: 0") would make it read an empty body and drop the events.
TEST_F(ServerLimitsTest, Http10StreamHeadHasNoContentLength) {
  start();
  RawClient c(port());
  c.send("GET /stream HTTP/1.0\r\n\r\n");
  std::string r = c.read_until_close();
  size_t head_end = r.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos) << r;
  std::string head = r.substr(0, head_end);
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_EQ(head.find("Transfer-Encoding"), std::string::npos) << head;
  EXPECT_NE(head.find("Connection: close"), std::string::npos) << head;
  EXPECT_EQ(r.substr(head_end + 4), "data: 1\n\ndata: 2\n\n");
}

TEST_F(ServerLimitsTest, StatsCountTheServersOwnRefusals) {
  ServerOptions options;
  options.max_header_size = 1024;
  options.max_body_size = 100;
  options.max_connections = 3;
  start(options);
  auto refused_with = [&](const std::string& request) {
    RawClient c(port());
    c.send(request);
    return c.read_until_close().substr(0, 12);
  };
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(2000, 'a') + "\r\n\r\n"), "HTTP/1.1 431");
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n"), "HTTP/1.1 413");
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nHost: t\r\nBad Header\r\n\r\n"), "HTTP/1.1 400");
  ServerStats stats = server_->stats();
  EXPECT_EQ(stats.head_too_large, 1u);
  EXPECT_EQ(stats.body_too_large, 1u);
  EXPECT_EQ(stats.malformed, 1u);
  // A refused connection lingers until the client's close reaches the server: wait, or it takes one of the 3 slots.
  ASSERT_TRUE(eventually([&] { return server_->connections() == 0; }));
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) held.push_back(std::make_unique<RawClient>(port()));
  ASSERT_TRUE(eventually([&] { return server_->connections() == 3; }));
  RawClient over(port(), 1000ms);
  over.send("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
  EXPECT_EQ(over.read_until_close(), "");
  EXPECT_EQ(server_->stats().connections_refused, 1u);
}

}  // namespace
}  // namespace kthena::http
