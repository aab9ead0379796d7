// Prefill/decode disaggregation end to end: every connector flow of kthena-router.md §6 against simulated engines
// that implement the other side of each protocol (engine-sim): http, lmcache, nixl, mooncake (vLLM engines) and
// sglang (SGLang engines in prefill/decode mode).
#include <poll.h>

#include <atomic>
#include <ostream>

#include <gtest/gtest.h>

#include "e2e/router_support.h"

namespace kthena::testing {
namespace {

// A decode pod that answers every POST with a 2xx head and closes the connection before the first body byte.
class HeadThenClose {
 public:
  HeadThenClose() = default;
  HeadThenClose(const HeadThenClose&) = delete;
  HeadThenClose& operator=(const HeadThenClose&) = delete;
  ~HeadThenClose() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) close(fd_);
  }

  bool start(const std::string& ip, uint16_t port, bool stream) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    inet_pton(AF_INET, ip.c_str(), &addr.sin_addr);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd_, 64) != 0) return false;
    std::string head = stream
                           ? "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"
                           : "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 64\r\n\r\n";
    thread_ = std::thread([this, head] { serve(head); });
    return true;
  }
  int answered() const { return answered_.load(); }  // POSTs answered with a head alone

 private:
  void serve(const std::string& head) {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 50) <= 0) continue;
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) continue;
      // Read the request head and its Content-Length body, then answer with the head alone.
      std::string in;
      char buf[4096];
      timeval tv{2, 0};
      setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
      size_t need = std::string::npos;
      while (need == std::string::npos || in.size() < need) {
        ssize_t n = recv(c, buf, sizeof(buf), 0);
        if (n <= 0) break;
        in.append(buf, static_cast<size_t>(n));
        size_t end = in.find("\r\n\r\n");
        if (need == std::string::npos && end != std::string::npos) {
          std::smatch m;
          std::string h = in.substr(0, end);
          size_t length = 0;
          if (std::regex_search(h, m, std::regex("[Cc]ontent-[Ll]ength: *(\\d+)"))) length = std::stoul(m[1]);
          need = end + 4 + length;
        }
      }
      // The router's scrapes are not counted: /metrics answers (empty), so that passive health keeps the pod in
      // (this pod breaks only on inference), /v1/models gets a plain 404.
      if (in.rfind("POST ", 0) == 0) {
        send(c, head.data(), head.size(), MSG_NOSIGNAL);
        ++answered_;
      } else if (in.rfind("GET /metrics ", 0) == 0) {
        std::string empty =
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send(c, empty.data(), empty.size(), MSG_NOSIGNAL);
      } else {
        std::string not_found = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        send(c, not_found.data(), not_found.size(), MSG_NOSIGNAL);
      }
      close(c);
    }
  }

  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> answered_{0};
  std::thread thread_;
};

struct Case {
  std::string connector;       // kvConnector.type, or "" for SGLang's implicit connector
  std::string engine;          // vLLM | SGLang
  std::string vllm_connector;  // the engines' kv_connector for vLLM
};

// Printed in test listings (ctest's names come from them): the bytes gtest prints by default include addresses.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.engine << "/" << (c.connector.empty() ? "sglang" : c.connector);
}

std::string name_of(const ::testing::TestParamInfo<Case>& info) {
  return info.param.connector.empty() ? "sglang" : info.param.connector;
}

