#include "controllers/modelbooster/engine_env.h"

#include <gtest/gtest.h>

#include "booster_fixtures.h"

namespace kthena::controllers::modelbooster {
namespace {

using testing::read_or_die;
using testing::vllm_booster;

std::vector<std::string> names(const Json& env) {
  std::vector<std::string> out;
  for (const Json& e : env) out.push_back(e["name"].get<std::string>());
  return out;
}

ModelBackend backend_with_env(const char* env) {
  Json b = vllm_booster();
  b["spec"]["backend"]["env"] = Json::parse(env);
  return read_or_die(b).backend;
}

TEST(EngineEnvTest, UserEnvFirstThenTheStandardOnesThenTheRolesExtras) {
  const ModelBackend backend = backend_with_env(R"([{"name": "ENDPOINT", "value": "https://obs"},
                                                    {"name": "RUNTIME_PORT", "value": "8900"}])");
  const std::vector<std::string> standard = {"ENDPOINT",    "RUNTIME_PORT", "POD_NAME",   "NAMESPACE",
                                             "VLLM_USE_V1", "REDIS_HOST",   "REDIS_PORT", "REDIS_PASSWORD"};
  EXPECT_EQ(names(engine_env(backend, EngineRole::kServer)), standard);
  std::vector<std::string> prefill = standard;
  prefill.insert(prefill.end(), {"HF_HUB_OFFLINE", "HCCL_IF_IP"});
  EXPECT_EQ(names(engine_env(backend, EngineRole::kPrefill)), prefill);
  std::vector<std::string> decode = standard;
  decode.insert(decode.end(), {"HF_HUB_OFFLINE", "GLOO_SOCKET_IFNAME", "TP_SOCKET_IFNAME", "HCCL_SOCKET_IFNAME"});
  EXPECT_EQ(names(engine_env(backend, EngineRole::kDecode)), decode);
}

TEST(EngineEnvTest, GeneratedValuesHaveUpstreamsShapes) {
  const Json env = engine_env(backend_with_env("[]"), EngineRole::kPrefill);
  EXPECT_EQ(env[0], Json::parse(R"({"name":"POD_NAME","valueFrom":{"fieldRef":{"fieldPath":"metadata.name"}}})"));
  EXPECT_EQ(env[2], Json::parse(R"({"name":"VLLM_USE_V1","value":"1"})"));
  EXPECT_EQ(env[3], Json::parse(R"({"name":"REDIS_HOST","valueFrom":{"configMapKeyRef":
                                   {"key":"REDIS_HOST","name":"redis-config","optional":true}}})"));
  EXPECT_EQ(env[5], Json::parse(R"({"name":"REDIS_PASSWORD","valueFrom":{"secretKeyRef":
                                   {"key":"REDIS_PASSWORD","name":"redis-secret","optional":true}}})"));
  EXPECT_EQ(env[7], Json::parse(R"({"name":"HCCL_IF_IP","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}})"));
}

TEST(EngineEnvTest, TheUsersValueWinsOverAGeneratedOne) {
  // Upstream emitted both, which the API server rejects (env is a list-map keyed by name).
  const ModelBackend backend = backend_with_env(R"([{"name": "GLOO_SOCKET_IFNAME", "value": "ib0"},
                                                    {"name": "VLLM_USE_V1", "value": "0"}])");
  const Json env = engine_env(backend, EngineRole::kDecode);
  EXPECT_EQ(names(env), (std::vector<std::string>{"GLOO_SOCKET_IFNAME", "VLLM_USE_V1", "POD_NAME", "NAMESPACE",
                                                  "REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "HF_HUB_OFFLINE",
                                                  "TP_SOCKET_IFNAME", "HCCL_SOCKET_IFNAME"}));
  EXPECT_EQ(env[0]["value"], "ib0");
  EXPECT_EQ(env[1]["value"], "0");
}

TEST(DownloaderEnvTest, CopiesTheDownloadSettingsThatHaveAValue) {
  const ModelBackend backend = backend_with_env(R"([
      {"name": "MS_REVISION", "value": "v2"},
      {"name": "OTHER", "value": "x"},
      {"name": "HF_ENDPOINT", "value": ""},
      {"name": "MS_TOKEN", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
      {"name": "ENDPOINT", "value": "https://obs"}])");
  EXPECT_EQ(downloader_env(backend), Json::parse(R"([{"name": "ENDPOINT", "value": "https://obs"},
                                                     {"name": "MS_REVISION", "value": "v2"}])"));
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
