#include "router/metrics/engine_metrics.h"

#include <gtest/gtest.h>

namespace kthena::router {
namespace {

TEST(EngineMetrics, VllmCurrentNames) {
  const char* text = R"(# HELP vllm:num_requests_running Number of requests in model execution batches.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{engine="0",model_name="Qwen/Qwen3-8B"} 4.0
vllm:num_requests_waiting{engine="0",model_name="Qwen/Qwen3-8B"} 2.0
vllm:num_requests_waiting{engine="1",model_name="Qwen/Qwen3-8B"} 3.0
vllm:kv_cache_usage_perc{engine="0",model_name="Qwen/Qwen3-8B"} 0.3125
vllm:gpu_cache_usage_perc{engine="0",model_name="Qwen/Qwen3-8B"} 0.9
vllm:time_to_first_token_seconds_bucket{engine="0",le="+Inf",model_name="Qwen/Qwen3-8B"} 100.0
vllm:time_to_first_token_seconds_count{engine="0",model_name="Qwen/Qwen3-8B"} 100.0
vllm:time_to_first_token_seconds_sum{engine="0",model_name="Qwen/Qwen3-8B"} 7.42
vllm:inter_token_latency_seconds_count{engine="0",model_name="Qwen/Qwen3-8B"} 10
vllm:inter_token_latency_seconds_sum{engine="0",model_name="Qwen/Qwen3-8B"} 0.5
vllm:lora_requests_info{max_lora="4",running_lora_adapters="a,b}",waiting_lora_adapters=""} 1.7891548e+09
)";
  EngineSample s = parse_engine_metrics(api::InferenceEngine::kVllm, text);
  EXPECT_EQ(s.running, 4.0);
  EXPECT_EQ(s.waiting, 3.0) << "the last series of a family wins";
  EXPECT_EQ(s.kv_cache_usage, 0.3125) << "the current name wins over the deprecated one";
  ASSERT_TRUE(s.ttft);
  EXPECT_EQ(s.ttft->count, 100.0);
  EXPECT_DOUBLE_EQ(s.ttft->sum, 7.42);
  ASSERT_TRUE(s.tpot);
  EXPECT_EQ(s.tpot->count, 10);
}

TEST(EngineMetrics, OlderNamesAndMissingGauges) {
  const char* text = R"(vllm:gpu_cache_usage_perc 0.5
vllm:time_per_output_token_seconds_count 4
vllm:time_per_output_token_seconds_sum 0.2
)";
  EngineSample s = parse_engine_metrics(api::InferenceEngine::kVllm, text);
  EXPECT_EQ(s.kv_cache_usage, 0.5);
  EXPECT_EQ(s.waiting, 0) << "a missing gauge reads as 0";
  ASSERT_TRUE(s.tpot);
  EXPECT_DOUBLE_EQ(s.tpot->sum, 0.2);
  EXPECT_FALSE(s.ttft);
}

TEST(EngineMetrics, Sglang) {
  const char* text = R"(sglang:num_running_reqs{engine_type="unified",model_name="Qwen/Qwen3-8B",tp_rank="0"} 24.0
sglang:num_queue_reqs{engine_type="unified",model_name="Qwen/Qwen3-8B",tp_rank="0"} 3.0
sglang:token_usage{engine_type="unified"} 0.75
sglang:time_to_first_token_seconds_sum{model_name="m"} 2
sglang:time_to_first_token_seconds_count{model_name="m"} 4
)";
  EngineSample s = parse_engine_metrics(api::InferenceEngine::kSglang, text);
  EXPECT_EQ(s.running, 24);
  EXPECT_EQ(s.waiting, 3);
  EXPECT_EQ(s.kv_cache_usage, 0.75);
  EXPECT_DOUBLE_EQ(s.ttft->sum / s.ttft->count, 0.5);
}

// upstream's LastPeriodAvg rules (kthena-router.md §5.2).
TEST(EngineMetrics, PeriodAverage) {
  EXPECT_EQ(period_average(std::nullopt, {10, 5}), 0) << "first scrape";
  EXPECT_EQ(period_average(HistogramTotals{10, 5}, {16, 8}), 2) << "(16-10)/(8-5)";
  EXPECT_EQ(period_average(HistogramTotals{10, 5}, {10, 5}), 0) << "no new observations";
  EXPECT_EQ(period_average(HistogramTotals{10, 5}, {3, 2}), 1.5) << "engine restarted";
  EXPECT_EQ(period_average(HistogramTotals{10, 5}, {0, 0}), 0);
}

}  // namespace
}  // namespace kthena::router
