#include "sim/model_profile.h"

namespace kthena::sim {

// How the figures are derived (docs/engine-sim.md has the sources):
// - weights_ms: bytes of bf16 weights per GPU / (H100 SXM HBM3 3.35 TB/s x 0.8 achievable).
// - prefill_ms_per_token: 2 x parameters FLOPs / (989 TFLOPS dense bf16 per GPU x GPUs x 0.5 MFU).
// - kv_read_us_per_token: 2 (K,V) x layers x kv_heads x head_dim x 2 bytes / GPUs / (3.35 TB/s x 0.8).
// - kv_blocks: (80 GB x 0.9 gpu_memory_utilization x GPUs - weights - 2 GB activations) / (16 x KV bytes per token).
// - overhead_ms: vLLM's CPU-side step cost (scheduler, sampling, detokenization), about 1-2 ms per step.
const std::vector<ModelProfile>& model_profiles() {
  static const std::vector<ModelProfile> kProfiles = {
      {"llama-3.1-8b-h100", "Llama-3.1-8B (bf16) on one H100 80GB SXM", 1.5, 6.0, 0.032, 0.049, 25750, 131072, 131072,
       1},
      {"llama-3.1-70b-4xh100", "Llama-3.1-70B (bf16) on four H100 80GB SXM, tensor parallel 4", 2.5, 13.1, 0.071, 0.031,
       26500, 131072, 327680, 4},
      {"qwen2.5-7b-a100", "Qwen2.5-7B-Instruct (bf16) on one A100 80GB (2.0 TB/s, 312 TFLOPS)", 1.5, 9.5, 0.097, 0.036,
       59700, 32768, 57344, 1},
      // For tests: quick steps, a small cache that fills up, short context.
      {"tiny", "a small fast model for tests", 1.0, 2.0, 0.01, 0.0, 512, 4096, 1024, 1},
  };
  return kProfiles;
}

std::optional<ModelProfile> find_profile(std::string_view name) {
  for (const ModelProfile& p : model_profiles()) {
    if (p.name == name) return p;
  }
  return std::nullopt;
}

}  // namespace kthena::sim
