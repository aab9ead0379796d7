// Prefill/decode disaggregation end to end: every connector flow of kthena-router.md §6 against simulated engines
// that implement the other side of each protocol (engine-sim): http, lmcache, nixl, mooncake (vLLM engines) and
// sglang (SGLang engines in prefill/decode mode).
#include <gtest/gtest.h>

#include "e2e/router_support.h"

namespace kthena::testing {
namespace {

struct Case {
  std::string connector;       // kvConnector.type, or "" for SGLang's implicit connector
  std::string engine;          // vLLM | SGLang
  std::string vllm_connector;  // the engines' kv_connector for vLLM
};

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
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  std::string log = router.process->output();
  EXPECT_NE(log.find("model_server=default/pd request_id="), std::string::npos)
      << "no selected_pod in PD mode: " << log;
  EXPECT_NE(log.find("upstream_attempts=1"), std::string::npos);
}

TEST_P(RouterPd, AFailedPairMovesToTheNextOne) {
  // Group g1's decode pod moves to an address where nothing listens: pairs with it fail and g2 serves.
  std::string yaml = read_text(dir.path() / "static.yaml");
  std::string old_ip = "podIP: " + fleet.ips[1];
  size_t at = yaml.find(old_ip);
  ASSERT_NE(at, std::string::npos);
  yaml.replace(at, old_ip.size(), "podIP: 127.255.255.254");
  write_text(dir.path() / "static.yaml", yaml);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  for (int i = 0; i < 6; ++i) {
    auto resp = router.chat("pd-model", "again " + std::to_string(i));
    EXPECT_EQ(resp.status, 200) << resp.body;
  }
}

INSTANTIATE_TEST_SUITE_P(Connectors, RouterPd,
                         ::testing::Values(Case{"http", "vLLM", ""}, Case{"lmcache", "vLLM", "LMCacheConnectorV1"},
                                           Case{"nixl", "vLLM", "NixlConnector"},
                                           Case{"mooncake", "vLLM", "MooncakeConnector"}, Case{"", "SGLang", ""}),
                         name_of);

}  // namespace
}  // namespace kthena::testing
