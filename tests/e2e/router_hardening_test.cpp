// The router as an attacker and a careful operator would try it (issue "Router hardening"): bytes that crashed it,
// bodies that arrive in pieces, clients that try to hold its memory or trickle, forged log lines, paths and methods
// it must not pass on, engines that refuse, die or stall, and a static file caught half-written. Each reproduction
// failed before the fix it names.
#include <atomic>

#include <gtest/gtest.h>

#include "e2e/router_support.h"

namespace kthena::testing {
namespace {

const std::vector<std::string> kEngine = {"--model",   "/models/m", "--served-model-name", "m",
                                          "--profile", "tiny",      "--time-scale",        "0.02"};

// A raw connection to the router: bytes exactly as a test wants them, in pieces.
class Wire {
 public:
  explicit Wire(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~Wire() { close(fd_); }
  bool connected() const { return connected_; }
  bool send(std::string_view bytes) {
    for (size_t sent = 0; sent < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // One response with a Content-Length body, or everything up to the close.
  std::string read_response() {
    std::string out;
    char c;
    while (out.find("\r\n\r\n") == std::string::npos) {
      if (recv(fd_, &c, 1, 0) != 1) return out;
      out.push_back(c);
    }
    size_t cl = out.find("Content-Length: ");
    if (cl == std::string::npos) return out + read_until_close();
    size_t n = std::stoul(out.substr(cl + 16));
    std::string body(n, '\0');
    size_t got = 0;
    while (got < n) {
      ssize_t r = recv(fd_, body.data() + got, n - got, 0);
      if (r <= 0) break;
      got += static_cast<size_t>(r);
    }
    return out + body.substr(0, got);
  }
  // Whatever arrives next.
  std::string read_some() {
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }
  std::string read_until_close() {
    std::string out;
    char buf[4096];
    for (;;) {
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    return out;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

std::string post_head(const std::string& target, size_t length, const std::string& extra = {}) {
  return "POST " + target + " HTTP/1.1\r\nHost: r\r\nContent-Type: application/json\r\n" + extra +
         "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

// The router's resident set, from /proc.
size_t rss_bytes(pid_t pid) {
  std::string status = read_text("/proc/" + std::to_string(pid) + "/status");
  size_t at = status.find("VmRSS:");
  if (at == std::string::npos) return 0;
  return std::stoul(status.substr(at + 6)) * 1024;
}

class RouterHardening : public ::testing::Test {
 protected:
  // `fleets` engine processes of one engine each (so that one can be stopped or paused alone) behind ModelServer p.
  void start(std::vector<std::string> router_args = {}, int fleets = 1, const std::string& extra_spec = {},
             const std::vector<std::string>& engine_args = kEngine) {
    for (int i = 0; i < fleets; ++i) {
      engines.push_back(std::make_unique<Fleet>());
      ASSERT_TRUE(engines.back()->start(dir.path(), "engine" + std::to_string(i), 1, engine_args,
                                        i == 0 ? 0 : engines.front()->port));
    }
    std::string pods;
    for (int i = 0; i < fleets; ++i) {
      pods += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: p-" + std::to_string(i) +
              "\n  labels: {app: p}\nstatus: {podIP: " + engines[static_cast<size_t>(i)]->ips[0] + "}\n";
    }
    write_text(dir.path() / "static.yaml",
               route_yaml() + model_server_yaml("p", *engines.front(), "m", "vLLM", extra_spec) + pods);
    ASSERT_TRUE(router.start(dir.path(), dir.path() / "static.yaml", router_args)) << router.process->errors();
  }
  static std::string route_yaml() {
    return R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: m}
spec:
  modelName: m
  rules: [{targetModels: [{modelServerName: p}]}]
)";
  }
  HttpResponse chat(const std::string& content = "hello", const std::string& extra = {}) {
    return router.chat("m", content, extra);
  }
  // Waits for `pattern` in the router's access log (stdout), written in batches.
  bool logged(const std::string& pattern, int count = 1) {
    return router.process->wait_for(pattern, count, std::chrono::seconds(10));
  }

  TempDir dir;
  std::vector<std::unique_ptr<Fleet>> engines;
  Router router;
};

// One byte, an unclosed string, invalid UTF-8, a raw tab or NUL in a string: each crashed the router (a null
// dereference describing the error). 70,000 nested brackets overflowed its stack. Now each is a 400 naming the
// problem, and the router serves the next request.
TEST_F(RouterHardening, BytesThatCrashedTheRouterAre400s) {
  start();
  const std::pair<std::string, std::string> bodies[] = {
      {"\"", "unexpected EOF"},
      {R"({"model":"m","prompt":"abc)", "unexpected EOF"},
      {"{\"model\":\"m\",\"prompt\":\"\xff\xfe\"}", "invalid UTF-8"},
      {"{\"model\":\"m\",\"prompt\":\"a\tb\"}", "in string literal"},
      {std::string("{\"model\":\"m\",\"prompt\":\"a\0b\"}", 28), "in string literal"},
      {"{\"x\":" + std::string(70000, '[') + std::string(70000, ']') + "}", "nests deeper than 128 levels"},
  };
  for (const auto& [body, message] : bodies) {
    HttpResponse r = router.post("/v1/completions", body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 40);
    EXPECT_NE(r.body.find(message), std::string::npos) << body.substr(0, 40) << " -> " << r.body;
    ASSERT_TRUE(router.process->running()) << "after " << body.substr(0, 40) << ": " << router.process->errors();
  }
  EXPECT_EQ(chat().status, 200);
  EXPECT_EQ(sample(router.metrics(), "kthena_router_request_refusals_total{reason=\"bad_body\"}"), 6);
}

// The issue's use-after-free: a 40 KiB chat body in three pieces 100 ms apart, three requests on one connection.
// The access log must show each request's own method, path and id, with no stray bytes.
TEST_F(RouterHardening, ABodyInPiecesLeavesTheRequestsHeadIntact) {
  // A profile with room for a 40 KiB prompt (about 8,200 tokens).
  start({}, 1, {},
        {"--model", "/models/m", "--served-model-name", "m", "--profile", "qwen2.5-7b-a100", "--time-scale", "0.02"});
  Wire wire(router.port);
  ASSERT_TRUE(wire.connected());
  for (int i = 0; i < 3; ++i) {
    std::string body = R"({"model":"m","max_tokens":2,"messages":[{"role":"user","content":")" +
                       std::string(40 * 1024, static_cast<char>('a' + i)) + R"("}]})";
    std::string wire_bytes =
        post_head("/v1/chat/completions", body.size(), "X-Request-Id: piece-" + std::to_string(i) + "\r\n") + body;
    size_t third = wire_bytes.size() / 3;
    for (int p = 0; p < 3; ++p) {
      ASSERT_TRUE(wire.send(std::string_view(wire_bytes).substr(p * third, p == 2 ? std::string::npos : third)));
      if (p < 2) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::string r = wire.read_response();
    EXPECT_EQ(r.substr(0, 15), "HTTP/1.1 200 OK") << i << ": " << r.substr(0, 300);
  }
  ASSERT_TRUE(logged("request_id=piece-2"));
  std::string log = router.process->output();
  for (int i = 0; i < 3; ++i) {
    EXPECT_NE(log.find("\"POST /v1/chat/completions HTTP/1.1\" 200 model_name=m"), std::string::npos) << log;
    EXPECT_NE(log.find("request_id=piece-" + std::to_string(i) + " "), std::string::npos) << log;
  }
  EXPECT_EQ(log.find('\0'), std::string::npos);
  std::string metrics = router.metrics();
  EXPECT_EQ(metrics.find(std::string(1, '\0')), std::string::npos);
  EXPECT_NE(metrics.find("path=\"/v1/chat/completions\",status_code=\"200\""), std::string::npos) << metrics;
}

// 20 clients each trying to hold a 50 MB body took the router from 72 MB to 1.4 GB. With a 128 MiB budget two of
// them are buffered, the others get 503 at once, the router stays under the bound, and others are served meanwhile.
TEST_F(RouterHardening, ClientsHoldingBigBodiesCannotTakeTheMemory) {
  start({"--max-buffered-bytes", std::to_string(128 * 1024 * 1024)});
  size_t before = rss_bytes(router.process->pid());
  std::vector<std::unique_ptr<Wire>> hogs;
  const size_t kClaimed = 50'000'000;
  for (int i = 0; i < 20; ++i) {
    hogs.push_back(std::make_unique<Wire>(router.port, std::chrono::seconds(2)));
    hogs.back()->send(post_head("/v1/chat/completions", kClaimed));
    // Most of the body, never the end of it.
    std::string chunk(1024 * 1024, 'x');
    for (int mb = 0; mb < 45; ++mb) {
      if (!hogs.back()->send(chunk)) break;  // refused: the router closed the connection
    }
  }
  size_t during = rss_bytes(router.process->pid());
  EXPECT_LT(during, before + 128 * 1024 * 1024 + 64 * 1024 * 1024) << "before " << before << ", during " << during;
  EXPECT_EQ(chat().status, 200);
  std::string metrics = router.metrics();
  EXPECT_EQ(sample(metrics, "kthena_router_http_refusals_total{reason=\"buffer_limit\"}"), 18) << metrics;
  EXPECT_GT(sample(metrics, "kthena_router_buffered_request_bytes"), 99'000'000);
  hogs.clear();
  for (int i = 0; i < 100 && sample(router.metrics(), "kthena_router_buffered_request_bytes") > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(sample(router.metrics(), "kthena_router_buffered_request_bytes"), 0);
}

// A body trickled a byte at a time was never timed out.
TEST_F(RouterHardening, ATrickledBodyIsCutOff) {
  start({"--body-timeout", "1s"});
  Wire wire(router.port, std::chrono::seconds(5));
  wire.send(post_head("/v1/completions", 1000));
  auto t0 = std::chrono::steady_clock::now();
  bool cut = false;
  for (int i = 0; i < 100 && !cut; ++i) {
    cut = !wire.send("x");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_TRUE(cut);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(4));
  EXPECT_EQ(sample(router.metrics(), "kthena_router_http_refusals_total{reason=\"body_timeout\"}"), 1);
}

// A model name with a newline wrote a forged line into the text access log.
TEST_F(RouterHardening, AModelNameCannotForgeAnAccessLogLine) {
  start();
  std::string forged = R"(cap\n[2026-01-01T00:00:00Z] \"POST /v1/admin HTTP/1.1\" 200 FORGED)";
  HttpResponse r = router.post("/v1/completions", R"({"model":")" + forged + R"(","prompt":"x"})");
  EXPECT_EQ(r.status, 404);
  ASSERT_TRUE(logged("model_name=cap"));
  std::string log = router.process->output();
  EXPECT_EQ(log.find("\n[2026-01-01T00:00:00Z]"), std::string::npos) << log;
  EXPECT_NE(log.find("model_name=cap\\n[2026-01-01T00:00:00Z]\\x20\"POST"), std::string::npos) << log;
}

// `/v1/../metrics` passed the `/v1/*` rule, any method was proxied, a second Host went upstream.
TEST_F(RouterHardening, PathsMethodsAndHostsThatMustNotPass) {
  start();
  EXPECT_EQ(router.post("/v1/../metrics", R"({"model":"m","prompt":"x"})").status, 400);
  EXPECT_EQ(router.post("/v1/%2e%2e/metrics", R"({"model":"m","prompt":"x"})").status, 400);
  EXPECT_EQ(router.post("/v1//completions", R"({"model":"m","prompt":"x"})").status, 400);
  HttpResponse get = http_request("127.0.0.1", router.port, "GET", "/v1/completions");
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.header("allow"), "POST");
  HttpResponse del = http_request("127.0.0.1", router.port, "DELETE", "/v1/models");
  EXPECT_EQ(del.status, 405);
  EXPECT_EQ(del.header("allow"), "GET, HEAD");
  Wire wire(router.port);
  std::string body = R"({"model":"m","prompt":"x"})";
  wire.send(post_head("/v1/completions", body.size(), "Host: evil\r\n") + body);
  EXPECT_EQ(wire.read_until_close().substr(0, 12), "HTTP/1.1 400");
  EXPECT_EQ(chat().status, 200);
  std::string metrics = router.metrics();
  EXPECT_EQ(sample(metrics, "kthena_router_request_refusals_total{reason=\"bad_path\"}"), 3) << metrics;
  EXPECT_EQ(sample(metrics, "kthena_router_request_refusals_total{reason=\"bad_method\"}"), 2) << metrics;
  EXPECT_EQ(sample(metrics, "kthena_router_http_refusals_total{reason=\"malformed\"}"), 1) << metrics;
}

// The access log and tokens_total counted input tokens by the router's estimate (characters / 4: 387 against 675
// real prompt tokens in one measurement); the engine's usage is the truth when it reports one.
TEST_F(RouterHardening, InputTokensAreTheEnginesCount) {
  start();
  HttpResponse r = router.post(
      "/v1/chat/completions",
      R"({"model":"m","max_tokens":2,"messages":[{"role":"user","content":"tokens: 12345 67890 abcdef xyz"}]})",
      {{"X-Request-Id", "counted"}});
  ASSERT_EQ(r.status, 200) << r.body;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.body, m, std::regex("\"prompt_tokens\":(\\d+).*\"completion_tokens\":(\\d+)")))
      << r.body;
  std::string tokens = "tokens=" + std::string(m[1]) + "/" + std::string(m[2]) + " ";
  ASSERT_TRUE(logged("request_id=counted"));
  EXPECT_NE(router.process->output().find(tokens), std::string::npos) << tokens << "\n" << router.process->output();
}

// nginx speaks HTTP/1.0 to its upstreams by default: a stream's head said Content-Length: 0, and the events that
// followed were lost.
TEST_F(RouterHardening, AnHttp10ClientGetsTheWholeStream) {
  start();
  Wire wire(router.port);
  std::string body = R"({"model":"m","prompt":"x","max_tokens":5,"stream":true})";
  wire.send("POST /v1/completions HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: " +
            std::to_string(body.size()) + "\r\n\r\n" + body);
  std::string r = wire.read_until_close();
  std::string head = r.substr(0, r.find("\r\n\r\n"));
  EXPECT_EQ(head.substr(0, 15), "HTTP/1.1 200 OK") << r;
  EXPECT_EQ(head.find("Content-Length"), std::string::npos) << head;
  EXPECT_NE(r.find("data: [DONE]"), std::string::npos) << r;
}

// An engine's 4xx was retried on every pod and answered 503 "request to all pods failed", losing its message; a
// client that retries on 503 then repeated a request that could never succeed.
TEST_F(RouterHardening, AnEnginesRefusalReachesTheClientUnretried) {
  start({}, 2);
  HttpResponse r = router.post("/v1/completions", R"({"model":"m","prompt":"x","max_tokens":0})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_NE(r.body.find("max_tokens must be at least 1"), std::string::npos) << r.body;
  ASSERT_TRUE(logged("upstream_status_code=400"));
  std::string log = router.process->output();
  EXPECT_NE(log.find("\" 400 error=upstream_response:pod p-"), std::string::npos) << log;
  EXPECT_NE(log.find("upstream_attempts=1 "), std::string::npos) << log;
  EXPECT_EQ(log.find("upstream_attempts=2"), std::string::npos) << log;
}

// After a pod died, least-request sent most requests to it first (its in-flight count stays zero): every request
// paid a failed attempt. Now the first refused connection ejects it, the log and the metrics say so, and the
// requests after that go straight to the live pod.
TEST_F(RouterHardening, ADeadPodIsEjectedAfterItsFirstRefusal) {
  start({}, 2);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(chat().status, 200);
  engines[1]->process->stop(SIGKILL);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(chat("after " + std::to_string(i)).status, 200) << i;
  ASSERT_TRUE(logged("request_id=", 24));
  std::string log = router.process->output();
  size_t retried = 0;
  for (size_t at = log.find("upstream_attempts=2"); at != std::string::npos;
       at = log.find("upstream_attempts=2", at + 1))
    ++retried;
  // A pooled connection to the dead pod may cost each worker one failed attempt, then the refused connection that
  // ejects the pod costs one more; no request after that tries it.
  EXPECT_LE(retried, 3u) << log;
  EXPECT_NE(router.process->errors().find("pod default/p-1 ejected"), std::string::npos) << router.process->errors();
  std::string metrics = router.metrics();
  EXPECT_GE(sample(metrics, "kthena_router_upstream_ejections_total{pod=\"default/p-1\",reason=\"connect_failure\"}"),
            1);
  // Its scrapes fail too: after three in a row it stays out until one succeeds, and the gauge says so.
  EXPECT_TRUE(
      router.process->wait_for("pod default/p-1: 3 metrics scrapes in a row failed", 1, std::chrono::seconds(10)))
      << router.process->errors();
  EXPECT_EQ(sample(router.metrics(), "kthena_router_ejected_pods"), 1);
}

// A request to a paused engine hung with no pod named in the log. Now the response-head timeout ends the attempt,
// the pod is ejected and named, and the request is answered by the other pod.
TEST_F(RouterHardening, APausedEngineIsTimedOutNamedAndSkipped) {
  start({"--upstream-header-timeout", "1s"}, 2);
  for (int i = 0; i < 4; ++i) ASSERT_EQ(chat().status, 200);
  pid_t paused = engines[1]->process->pid();
  ::kill(paused, SIGSTOP);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(chat("paused " + std::to_string(i)).status, 200) << i;
  ::kill(paused, SIGCONT);
  ASSERT_TRUE(logged("request_id=", 14));
  std::string errors = router.process->errors();
  EXPECT_NE(errors.find("pod default/p-1 ejected for 5 s after timeout"), std::string::npos) << errors;
  std::string log = router.process->output();
  size_t retried = 0;
  for (size_t at = log.find("upstream_attempts=2"); at != std::string::npos;
       at = log.find("upstream_attempts=2", at + 1))
    ++retried;
  EXPECT_LE(retried, 2u) << log;
}

// A stream cut off by a dying engine was logged as a success.
TEST_F(RouterHardening, AStreamCutOffIsLoggedAsAnError) {
  start({}, 1, {}, {"--model", "/models/m", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "1"});
  Wire wire(router.port);
  std::string body = R"({"model":"m","prompt":"x","max_tokens":3000,"ignore_eos":true,"stream":true})";
  wire.send(post_head("/v1/completions", body.size()) + body);
  ASSERT_NE(wire.read_some().find("HTTP/1.1 200 OK"), std::string::npos);  // the stream has begun
  engines[0]->process->stop(SIGKILL);
  ASSERT_TRUE(logged("error=response_forwarding:"));
  std::string log = router.process->output();
  EXPECT_NE(log.find("\" 200 error=response_forwarding:the answer from pod p-0 broke off"), std::string::npos) << log;
  EXPECT_NE(log.find("selected_pod=p-0"), std::string::npos) << log;
  EXPECT_NE(router.metrics().find("error_type=\"response_forwarding\""), std::string::npos);
}

// An editor that truncates before writing (or `cat > file`) emptied the static file for a moment, and the router
// dropped every route while /readyz stayed 200.
TEST_F(RouterHardening, AnEmptyStaticFileKeepsTheRoutes) {
  start();
  uint64_t generation = router.generation();
  { std::ofstream truncate(dir.path() / "static.yaml", std::ios::trunc); }
  ASSERT_TRUE(router.process->wait_for("static file not reloaded", 1, std::chrono::seconds(10)))
      << router.process->errors();
  EXPECT_EQ(router.generation(), generation);
  EXPECT_EQ(chat().status, 200);
  // An explicit empty List removes everything, as asked.
  write_text(dir.path() / "static.yaml", "{apiVersion: v1, kind: List, items: []}\n");
  ASSERT_TRUE(router.wait_generation_above(generation));
  EXPECT_EQ(chat().status, 404);
}

}  // namespace
}  // namespace kthena::testing
