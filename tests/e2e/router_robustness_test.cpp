// The router under bad input and failing backends: the right status for each kind of bad request, slow clients
// that do not starve others, timeouts and retries as trafficPolicy asks, client disconnects that stop generation,
// and a backend killed under load that costs no request which had not started streaming.
#include <atomic>

#include <gtest/gtest.h>

#include "e2e/router_support.h"

namespace kthena::testing {
namespace {

const std::vector<std::string> kEngine = {"--model",   "/models/m", "--served-model-name", "m",
                                          "--profile", "tiny",      "--time-scale",        "0.02"};

class RouterRobustness : public ::testing::Test {
 protected:
  void start(const std::string& extra_spec = {}, std::vector<std::string> router_args = {},
             std::vector<std::string> engine_args = kEngine, int engines = 2) {
    ASSERT_TRUE(fleet.start(dir.path(), "fleet", engines, engine_args));
    std::string yaml = R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: m}
spec:
  modelName: m
  rules: [{targetModels: [{modelServerName: p}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: empty}
spec:
  modelName: empty
  rules: [{targetModels: [{modelServerName: nobody}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: missing}
spec:
  modelName: missing
  rules: [{targetModels: [{modelServerName: does-not-exist}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: nobody}
spec:
  inferenceEngine: vLLM
  workloadSelector: {matchLabels: {app: nobody}}
  workloadPort: {port: 8000}
)" + model_server_yaml("p", fleet, "m", "vLLM", extra_spec) +
                       pods_yaml("p", fleet);
    write_text(dir.path() / "static.yaml", yaml);
    ASSERT_TRUE(router.start(dir.path(), dir.path() / "static.yaml", router_args)) << router.process->errors();
  }

  std::string error_message(const HttpResponse& r) {
    std::smatch m;
    std::regex_search(r.body, m, std::regex("\"message\":\"((?:[^\"\\\\]|\\\\.)*)\""));
    return m.size() > 1 ? std::string(m[1]) : r.body;
  }

  TempDir dir;
  Fleet fleet;
  Router router;
};

TEST_F(RouterRobustness, BadRequestsGetUpstreamsStatusesAsOpenAIErrors) {
  start({}, {"--max-body-size", "1048576"});
  struct Case {
    std::string body;
    int status;
    std::string message;
  } cases[] = {
      {R"({"model":)", 400, "unexpected EOF"},
      {R"({"model":"m"}{"model":"m"})", 400, "invalid request body"},
      {R"([1,2])", 400, "cannot unmarshal array"},
      {R"({"messages":[]})", 404, "model not found"},
      {R"({"model":"  "})", 404, "model not found"},
      {R"({"model":"m","prompt":[1,2]})", 404, "prompt not found"},
      {R"({"model":"unknown","prompt":"x"})", 404, "route not found"},
      {R"({"model":"missing","prompt":"x"})", 404, "can't find model server: default/does-not-exist"},
      {R"({"model":"empty","prompt":"x"})", 503, "no available pods for model server: default/nobody"},
  };
  for (const Case& c : cases) {
    auto r = router.post("/v1/chat/completions", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_NE(error_message(r).find(c.message), std::string::npos) << c.body << " -> " << r.body;
    EXPECT_NE(r.body.find("\"type\":"), std::string::npos) << "OpenAI error object: " << r.body;
  }
  // Too large a body, too large a head.
  // The HTTP server answers these before the router sees the request, in the same error objects.
  auto big = router.post("/v1/chat/completions", std::string(2 * 1024 * 1024, 'x'));
  EXPECT_EQ(big.status, 413);
  EXPECT_EQ(big.header("content-type"), "application/json");
  EXPECT_NE(error_message(big).find("exceeds the limit of 1048576"), std::string::npos) << big.body;
  EXPECT_NE(big.body.find(R"("type":"request_too_large","code":"request_too_large")"), std::string::npos) << big.body;
  auto head =
      router.post("/v1/chat/completions", R"({"model":"m","prompt":"x"})", {{"X-Huge", std::string(100 * 1024, 'h')}});
  EXPECT_EQ(head.status, 431);
  EXPECT_EQ(head.header("content-type"), "application/json");
  EXPECT_NE(error_message(head).find("more than the limit of"), std::string::npos) << head.body;
  EXPECT_NE(head.body.find(R"("type":"invalid_request_error","code":"request_header_fields_too_large")"),
            std::string::npos)
      << head.body;
  // And the router still serves.
  EXPECT_EQ(router.chat("m", "still here").status, 200);
}

// A body that arrives after its head (as many clients send large bodies), several times on one connection.
TEST_F(RouterRobustness, BodyArrivingAfterTheHead) {
  start();
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(router.port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string body = R"({"model":"m","messages":[{"role":"user","content":"hello world"}],"max_tokens":3})";
  std::string head =
      "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Custom: kept\r\nContent-Type: "
      "application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  for (int i = 0; i < 5; ++i) {
    send(fd, head.data(), head.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    send(fd, body.data(), body.size(), MSG_NOSIGNAL);
    std::string response;
    char buf[8192];
    // Read until the response body (Content-Length framed) is complete.
    for (;;) {
      ssize_t n = recv(fd, buf, sizeof(buf), 0);
      ASSERT_GT(n, 0);
      response.append(buf, static_cast<size_t>(n));
      size_t end = response.find("\r\n\r\n");
      if (end == std::string::npos) continue;
      size_t cl = response.find("Content-Length: ");
      if (cl != std::string::npos && response.size() >= end + 4 + std::stoul(response.substr(cl + 16))) break;
    }
    EXPECT_EQ(response.substr(0, 15), "HTTP/1.1 200 OK") << i << ": " << response;
  }
  close(fd);
}

// Half-sent requests hold connections, not the router: everybody else keeps being served.
TEST_F(RouterRobustness, SlowlorisClientsDoNotStarveOthers) {
  start();
  std::vector<int> slow;
  for (int i = 0; i < 200; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(router.port);
    inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
      const char* partial = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Len";
      send(fd, partial, strlen(partial), MSG_NOSIGNAL);
      slow.push_back(fd);
    } else {
      close(fd);
    }
  }
  for (int i = 0; i < 20; ++i) {
    auto r = router.chat("m", "hello " + std::to_string(i));
    EXPECT_EQ(r.status, 200) << r.body;
  }
  for (int fd : slow) close(fd);
}

// trafficPolicy.timeout bounds the wait for response headers; retry.attempts adds tries, retryInterval apart.
TEST_F(RouterRobustness, TimeoutAndRetryPolicy) {
  // Engines so slow that their first token takes far longer than the 100 ms timeout.
  start("  trafficPolicy: {timeout: 100ms, retry: {attempts: 2, retryInterval: 50ms}}\n", {},
        {"--model", "/models/m", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "200"});
  auto start_time = std::chrono::steady_clock::now();
  auto r = router.chat("m", "slow");
  auto took = std::chrono::steady_clock::now() - start_time;
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_EQ(error_message(r), "request to all pods failed");
  // Three tries of 100 ms and two pauses of 50 ms.
  EXPECT_GE(took, std::chrono::milliseconds(380));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  EXPECT_TRUE(router.process->wait_for("upstream_attempts=3")) << router.process->output();
}

// A client that leaves mid-stream stops the generation on the engine.
TEST_F(RouterRobustness, ClientDisconnectCancelsTheUpstreamRequest) {
  start({}, {}, {"--model", "/models/m", "--served-model-name", "m", "--profile", "tiny", "--time-scale", "1"}, 1);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(router.port);
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string body = R"({"model":"m","prompt":"go on","max_tokens":3000,"ignore_eos":true,"stream":true})";
  std::string req = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(body.size()) + "\r\n\r\n" + body;
  send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  char buf[4096];
  ASSERT_GT(recv(fd, buf, sizeof(buf), 0), 0);  // the stream has started
  auto running = [&] { return sample(engine_metrics(fleet.ips[0], fleet.port), "vllm:num_requests_running"); };
  EXPECT_EQ(running(), 1);
  close(fd);
  double now = 1;
  for (int i = 0; i < 100 && now != 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    now = running();
  }
  EXPECT_EQ(now, 0) << "the engine stopped generating for a client that left";
}

// Kill one of two engine processes under load: requests that had not started streaming are retried elsewhere.
TEST_F(RouterRobustness, KilledBackendLosesNoRequestThatHadNotStarted) {
  start();
  // A second engine process behind the same ModelServer (same port, other addresses).
  Fleet other;
  ASSERT_TRUE(other.start(dir.path(), "other", 2, kEngine, fleet.port));
  std::string yaml = read_text(dir.path() / "static.yaml");
  for (size_t i = 0; i < other.ips.size(); ++i) {
    yaml += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: other-" + std::to_string(i) +
            "\n  labels: {app: p}\nstatus: {podIP: " + other.ips[i] + "}\n";
  }
  uint64_t generation = router.generation();
  write_text(dir.path() / "static.yaml", yaml);
  ASSERT_TRUE(router.wait_generation_above(generation));

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, streams_cut{0};
  std::string first_failure;
  std::vector<std::thread> clients;
  for (int c = 0; c < 8; ++c) {
    clients.emplace_back([&, c] {
      for (int i = 0; !stop; ++i) {
        bool stream = (i + c) % 2 == 0;
        std::string body = R"({"model":"m","prompt":"load )" + std::to_string(i) +
                           R"(","max_tokens":20,"ignore_eos":true)" + (stream ? R"(,"stream":true})" : "}");
        auto r = router.post("/v1/completions", body);
        if (r.status == 200 && r.complete) {
          ++ok;
        } else if (r.status == 200) {
          ++streams_cut;  // the stream had started on the killed engine: nobody can finish it elsewhere
        } else {
          if (failed++ == 0) first_failure = std::to_string(r.status) + " " + r.body;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  other.process->stop(SIGKILL);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  stop = true;
  for (auto& t : clients) t.join();
  EXPECT_GT(ok.load(), 100);
  EXPECT_EQ(failed.load(), 0) << "ok " << ok << ", cut " << streams_cut << ", first failure: " << first_failure
                              << (router.process->running() ? "" : ", the router exited: " + router.process->errors());
}

}  // namespace
}  // namespace kthena::testing
