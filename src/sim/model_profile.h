// Timing and capacity of a simulated model on simulated hardware. A step of the engine costs
//   overhead + max(weights, prefill_per_token * scheduled tokens) + kv_read_per_token * context tokens in the batch
// (a roofline: small batches are bound by streaming the weights, prefill by compute, long contexts by reading KV).
// docs/engine-sim.md derives each profile's numbers and cites where they come from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kthena::sim {

struct ModelProfile {
  std::string name;
  std::string description;
  double overhead_ms = 0;           // scheduling, kernel launches, sampling: per step
  double weights_ms = 0;            // reading the weights once (per GPU, after tensor parallelism)
  double prefill_ms_per_token = 0;  // compute per scheduled token
  double kv_read_us_per_token = 0;  // attention reading one context token's KV during a step
  uint32_t kv_blocks = 0;           // KV-cache capacity in 16-token blocks
  uint32_t max_model_len = 0;
  uint32_t kv_bytes_per_token = 0;  // for KV-transfer time in prefill/decode disaggregation
  uint32_t tensor_parallel = 1;
};

// The built-in profiles, by name ("llama-3.1-8b-h100", ...).
const std::vector<ModelProfile>& model_profiles();
std::optional<ModelProfile> find_profile(std::string_view name);

}  // namespace kthena::sim
