#include "controllers/modelbooster/backend_settings.h"

#include <gtest/gtest.h>

#include "booster_fixtures.h"

namespace kthena::controllers::modelbooster {
namespace {

using testing::pd_booster;
using testing::read_or_die;
using testing::vllm_booster;

Result<int32_t> port_with(Json booster) {
  auto settings = read_backend_settings(read_or_die(booster).backend);
  if (!settings) return fail(settings.error());
  return settings->engine_port;
}

TEST(EnginePortTest, DefaultsTo8000) {
  auto port = port_with(vllm_booster());
  ASSERT_TRUE(port);
  EXPECT_EQ(*port, 8000);
}

TEST(EnginePortTest, ComesFromConfigPortAsNumberOrString) {
  for (Json value : {Json(9000), Json("9000"), Json(9000.0), Json("+9000")}) {
    Json b = vllm_booster();
    b["spec"]["backend"]["workers"][0]["config"]["port"] = value;
    auto port = port_with(b);
    ASSERT_TRUE(port) << value.dump() << ": " << port.error().to_string();
    EXPECT_EQ(*port, 9000) << value.dump();
  }
}

TEST(EnginePortTest, RejectsWhatIsNotAPortWithUpstreamsMessage) {
  const std::pair<Json, const char*> cases[] = {
      {Json("abc"), R"(invalid port "abc" for worker server)"},
      {Json(0), R"(invalid port "0" for worker server)"},
      {Json(65536), R"(invalid port "65536" for worker server)"},
      {Json(1e6), R"(invalid port "1e+06" for worker server)"},
      {Json(8000.5), R"(invalid port "8000.5" for worker server)"},
      {Json(true), R"(invalid port "true" for worker server)"},
      {Json(nullptr), R"(invalid port "<nil>" for worker server)"},
  };
  for (const auto& [value, message] : cases) {
    Json b = vllm_booster();
    b["spec"]["backend"]["workers"][0]["config"]["port"] = value;
    auto port = port_with(b);
    ASSERT_FALSE(port) << value.dump();
    EXPECT_EQ(port.error().field, "spec.backend.workers[0].config.port");
    EXPECT_NE(port.error().message.find(message), std::string::npos) << port.error().message;
  }
}

TEST(EnginePortTest, WorkersMustAgree) {
  Json b = pd_booster();
  b["spec"]["backend"]["workers"][0]["config"]["port"] = 9000;
  auto port = port_with(b);
  ASSERT_FALSE(port);
  EXPECT_EQ(port.error().to_string(),
            "spec.backend.workers[1].config.port: Invalid value: 8000: workers use different engine ports: 9000 and "
            "8000");
  b["spec"]["backend"]["workers"][1]["config"]["port"] = "9000";
  port = port_with(b);
  ASSERT_TRUE(port) << port.error().to_string();
  EXPECT_EQ(*port, 9000);
}

Json with_env(Json booster, Json env) {
  booster["spec"]["backend"]["env"] = std::move(env);
  return booster;
}

TEST(BackendSettingsTest, Defaults) {
  auto s = read_backend_settings(read_or_die(vllm_booster()).backend);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->engine_port, 8000);
  EXPECT_EQ(s->runtime_port, 8100);
  EXPECT_EQ(s->runtime_url, "http://localhost:8000");
  EXPECT_EQ(s->runtime_metrics_path, "/metrics");
  EXPECT_FALSE(s->skip_engine_dependency_install);
}

TEST(BackendSettingsTest, RuntimeUrlFollowsACustomEnginePort) {
  Json b = vllm_booster();
  b["spec"]["backend"]["workers"][0]["config"]["port"] = 9000;
  auto s = read_backend_settings(read_or_die(b).backend);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->runtime_url, "http://localhost:9000");
}

TEST(BackendSettingsTest, ReadsTheRecognisedEnv) {
  auto s = read_backend_settings(read_or_die(with_env(vllm_booster(), Json::parse(R"([
      {"name": "RUNTIME_PORT", "value": "8900"},
      {"name": "RUNTIME_URL", "value": "http://127.0.0.1:8000"},
      {"name": "RUNTIME_METRICS_PATH", "value": "/stats"},
      {"name": "KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL", "value": "T"},
      {"name": "RUNTIME_PORT", "value": "1"}])")))
                                     .backend);
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->runtime_port, 8900);  // the first entry of a name wins
  EXPECT_EQ(s->runtime_url, "http://127.0.0.1:8000");
  EXPECT_EQ(s->runtime_metrics_path, "/stats");
  EXPECT_TRUE(s->skip_engine_dependency_install);
}

TEST(BackendSettingsTest, AValueFromEnvKeepsTheDefault) {
  auto s = read_backend_settings(read_or_die(with_env(vllm_booster(), Json::parse(R"([
      {"name": "RUNTIME_PORT", "valueFrom": {"configMapKeyRef": {"name": "c", "key": "k"}}}])")))
                                     .backend);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->runtime_port, 8100);
}

TEST(BackendSettingsTest, UnusableEnvValuesAreErrorsNotSilentDefaults) {
  const std::pair<const char*, const char*> cases[] = {
      {R"([{"name": "RUNTIME_PORT", "value": "http"}])",
       R"(spec.backend.env[0].value: Invalid value: "http": RUNTIME_PORT must be a port number (1-65535))"},
      {R"([{"name": "A", "value": "1"}, {"name": "RUNTIME_PORT", "value": "70000"}])",
       R"(spec.backend.env[1].value: Invalid value: "70000": RUNTIME_PORT must be a port number (1-65535))"},
      {R"([{"name": "KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL", "value": "yes"}])",
       R"(spec.backend.env[0].value: Invalid value: "yes": KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL must be a boolean)"},
  };
  for (const auto& [env, message] : cases) {
    auto s = read_backend_settings(read_or_die(with_env(vllm_booster(), Json::parse(env))).backend);
    ASSERT_FALSE(s) << env;
    EXPECT_EQ(s.error().to_string().rfind(message, 0), 0u) << s.error().to_string();
  }
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
