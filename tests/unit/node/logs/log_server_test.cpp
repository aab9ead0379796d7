#include "node/logs/log_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr const char* kToken = "0123456789abcdef0123456789abcdef";

// A blocking HTTP/1.1 client that reads the raw answer (chunk framing included) until it has what a test waits for.
class RawRequest {
 public:
  RawRequest(uint16_t port, const std::string& target, const std::string& token) {
    fd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
    timeval tv{0, 100 * 1000};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string request = "GET " + target + " HTTP/1.1\r\nHost: node\r\n";
    if (!token.empty()) request += "Authorization: Bearer " + token + "\r\n";
    request += "\r\n";
    [[maybe_unused]] auto n = ::write(fd_.get(), request.data(), request.size());
  }
  // Reads until `done(answer)` or the end of the connection or 5 s; returns whether `done` held.
  bool read_until(const std::function<bool(const std::string&)>& done) {
    char buffer[4096];
    for (auto until = Clock::now() + 5s; Clock::now() < until;) {
      if (done(answer_)) return true;
      ssize_t n = ::recv(fd_.get(), buffer, sizeof buffer, 0);
      if (n == 0) return done(answer_);
      if (n > 0) answer_.append(buffer, static_cast<size_t>(n));
    }
    return done(answer_);
  }
  // The whole answer of a request that ends (Content-Length, or the last chunk).
  std::string complete() {
    read_until([](const std::string& a) {
      size_t head = a.find("\r\n\r\n");
      if (head == std::string::npos) return false;
      size_t length = a.find("Content-Length: ");
      if (length != std::string::npos && length < head) return a.size() >= head + 4 + std::stoul(a.substr(length + 16));
      return a.ends_with("\r\n0\r\n\r\n");
    });
    return answer_;
  }
  void close() { fd_.reset(); }

