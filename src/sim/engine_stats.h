// What a simulated engine counts for /metrics. Updated by the engine, read by the exposition; engine thread only.
#pragma once

#include <array>
#include <cstdint>

#include "sim/histogram.h"

namespace kthena::sim {

enum class FinishReason { kStop, kLength, kAbort, kError };
inline constexpr std::array<const char*, 4> kFinishReasonNames = {"stop", "length", "abort", "error"};

// vLLM's bucket bounds (vllm/v1/metrics/loggers.py); SGLang's are in sglang_buckets below.
inline constexpr double kTtftBuckets[] = {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
                                          1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
inline constexpr double kItlBuckets[] = {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
                                         0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
inline constexpr double kRequestLatencyBuckets[] = {0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                                    5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                                    60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
inline constexpr double kRequestNBuckets[] = {1, 2, 5, 10, 20};
inline constexpr double kIterationTokenBuckets[] = {1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};
inline constexpr double kSglangTtftBuckets[] = {0.1, 0.2, 0.4, 0.6, 0.8, 1,  2,   4,   6,
                                                8,   10,  20,  40,  60,  80, 100, 200, 400};
inline constexpr double kSglangItlBuckets[] = {0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025,
                                               0.030, 0.035, 0.040, 0.060, 0.080, 0.100, 0.200, 0.400,
                                               0.600, 0.800, 1.0,   2.0,   4.0,   6.0,   8.0};
inline constexpr double kSglangE2eBuckets[] = {0.1, 0.2, 0.4, 0.6, 0.8, 1,   2,   4,   6,    8,    10,
                                               20,  40,  60,  80,  100, 200, 400, 600, 1200, 1800, 2400};
inline constexpr double kSglangQueueBuckets[] = {0.0, 0.1, 0.2, 0.5, 1,    2,    3,    4,    5,    10,   15,   20,
                                                 30,  40,  50,  60,  70,   80,   90,   100,  200,  300,  400,  500,
                                                 600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000};

// 1, 2, 5, 10, 20, 50, ... up to `max` (vLLM's build_1_2_5_buckets).
std::vector<double> one_two_five_buckets(double max);

struct EngineStats {
  explicit EngineStats(uint32_t max_model_len);

  uint64_t prompt_tokens = 0;
  uint64_t generation_tokens = 0;
  uint64_t prefix_cache_queries = 0;
  uint64_t prefix_cache_hits = 0;
  uint64_t preemptions = 0;
  uint64_t requests_total = 0;
  std::array<uint64_t, 4> finished{};  // by FinishReason

  Histogram ttft{kTtftBuckets};
  Histogram itl{kItlBuckets};
  Histogram tpot{kItlBuckets};
  Histogram e2e{kRequestLatencyBuckets};
  Histogram queue{kRequestLatencyBuckets};
  Histogram inference{kRequestLatencyBuckets};
  Histogram prefill{kRequestLatencyBuckets};
  Histogram decode{kRequestLatencyBuckets};
  Histogram prompt_len;
  Histogram generation_len;
  Histogram max_tokens_param;
  Histogram max_generation_len;
  Histogram n_param{kRequestNBuckets};
  Histogram iteration_tokens{kIterationTokenBuckets};

  Histogram sglang_ttft{kSglangTtftBuckets};
  Histogram sglang_itl{kSglangItlBuckets};
  Histogram sglang_e2e{kSglangE2eBuckets};
  Histogram sglang_queue{kSglangQueueBuckets};
};

}  // namespace kthena::sim