class RouterPd : public ::testing::TestWithParam<Case> {
 protected:
  void SetUp() override {
    const Case& c = GetParam();
    bool sglang = c.engine == "SGLang";
    auto role_args = [&](bool prefill) -> std::vector<std::string> {
      if (sglang) return {"--disaggregation-mode", prefill ? "prefill" : "decode"};
      if (c.vllm_connector.empty()) return {};
      return {"--kv-transfer-config", std::string(R"({"kv_connector":")") + c.vllm_connector + R"(","kv_role":")" +
                                          (prefill ? "kv_producer" : "kv_consumer") + R"("})"};
    };
    std::vector<std::string> common = {"--model",   "/models/ds", "--served-model-name", "ds",
                                       "--profile", "tiny",       "--time-scale",        "0.02"};
    if (sglang) common.insert(common.begin(), {"--engine", "sglang"});
    // Two PD groups: engines 0 (prefill) and 1 (decode) in g1, 2 and 3 in g2.
    ASSERT_TRUE(start_fleet_file(fleet, dir.path(), "pd",
                                 {role_args(true), role_args(false), role_args(true), role_args(false)}, common));
    std::string connector = c.connector.empty() ? "" : "  kvConnector: {type: " + c.connector + "}\n";
    std::string yaml = R"(apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelRoute
metadata: {name: pd}
spec:
  modelName: pd-model
  rules: [{targetModels: [{modelServerName: pd}]}]
---
apiVersion: networking.serving.volcano.sh/v1alpha1
kind: ModelServer
metadata: {name: pd}
spec:
  model: ds
  inferenceEngine: )" + c.engine +
                       R"(
  workloadSelector:
    matchLabels: {app: pd}
    pdGroup:
      groupKey: modelserving.volcano.sh/group-name
      prefillLabels: {modelserving.volcano.sh/role: prefill}
      decodeLabels: {modelserving.volcano.sh/role: decode}
  workloadPort: {port: )" +
                       std::to_string(fleet.port) + "}\n" + connector;
    const char* roles[] = {"prefill", "decode", "prefill", "decode"};
    for (int i = 0; i < 4; ++i) {
      yaml += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: pd-" + std::to_string(i) +
              "\n  labels: {app: pd, modelserving.volcano.sh/group-name: g" + std::to_string(1 + i / 2) +
              ", modelserving.volcano.sh/role: " + roles[i] + "}\nstatus: {podIP: " + fleet.ips[i] + "}\n";
    }
    write_text(dir.path() / "static.yaml", yaml);
    ASSERT_TRUE(router.start(dir.path(), dir.path() / "static.yaml")) << router.process->errors();
  }

  double tokens(int engine) {
    const char* name =
        GetParam().engine == "SGLang" ? "sglang:generation_tokens_total" : "vllm:generation_tokens_total";
    return sample(engine_metrics(fleet.ips[engine], fleet.port), name);
  }

  TempDir dir;
  Fleet fleet;
  Router router;
};

TEST_P(RouterPd, PrefillThenDecode) {
  const int n = 4;
  for (int i = 0; i < n; ++i) {
    bool stream = i % 2 == 1;
    std::string body = R"({"model":"pd-model","messages":[{"role":"user","content":"tell me about prefill )" +
                       std::to_string(i) + R"("}],"max_tokens":6,"ignore_eos":true)" +
                       (stream ? R"(,"stream":true})" : "}");
    auto r = router.post("/v1/chat/completions", body);
    ASSERT_EQ(r.status, 200) << r.body << router.process->errors();
    EXPECT_TRUE(r.complete);
    EXPECT_NE(r.body.find("\"model\":\"ds\""), std::string::npos) << r.body;
    if (stream) {
      EXPECT_NE(r.body.find("data: [DONE]"), std::string::npos) << r.body;
      EXPECT_EQ(r.body.find("\"usage\":{"), std::string::npos) << "injected usage is hidden: " << r.body;
    } else {
      EXPECT_NE(r.body.find("\"completion_tokens\":6"), std::string::npos) << r.body;
    }
  }
  // Each request prefilled one token on a prefill engine and decoded six on a decode engine.
  double prefill = tokens(0) + tokens(2);
  double decode = tokens(1) + tokens(3);
  EXPECT_EQ(prefill, n) << "prefill engines generated one token per request";
  EXPECT_EQ(decode, 6 * n);
  // The decode engines found the KV the prefill engines made (no recomputation warning from the simulator).
  EXPECT_EQ(fleet.process->errors().find("recomputing"), std::string::npos) << fleet.process->errors();

  std::string metrics = router.metrics();
  EXPECT_NE(metrics.find("kthena_router_request_prefill_duration_seconds_count{model=\"pd-model\",path=\"/v1/chat/"
                         "completions\",status_code=\"200\"} 4"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("kthena_router_request_decode_duration_seconds_count{model=\"pd-model\",path=\"/v1/chat/"
                         "completions\",status_code=\"200\"} 4"),
            std::string::npos);
  ASSERT_TRUE(router.process->wait_for("upstream_attempts=1", 4));  // the access log is written in batches
  std::string log = router.process->output();
  // The decode pod is named (upstream leaves selected_pod empty in PD mode; compatibility.md).
  EXPECT_NE(log.find("model_server=default/pd selected_pod=pd-"), std::string::npos) << log;
}

TEST_P(RouterPd, AFailedPairMovesToTheNextOne) {
  // Group g1's decode pod moves to an address where nothing listens: pairs with it fail and g2 serves.
  std::string yaml = read_text(dir.path() / "static.yaml");
  std::string old_ip = "podIP: " + fleet.ips[1];
  size_t at = yaml.find(old_ip);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, old_ip.size(), "podIP: 127.255.255.254");
  uint64_t generation = router.generation();
  write_text(dir.path() / "static.yaml", yaml);
  ASSERT_TRUE(router.wait_generation_above(generation));
  for (int i = 0; i < 6; ++i) {
    auto resp = router.chat("pd-model", "again " + std::to_string(i));
    EXPECT_EQ(resp.status, 200) << resp.body;
  }
}

