// When the client sends a request again on its own, and when it must not: a POST that was written on a pooled
// connection and got no answer may have been taken by a server that then died, so it is not repeated behind the
// caller's back (a generation would run twice); a request safe to repeat is. A pooled connection the server closed
// while it idled is noticed before use. The server here is a raw socket that does exactly what each test scripts.
#include <sys/socket.h>
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "http/client.h"
#include "http/transport.h"
#include "unit/http/test_support.h"

namespace kthena::http {
namespace {

using namespace std::chrono_literals;
using testing::run_on;

// What the scripted server does with the n-th request it reads (over all connections).
enum class Act {
  kAnswer,           // 200 "ok", keep-alive
  kAnswerThenClose,  // 200 "ok", then closes the connection (as a server's idle timeout would, later)
  kDrop,             // reads the request whole, then closes without a byte of answer
};

class ScriptedServer {
 public:
  explicit ScriptedServer(std::vector<Act> script) : script_(std::move(script)) {
    acceptor_.open(tcp::v4());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    // shutdown(2) wakes a thread blocked in accept or read on the socket; close would not.
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
    {
      std::lock_guard lock(mu_);
      if (current_ >= 0) ::shutdown(current_, SHUT_RDWR);
    }
    thread_.join();
  }
  uint16_t port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      error_code ec;
      tcp::socket socket(context_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      {
        std::lock_guard lock(mu_);
        current_ = socket.native_handle();
      }
      connection(std::move(socket));
      std::lock_guard lock(mu_);
      current_ = -1;
    }
  }
  // One connection at a time: the tests send one request at a time.
  void connection(tcp::socket socket) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      size_t head_end;
      while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
        error_code ec;
        size_t n = socket.read_some(asio::buffer(chunk), ec);
        if (ec) return;
        buffer.append(chunk, n);
      }
      size_t length = 0;
      if (size_t cl = buffer.find("Content-Length: "); cl != std::string::npos && cl < head_end) {
        length = std::stoul(buffer.substr(cl + 16));
      }
      while (buffer.size() < head_end + 4 + length) {
        error_code ec;
        size_t n = socket.read_some(asio::buffer(chunk), ec);
        if (ec) return;
        buffer.append(chunk, n);
      }
      std::string request = buffer.substr(0, buffer.find("\r\n"));
      buffer.erase(0, head_end + 4 + length);
      Act act;
      {
        std::lock_guard lock(mu_);
        act = requests_.size() < script_.size() ? script_[requests_.size()] : Act::kAnswer;
        requests_.push_back(request);
      }
      error_code ec;
      if (act == Act::kDrop) return;  // the socket closes: no answer at all
      std::string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
      asio::write(socket, asio::buffer(answer), ec);
      if (act == Act::kAnswerThenClose) return;
    }
  }

  std::vector<Act> script_;
  asio::io_context context_;
  tcp::acceptor acceptor_{context_};
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> requests_;
  int current_ = -1;  // the connection being served, guarded by mu_
};

class ClientReplayTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_.start();
    auto client = Client::create(pool_.reactor(0));
    ASSERT_TRUE(client);
    client_ = std::move(*client);
  }
  void TearDown() override {
    run_on(pool_.reactor(0), [this]() -> asio::awaitable<void> {
      client_.reset();
      co_return;
    }());
    pool_.stop();
  }
  Result<BufferedResponse> fetch(uint16_t port, std::string_view method, std::span<const Header> headers = {}) {
    return run_on(pool_.reactor(0), [&]() -> asio::awaitable<Result<BufferedResponse>> {
      Endpoint target("127.0.0.1", port);
      co_return co_await client_->fetch(
          target, {.method = method, .target = "/v1/completions", .headers = headers, .body = "{}"});
    }());
  }

  ReactorPool pool_{1, 50ms};
  std::unique_ptr<Client> client_;
};

TEST_F(ClientReplayTest, APostThatGotNoAnswerOnAPooledConnectionIsNotSentAgain) {
  ScriptedServer server({Act::kAnswer, Act::kDrop});
  ASSERT_TRUE(fetch(server.port(), "POST"));
  auto second = fetch(server.port(), "POST");
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code, ErrorCode::kIo);
  EXPECT_NE(second.error().message.find("may have been processed"), std::string::npos) << second.error().message;
  std::this_thread::sleep_for(100ms);  // a re-sent request would be read by now
  EXPECT_EQ(server.requests().size(), 2u);
}

TEST_F(ClientReplayTest, AGetThatGotNoAnswerOnAPooledConnectionIsSentAgain) {
  ScriptedServer server({Act::kAnswer, Act::kDrop, Act::kAnswer});
  ASSERT_TRUE(fetch(server.port(), "GET"));
  auto second = fetch(server.port(), "GET");
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(client_->connections_opened(), 2u);
}

TEST_F(ClientReplayTest, AnIdempotencyKeyMakesAPostSafeToRepeat) {
  ScriptedServer server({Act::kAnswer, Act::kDrop, Act::kAnswer});
  Header key[] = {{"Idempotency-Key", "k-1"}};
  ASSERT_TRUE(fetch(server.port(), "POST", key));
  auto second = fetch(server.port(), "POST", key);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(server.requests().size(), 3u);
}

// The server closes each connection after answering, as an engine's idle timeout does a little later. A POST after
// a pause finds the pooled connection closed before using it, and goes on a new one without failing.
TEST_F(ClientReplayTest, AConnectionTheServerClosedWhileIdleIsNotUsed) {
  ScriptedServer server({Act::kAnswerThenClose, Act::kAnswerThenClose});
  ASSERT_TRUE(fetch(server.port(), "POST"));
  std::this_thread::sleep_for(700ms);
  auto second = fetch(server.port(), "POST");
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_EQ(client_->connections_opened(), 2u);
}

// A client on a reactor times out through the reactor's deadline sweep instead of a timer.
TEST_F(ClientReplayTest, AReactorClientTimesOutWithoutATimer) {
  ClientOptions options;
  options.response_timeout = 200ms;
  std::unique_ptr<Client> timed = std::move(*Client::create(pool_.reactor(0), options));
  // A listener that accepts (the kernel does, into its backlog) and never answers.
  asio::io_context context;
  tcp::acceptor silent(context, {asio::ip::make_address("127.0.0.1"), 0});
  uint16_t port = silent.local_endpoint().port();
  auto t0 = std::chrono::steady_clock::now();
  auto r = run_on(pool_.reactor(0), [&]() -> asio::awaitable<Result<BufferedResponse>> {
    Endpoint target("127.0.0.1", port);
    auto out = co_await timed->fetch(target, {.method = "POST", .target = "/", .body = "{}"});
    timed.reset();
    co_return out;
  }());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kTimeout) << r.error().to_string();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
}

}  // namespace
}  // namespace kthena::http