 private:
  UniqueFd fd_;
  std::string answer_;
};

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class LogServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kthena-logsrv-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto collector = LogCollector::start({});
    ASSERT_TRUE(collector);
    collector_ = std::move(*collector);
    // One pod, default/web, with containers "main" (running) and "waiting" (no log yet).
    LogLocator locate = [this](const std::string& ns, const std::string& pod,
                               const std::string& container) -> Result<LogLocation> {
      if (ns != "default" || pod != "web")
        return fail(ErrorCode::kNotFound, "pod \"" + ns + "/" + pod + "\" is not on node n");
      if (container != "main" && container != "waiting")
        return fail(ErrorCode::kNotFound, "container \"" + container + "\" not found in pod \"default/web\"");
      return LogLocation{dir_ / (container + ".log"), container == "waiting" ? "ErrImagePull" : ""};
    };
    auto server =
        LogServer::start({.listen = "127.0.0.1:0", .token = kToken, .follow_poll = 10ms}, locate, *collector_);
    ASSERT_TRUE(server) << server.error().to_string();
    server_ = std::move(*server);
    auto output = collector_->open(dir_ / "main.log", ::geteuid(), ::getegid());
    ASSERT_TRUE(output);
    output_ = std::move(*output);
    say("one\ntwo\nthree\n");
    ASSERT_TRUE(wait_for_log("three"));
  }
  void TearDown() override {
    server_.reset();
    collector_.reset();
    fs::remove_all(dir_);
  }
  void say(const std::string& text) {
    ASSERT_EQ(::write(output_.stdout_fd.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
  }
  // The collector writes on its own thread: until `text` is in the log.
  bool wait_for_log(const std::string& text) {
    for (auto until = Clock::now() + 5s; Clock::now() < until; std::this_thread::sleep_for(5ms)) {
      RawRequest r(server_->port(), "/containerLogs/default/web/main", kToken);
      if (contains(r.complete(), text)) return true;
    }
    return false;
  }
  std::string get(const std::string& target, const std::string& token = kToken) {
    RawRequest r(server_->port(), target, token);
    return r.complete();
  }

  fs::path dir_;
  std::unique_ptr<LogCollector> collector_;
  std::unique_ptr<LogServer> server_;
  ContainerOutput output_;
};

TEST_F(LogServerTest, TheAgentsTokenIsRequired) {
  EXPECT_TRUE(get("/containerLogs/default/web/main", "").starts_with("HTTP/1.1 401 "));
  EXPECT_TRUE(get("/containerLogs/default/web/main", std::string(32, 'x')).starts_with("HTTP/1.1 401 "));
  std::string ok = get("/containerLogs/default/web/main");
  EXPECT_TRUE(ok.starts_with("HTTP/1.1 200 ")) << ok;
  EXPECT_TRUE(contains(ok, "one\ntwo\nthree\n")) << ok;
}

TEST_F(LogServerTest, QueryParametersAreCheckedAndApplied) {
  EXPECT_TRUE(contains(get("/containerLogs/default/web/main?tailLines=1"), "\r\nthree\n"));
  std::string bad = get("/containerLogs/default/web/main?tailLines=abc");
  EXPECT_TRUE(bad.starts_with("HTTP/1.1 400 ")) << bad;
  EXPECT_TRUE(contains(bad, "invalid value for tailLines: \"abc\"")) << bad;
  EXPECT_TRUE(contains(get("/containerLogs/default/web/main?limitBytes=0"),
                       "invalid value for limitBytes: 0: must be greater than 0"));
  EXPECT_TRUE(contains(get("/containerLogs/default/web/main?sinceSeconds=5&sinceTime=2026-01-01T00:00:00Z"),
                       "at most one of sinceTime or sinceSeconds"));
  EXPECT_TRUE(contains(get("/containerLogs/default/web/main?follow=maybe"), "invalid value for follow: \"maybe\""));
  std::string stamped = get("/containerLogs/default/web/main?timestamps=true&tailLines=1");
  EXPECT_TRUE(contains(stamped, "Z three\n")) << stamped;
}

TEST_F(LogServerTest, MissingLogsAreExplained) {
  std::string pod = get("/containerLogs/default/other/main");
  EXPECT_TRUE(pod.starts_with("HTTP/1.1 404 ")) << pod;
  EXPECT_TRUE(contains(pod, "pod \"default/other\" is not on node n"));
  EXPECT_TRUE(contains(get("/containerLogs/default/web/sidecar"), "container \"sidecar\" not found"));
  std::string waiting = get("/containerLogs/default/web/waiting");
  EXPECT_TRUE(waiting.starts_with("HTTP/1.1 400 ")) << waiting;
  EXPECT_TRUE(contains(waiting, "container \"waiting\" in pod \"web\" is waiting to start: ErrImagePull")) << waiting;
  EXPECT_TRUE(contains(get("/containerLogs/default/web/main?previous=true"),
                       "previous terminated container \"main\" in pod \"web\" not found"));
  EXPECT_TRUE(get("/containerLogs/default/web").starts_with("HTTP/1.1 404 "));
}

TEST_F(LogServerTest, FollowStreamsNewLinesUntilTheInstanceEnds) {
  RawRequest follow(server_->port(), "/containerLogs/default/web/main?follow=true&tailLines=1", kToken);
  ASSERT_TRUE(follow.read_until([](const std::string& a) { return contains(a, "three\n"); }));
  say("four\n");
  ASSERT_TRUE(follow.read_until([](const std::string& a) { return contains(a, "four\n"); }));
  // A second instance starts: the first one's log is the previous one now, and the follower has ended with it.
  output_.stdout_fd.reset();
  output_.stderr_fd.reset();
  auto next = collector_->open(dir_ / "main.log", ::geteuid(), ::getegid());
  ASSERT_TRUE(next);
  ASSERT_TRUE(follow.read_until([](const std::string& a) { return a.ends_with("\r\n0\r\n\r\n"); }));
  std::string previous = get("/containerLogs/default/web/main?previous=true");
  EXPECT_TRUE(contains(previous, "one\ntwo\nthree\n")) << previous;
  EXPECT_TRUE(contains(previous, "four\n")) << previous;
}

TEST_F(LogServerTest, AFollowerThatLeavesAQuietLogIsLetGo) {
  {
    RawRequest follow(server_->port(), "/containerLogs/default/web/main?follow=true&tailLines=1", kToken);
    ASSERT_TRUE(follow.read_until([](const std::string& a) { return contains(a, "three\n"); }));
    EXPECT_GE(server_->connections(), 1u);
  }  // the client goes while nothing is written
  bool let_go = false;
  for (auto until = Clock::now() + 5s; !let_go && Clock::now() < until; std::this_thread::sleep_for(5ms)) {
    let_go = server_->connections() == 0;
  }
  EXPECT_TRUE(let_go) << "the follower of a quiet log outlived its client";
}

TEST(LogServerOptionsTest, ANonLoopbackAddressNeedsAToken) {
  auto collector = LogCollector::start({});
  ASSERT_TRUE(collector);
  LogLocator none = [](const std::string&, const std::string&, const std::string&) -> Result<LogLocation> {
    return fail(ErrorCode::kNotFound, "none");
  };
  auto open = LogServer::start({.listen = "0.0.0.0:0"}, none, **collector);
  ASSERT_FALSE(open);
  EXPECT_EQ(open.error().field, "--logs-listen");
  EXPECT_TRUE(contains(open.error().message, "without a token")) << open.error().message;
  auto bad = LogServer::start({.listen = "127.0.0.1"}, none, **collector);
  ASSERT_FALSE(bad);
  EXPECT_TRUE(contains(bad.error().message, "expected host:port")) << bad.error().message;
  EXPECT_TRUE(LogServer::start({.listen = "127.0.0.1:0"}, none, **collector));
}

TEST(LogQueryTest, SinceSecondsCountsBackFromNow) {
  auto now = LogClock::now();
  auto q = parse_log_query("sinceSeconds=10&follow=1&timestamps=true&limitBytes=5", now);
  ASSERT_TRUE(q) << q.error().to_string();
  EXPECT_EQ(*q->read.since, now - std::chrono::seconds(10));
  EXPECT_TRUE(q->read.follow);
  EXPECT_TRUE(q->read.timestamps);
  EXPECT_EQ(*q->read.limit_bytes, 5);
  EXPECT_FALSE(q->read.tail_lines);
  auto at = parse_log_query("sinceTime=2026-12-07T06:20:52Z", now);
  ASSERT_TRUE(at);
  EXPECT_EQ(cri_timestamp(*at->read.since), "2026-12-07T06:20:52.000000000Z");
  EXPECT_FALSE(parse_log_query("sinceTime=yesterday", now));
  EXPECT_FALSE(parse_log_query("tailLines=-1", now));
  EXPECT_FALSE(parse_log_query("sinceSeconds=0", now));
}

}  // namespace
}  // namespace kthena::node
