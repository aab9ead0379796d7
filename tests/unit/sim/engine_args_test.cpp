#include "sim/engine_args.h"

#include <gtest/gtest.h>

namespace kthena::sim {
namespace {

TEST(EngineArgsTest, RunsTheCommandAModelBoosterGenerates) {
  auto a = parse_engine_args({"python3",
                              "-m",
                              "vllm.entrypoints.openai.api_server",
                              "--model",
                              "/cache/13a7c4",
                              "--served-model-name",
                              "qwen",
                              "qwen-alias",
                              "--port",
                              "8900",
                              "--max_num_seqs",
                              "8",
                              "--gpu-memory-utilization",
                              "0.9",
                              "--kv-transfer-config",
                              "{\"kv_connector\":\"NixlConnector\",\"kv_role\":\"kv_producer\"}",
                              "--enforce-eager",
                              "--unknown-flag",
                              "x",
                              "--max-model-len=2048",
                              "--enable-lora",
                              "--lora-modules",
                              "sql=/a/sql",
                              "{\"name\":\"tw\",\"path\":\"/a/tw\"}"});
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->engine.kind, EngineKind::kVllm);
  EXPECT_EQ(a->engine.model, "/cache/13a7c4");
  EXPECT_EQ(a->engine.served_name(), "qwen");
  EXPECT_EQ(a->engine.served_model_names.size(), 2u);
  EXPECT_EQ(a->engine.port, 8900);
  EXPECT_EQ(a->engine.max_num_seqs, 8u);
  EXPECT_EQ(a->engine.max_model_len, 2048u);
  EXPECT_EQ(a->engine.kv_connector, "NixlConnector");
  EXPECT_EQ(a->engine.role, Role::kPrefill);
  ASSERT_EQ(a->engine.lora_modules.size(), 2u);
  EXPECT_EQ(a->engine.lora_modules[1].name, "tw");
  EXPECT_EQ(a->ignored, std::vector<std::string>{"--unknown-flag x"});
}

TEST(EngineArgsTest, SglangLauncherAndFleetFlags) {
  auto a = parse_engine_args({"python3", "-m", "sglang.launch_server", "--model-path", "m", "--tp", "2",
                              "--disaggregation-mode", "decode", "--instances", "3", "--base-address", "127.0.1.1"});
  ASSERT_TRUE(a) << a.error().to_string();
  EXPECT_EQ(a->engine.kind, EngineKind::kSglang);
  EXPECT_EQ(a->engine.port, 30000);
  EXPECT_EQ(a->engine.tensor_parallel_size, 2u);
  EXPECT_EQ(a->engine.role, Role::kDecode);
  EXPECT_EQ(a->fleet.instances, 3u);
  EXPECT_EQ(*offset_address(a->fleet.base_address, 2), "127.0.1.3");
}

TEST(EngineArgsTest, ErrorsNameTheFlag) {
  auto a = parse_engine_args({"--max-num-seqs", "many"});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().field, "--max-num-seqs");
  auto b = parse_engine_args({"--profile", "gpt-9"});
  ASSERT_FALSE(b);
  EXPECT_NE(b.error().message.find("llama-3.1-8b-h100"), std::string::npos);
  auto c = parse_engine_args({"--port"});
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().to_string(), "--port: expects a value");
  EXPECT_FALSE(parse_engine_args({"--kv-transfer-config", "{nope"}));
  EXPECT_FALSE(parse_engine_args({"--base-address", "::1"}));
}

// A context no KV cache can hold made a full-length prompt wait at the head of the queue for ever (and every request
// behind it); vLLM refuses such a configuration at start, with this message.
TEST(EngineArgsTest, AContextLongerThanTheKvCacheIsRefused) {
  auto a = parse_engine_args({"--profile", "tiny", "--max-model-len", "65536"});
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().field, "--max-model-len");
  EXPECT_NE(a.error().message.find("The model's max seq len (65536) is larger than the maximum number of tokens that "
                                   "can be stored in KV cache (8192)"),
            std::string::npos)
      << a.error().message;
  EXPECT_FALSE(parse_engine_args({"--profile", "tiny", "--num-gpu-blocks-override", "12"}));
  EXPECT_TRUE(parse_engine_args({"--profile", "tiny", "--num-gpu-blocks-override", "12", "--max-model-len", "192"}));
  EXPECT_TRUE(parse_engine_args({"--profile", "tiny", "--max-model-len", "8192"}));
}

TEST(EngineArgsTest, VllmServeForm) {
  auto a = parse_engine_args({"vllm", "serve", "Qwen/Qwen3-8B", "--port", "0"});
  ASSERT_TRUE(a);
  EXPECT_EQ(a->engine.model, "Qwen/Qwen3-8B");
  EXPECT_EQ(a->engine.port, 0);
}

}  // namespace
}  // namespace kthena::sim