// A decode pod that answers 200 and breaks before its body: nothing reached the client, so the next pair serves.
// The router here scores at random: with the default plugins least-latency prefers the real decode pod (it has
// latency figures, the broken one none) as soon as a scrape has seen it serve, and the broken pod would seldom be
// tried.
TEST_P(RouterPd, ADecodePodThatBreaksBeforeItsBodyIsReplaced) {
  std::string ip = fleet.ips[0].substr(0, fleet.ips[0].rfind('.') + 1) + "9";
  HeadThenClose broken;
  ASSERT_TRUE(broken.start(ip, fleet.port, /*stream=*/true));
  std::string yaml = read_text(dir.path() / "static.yaml");
  std::string old_ip = "podIP: " + fleet.ips[1];
  size_t at = yaml.find(old_ip);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, old_ip.size(), "podIP: " + ip);
  write_text(dir.path() / "static.yaml", yaml);
  write_text(dir.path() / "random.yaml",
             "scheduler:\n  plugins:\n    Score:\n      enabled:\n      - {name: random, weight: 1}\n");
  std::filesystem::create_directories(dir.path() / "random");  // its own log files
  Router router;
  ASSERT_TRUE(router.start(dir.path() / "random", dir.path() / "static.yaml",
                           {"--config", (dir.path() / "random.yaml").string()}))
      << router.process->errors();
  int sent = 0;
  for (; sent < 80 && broken.answered() < 3; ++sent) {
    bool stream = sent % 2 == 1;
    auto r = router.chat("pd-model", "broken " + std::to_string(sent), stream ? R"(,"stream":true)" : "");
    ASSERT_EQ(r.status, 200) << r.body << router.process->errors();
    EXPECT_TRUE(r.complete);
  }
  ASSERT_GE(broken.answered(), 3) << "the broken decode pod was never tried";
  std::string metrics = router.metrics();
  EXPECT_EQ(
      metrics.find("kthena_router_requests_total{model=\"pd-model\",path=\"/v1/chat/completions\",status_code=\"500\""),
      std::string::npos)
      << metrics;
  // The access log is written in batches: the last request's line is there once it is.
  ASSERT_TRUE(router.process->wait_for("request_id=", sent));
  EXPECT_EQ(router.process->output().find("error=proxy"), std::string::npos) << router.process->output();
}

// When every decode pod breaks before its body, the client gets a 500 OpenAI error, and the access log and the
// metrics say 500 too.
TEST_P(RouterPd, EveryDecodePodBreakingBeforeItsBodyIsAnError) {
  std::string prefix = fleet.ips[0].substr(0, fleet.ips[0].rfind('.') + 1);
  HeadThenClose broken[2];
  ASSERT_TRUE(broken[0].start(prefix + "9", fleet.port, /*stream=*/false));
  ASSERT_TRUE(broken[1].start(prefix + "10", fleet.port, /*stream=*/true));
  std::string yaml = read_text(dir.path() / "static.yaml");
  for (int i : {1, 3}) {
    std::string old_ip = "podIP: " + fleet.ips[i];
    size_t at = yaml.find(old_ip);
    ASSERT_NE(at, std::string::npos);
    yaml.replace(at, old_ip.size(), "podIP: " + prefix + (i == 1 ? "9" : "10"));
  }
  uint64_t generation = router.generation();
  write_text(dir.path() / "static.yaml", yaml);
  ASSERT_TRUE(router.wait_generation_above(generation));
  auto r = router.chat("pd-model", "nobody answers");
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_NE(r.body.find(R"("error":{)"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("all prefill/decode attempts failed"), std::string::npos) << r.body;
  EXPECT_EQ(broken[0].answered() + broken[1].answered(), 2) << "both pairs were tried";
  std::string metrics = router.metrics();
  EXPECT_NE(
      metrics.find("kthena_router_requests_total{model=\"pd-model\",path=\"/v1/chat/completions\",status_code=\"500\""),
      std::string::npos)
      << metrics;
  EXPECT_EQ(metrics.find("status_code=\"200\",error_type=\"successful_request\""), std::string::npos) << metrics;
  ASSERT_TRUE(router.process->wait_for("\" 500 error=proxy:all prefill/decode attempts failed"));
}

INSTANTIATE_TEST_SUITE_P(Connectors, RouterPd,
                         ::testing::Values(Case{"http", "vLLM", ""}, Case{"lmcache", "vLLM", "LMCacheConnectorV1"},
                                           Case{"nixl", "vLLM", "NixlConnector"},
                                           Case{"mooncake", "vLLM", "MooncakeConnector"}, Case{"", "SGLang", ""}),
                         name_of);

}  // namespace
}  // namespace kthena::testing
