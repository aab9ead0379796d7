#include "controllers/modelbooster/engine_command.h"

#include <gtest/gtest.h>

#include "booster_fixtures.h"

namespace kthena::controllers::modelbooster {
namespace {

using testing::pd_booster;
using testing::read_or_die;
using testing::vllm_booster;
using Args = std::vector<std::string>;

Args args_of(const char* config) {
  auto args = engine_args(Json::parse(config), FieldPath("config"));
  EXPECT_TRUE(args) << args.error().to_string();
  return args ? *args : Args{};
}

TEST(EngineArgsTest, SortsKeysAndTurnsUnderscoresIntoDashes) {
  EXPECT_EQ(args_of(R"({"tensor_parallel_size": 2, "block-size": 128, "Max-Len": 1})"),
            (Args{"--Max-Len", "1", "--block-size", "128", "--tensor-parallel-size", "2"}));
}

TEST(EngineArgsTest, FormatsValuesAsUpstreamDoes) {
  const std::pair<const char*, Args> cases[] = {
      {R"({"a": "text"})", {"--a", "text"}},
      {R"({"a": ""})", {"--a"}},  // a valueless flag
      {R"({"a": true, "b": false})", {"--a", "true", "--b", "false"}},
      {R"({"a": 32768})", {"--a", "32768"}},
      {R"({"a": 0.9})", {"--a", "0.9"}},
      {R"({"a": 1000000})", {"--a", "1e+06"}},  // Go's %v of a float64: a quirk we keep
      {R"({"a": 2097152})", {"--a", "2.097152e+06"}},
      {R"({"a": 123456})", {"--a", "123456"}},
      {R"({"a": 0.00001})", {"--a", "1e-05"}},
      {R"({"a": -1})", {"--a", "-1"}},
      // Upstream printed Go syntax here (<nil>, map[...], [a b]); we print what vLLM parses.
      {R"({"a": null})", {"--a"}},
      {R"({"a": {"k": 1, "j": "v"}})", {"--a", R"({"k":1,"j":"v"})"}},
      {R"({"a": ["x", 2]})", {"--a", "x", "2"}},
      {R"({"a": []})", {"--a"}},
  };
  for (const auto& [config, expected] : cases) EXPECT_EQ(args_of(config), expected) << config;
}

TEST(EngineArgsTest, AbsentConfigGivesNoArgsAndANonObjectIsAnError) {
  EXPECT_EQ(args_of("null"), Args{});
  auto args = engine_args(Json("--foo"), FieldPath("spec.backend.workers[0].config"));
  ASSERT_FALSE(args);
  EXPECT_EQ(args.error().to_string(),
            R"(spec.backend.workers[0].config: Invalid value: "--foo": must be an object of engine arguments)");
}

ModelWorker worker_with_limits(const char* limits) {
  ModelWorker w;
  w.resources = Json{{"limits", Json::parse(limits)}};
  return w;
}

TEST(DeviceCountTest, AddsGpusAndAscendNpusRoundedUp) {
  EXPECT_EQ(device_count(worker_with_limits(R"({"nvidia.com/gpu": "2"})")), 2);
  EXPECT_EQ(device_count(worker_with_limits(R"({"huawei.com/ascend-1980": "1", "cpu": "8"})")), 1);
  EXPECT_EQ(device_count(worker_with_limits(R"({"nvidia.com/gpu": 4, "huawei.com/ascend-1980": "2"})")), 6);
  EXPECT_EQ(device_count(worker_with_limits(R"({"nvidia.com/gpu": "500m"})")), 1);
  EXPECT_EQ(device_count(worker_with_limits(R"({"cpu": "8"})")), 0);
  EXPECT_EQ(device_count(ModelWorker{}), 0);
}

Args command_of(const Json& object, size_t worker) {
  const ModelBooster b = read_or_die(object);
  auto settings = read_backend_settings(b.backend);
  EXPECT_TRUE(settings);
  auto command = engine_command(b.backend, b.backend.workers[worker], "/cache/abc", *settings);
  EXPECT_TRUE(command) << command.error().to_string();
  return command ? *command : Args{};
}

TEST(EngineCommandTest, SingleNode) {
  EXPECT_EQ(command_of(vllm_booster(), 0),
            (Args{"python3", "-m", "vllm.entrypoints.openai.api_server", "--model", "/cache/abc", "--max-model-len",
                  "2048", "--served-model-name", "qwen"}));
}

TEST(EngineCommandTest, MultiNodeServerRunsTheRayLeader) {
  Json b = vllm_booster();
  b["spec"]["backend"]["workers"][0]["pods"] = 3;
  b["spec"]["backend"]["workers"][0]["resources"] = {{"limits", {{"nvidia.com/gpu", "2"}}}};
  EXPECT_EQ(command_of(b, 0),
            (Args{"bash", "-c",
                  "chmod u+x examples/online_serving/multi-node-serving.sh && "
                  "examples/online_serving/multi-node-serving.sh leader --ray_cluster_size=3 --num-gpus=2 && "
                  "python3 -m vllm.entrypoints.openai.api_server --model /cache/abc --max-model-len 2048 "
                  "--served-model-name qwen --distributed_executor_backend ray"}));
}

TEST(EngineCommandTest, DependencyInstallWrapping) {
  const std::string base =
      "python3 -m vllm.entrypoints.openai.api_server --model /cache/abc --kv-transfer-config "
      R"({"kv_connector":"C","kv_role":"kv_producer"} --served-model-name qwen3)";
  struct Case {
    const char* connector;
    const char* gpu;     // the workers' nvidia.com/gpu limit, or nullptr for none
    const char* skip;    // KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL, or nullptr
    const char* prefix;  // the install step, or nullptr when the command stays a plain list
  } cases[] = {
      {"MooncakeConnector", "1", nullptr, "pip install mooncake-transfer-engine && "},
      {"NixlConnector", "1", nullptr, "PIP_DISABLE_PIP_VERSION_CHECK=1 pip install -U --no-cache-dir nixl && "},
      {"MooncakeConnector", "1", "true", nullptr},
      {"NixlConnector", "1", "1", nullptr},
      {"NixlConnector", "1", "false", "PIP_DISABLE_PIP_VERSION_CHECK=1 pip install -U --no-cache-dir nixl && "},
      {"MooncakeConnector", nullptr, nullptr, nullptr},  // Ascend images bring their own Mooncake
      {"MooncakeConnector", "0", nullptr, nullptr},
      {"MooncakeConnectorV1", "1", nullptr, nullptr},
      {"LMCacheConnectorV1", "1", nullptr, nullptr},
  };
  for (const Case& c : cases) {
    Json b = pd_booster(c.connector);
    for (Json& w : b["spec"]["backend"]["workers"]) {
      if (c.gpu == nullptr) {
        w.erase("resources");
      } else {
        w["resources"]["limits"]["nvidia.com/gpu"] = c.gpu;
      }
    }
    if (c.skip != nullptr) {
      b["spec"]["backend"]["env"] = {{{"name", "KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL"}, {"value", c.skip}}};
    }
    const Args command = command_of(b, 0);
    std::string expected_base = base;
    expected_base.replace(expected_base.find(R"("C")"), 3, std::string("\"") + c.connector + "\"");
    if (c.prefix != nullptr) {
      EXPECT_EQ(command, (Args{"bash", "-c", std::string(c.prefix) + expected_base})) << c.connector;
    } else {
      ASSERT_GE(command.size(), 1u);
      EXPECT_EQ(command[0], "python3") << c.connector << " gpu=" << (c.gpu ? c.gpu : "none");
    }
  }
}

TEST(EngineCommandTest, RayWrappingComesBeforeTheInstallStep) {
  // A server worker with pods > 1 is only possible for vLLM; give it a Mooncake config to see both wrappers.
  Json b = vllm_booster();
  Json& w = b["spec"]["backend"]["workers"][0];
  w["pods"] = 2;
  w["config"] = {{"kv-transfer-config", R"({"kv_connector":"MooncakeConnector","kv_role":"kv_both"})"}};
  const Args command = command_of(b, 0);
  ASSERT_EQ(command.size(), 3u);
  EXPECT_EQ(command[2].rfind("pip install mooncake-transfer-engine && bash -c chmod u+x ", 0), 0u) << command[2];
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
