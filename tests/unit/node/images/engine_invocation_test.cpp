#include <gtest/gtest.h>

#include "node/images/engine_invocation.h"

namespace kthena::node {
namespace {

using Words = std::vector<std::string>;

TEST(EngineInvocation, VllmServeWithAPositionalModel) {
  auto e = EngineInvocation::from_command({"vllm", "serve", "Qwen/Qwen3-8B", "--port=8100", "--tensor_parallel_size",
                                           "2", "--data-parallel-address", "10.0.0.1", "--enforce-eager"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->flavor, EngineFlavor::kVllm);
  EXPECT_EQ(e->model, "Qwen/Qwen3-8B");
  EXPECT_EQ(e->effective_port(), 8100);
  EXPECT_EQ(e->ignored, (Words{"--data-parallel-address 10.0.0.1"}));  // --enforce-eager: silent
  EXPECT_EQ(e->simulator_args(),
            (Words{"--engine", "vllm", "--model", "Qwen/Qwen3-8B", "--port", "8100", "--tensor-parallel-size", "2"}));
}

TEST(EngineInvocation, VllmApiServerModuleWithEveryMappedFlag) {
  auto e = EngineInvocation::from_command({"python3",
                                           "-m",
                                           "vllm.entrypoints.openai.api_server",
                                           "--model",
                                           "/models/q",
                                           "--served-model-name",
                                           "a",
                                           "b",
                                           "--host",
                                           "0.0.0.0",
                                           "--max-model-len",
                                           "2048",
                                           "--max-num-seqs",
                                           "16",
                                           "--enable-prefix-caching",
                                           "--enable-lora",
                                           "--lora-modules",
                                           "l1=/p1",
                                           R"({"name":"l2","path":"/p2"})",
                                           "--kv-transfer-config",
                                           R"({"kv_connector":"NixlConnector","kv_role":"kv_producer"})",
                                           "--kv-events-config",
                                           "{}",
                                           "--unknown-bool"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->served_names, (Words{"a", "b"}));
  EXPECT_EQ(e->effective_port(), 8000);
  EXPECT_EQ(e->ignored, (Words{"--kv-events-config {}", "--unknown-bool"}));
  EXPECT_EQ(e->simulator_args(), (Words{"--engine",
                                        "vllm",
                                        "--model",
                                        "/models/q",
                                        "--served-model-name",
                                        "a",
                                        "b",
                                        "--host",
                                        "0.0.0.0",
                                        "--port",
                                        "8000",
                                        "--max-model-len",
                                        "2048",
                                        "--max-num-seqs",
                                        "16",
                                        "--enable-prefix-caching",
                                        "--enable-lora",
                                        "--lora-modules",
                                        "l1=/p1",
                                        R"({"name":"l2","path":"/p2"})",
                                        "--kv-transfer-config",
                                        R"({"kv_connector":"NixlConnector","kv_role":"kv_producer"})"}));
}

TEST(EngineInvocation, SglangDefaultsToItsPortAndKeepsItsPdRole) {
  auto e = EngineInvocation::from_command({"/usr/bin/python3.10", "-m", "sglang.launch_server", "--model-path", "m",
                                           "--disaggregation-mode", "decode", "--disaggregation-transfer-backend",
                                           "mooncake", "--page-size", "16"});
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->sglang());
  EXPECT_EQ(e->effective_port(), 30000);
  EXPECT_EQ(e->ignored, (Words{"--disaggregation-transfer-backend mooncake"}));
  EXPECT_EQ(e->simulator_args(), (Words{"--engine", "sglang", "--model", "m", "--port", "30000",
                                        "--disaggregation-mode", "decode", "--page-size", "16"}));
}

TEST(EngineInvocation, PeersSimulators) {
  auto llmd = EngineInvocation::from_entrypoint(
      EngineFlavor::kLlmdSim, {"--model=kthena-mock", "--served-model-name=deepseek-ai/R1", "--port=8000",
                               "--mode=echo", "--time-to-first-token=0", "--kv-cache-size", "64"});
  EXPECT_EQ(llmd.ignored, (Words{"--time-to-first-token=0"}));
  EXPECT_EQ(llmd.simulator_args(),
            (Words{"--engine", "vllm", "--model", "kthena-mock", "--served-model-name", "deepseek-ai/R1", "--port",
                   "8000", "--num-gpu-blocks-override", "64", "--max-model-len", "1024", "--max-num-seqs", "5"}));
  auto sgl =
      EngineInvocation::from_entrypoint(EngineFlavor::kSglangSim, {"--model=m", "--disaggregation-mode=prefill"});
  EXPECT_EQ(sgl.simulator_args(),
            (Words{"--engine", "sglang", "--model", "m", "--port", "30000", "--disaggregation-mode", "prefill",
                   "--max-model-len", "1024", "--max-num-seqs", "5"}));
  auto mocker = EngineInvocation::from_command({"python", "-m", "dynamo.mocker", "--model-path", "Qwen/Qwen3-0.6B",
                                                "--speedup-ratio", "10", "--engine-type", "sglang"});
  ASSERT_TRUE(mocker);
  EXPECT_EQ(mocker->flavor, EngineFlavor::kMockerSglang);
  EXPECT_EQ(mocker->simulator_args(),
            (Words{"--engine", "sglang", "--model", "Qwen/Qwen3-0.6B", "--port", "30000", "--time-scale", "0.1"}));
}

TEST(EngineInvocation, AnEntrypointTakesTheModelPositionally) {
  // ghcr.io/volcano-sh/kthena-engine's entrypoint is `vllm serve`: the args start with the model's path.
  auto e = EngineInvocation::from_entrypoint(EngineFlavor::kVllm, {"/mnt/cache/m/", "--served-model-name", "ds"});
  EXPECT_EQ(e.model, "/mnt/cache/m/");
  EXPECT_EQ(e.served_names, (Words{"ds"}));
}

TEST(EngineInvocation, OtherCommandsAreNoEngine) {
  EXPECT_FALSE(EngineInvocation::from_command({}));
  EXPECT_FALSE(EngineInvocation::from_command({"pip", "install", "vllm"}));
  EXPECT_FALSE(EngineInvocation::from_command({"python3", "-m", "http.server"}));
  EXPECT_FALSE(EngineInvocation::from_command({"vllm", "bench"}));
}

TEST(EngineInvocation, ABadPortIsLeftForTheSimulatorToRefuse) {
  auto e = EngineInvocation::from_command({"vllm", "serve", "--port", "http"});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->simulator_args(), (Words{"--engine", "vllm", "--port", "8000", "--port", "http"}));
}

}  // namespace
}  // namespace kthena::node
