// Everything one simulated engine is configured with, from vLLM's or SGLang's command line (engine_args.h).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/model_profile.h"

namespace kthena::sim {

enum class EngineKind { kVllm, kSglang };
// What the engine does in prefill/decode disaggregation. vLLM engines act on each request's kv_transfer_params
// whatever their role; the role names the engine in SGLang's metrics and decides SGLang's bootstrap behaviour.
enum class Role { kBoth, kPrefill, kDecode };

struct LoraModule {
  std::string name;
  std::string path;
};

struct EngineConfig {
  EngineKind kind = EngineKind::kVllm;
  std::string model = "meta-llama/Llama-3.1-8B-Instruct";
  std::vector<std::string> served_model_names;  // empty: the model
  std::string host = "0.0.0.0";
  uint16_t port = 8000;
  uint32_t max_num_seqs = 256;
  uint32_t max_num_batched_tokens = 8192;
  uint32_t max_model_len = 0;  // 0: the profile's
  uint32_t block_size = 16;
  uint32_t num_gpu_blocks = 0;  // 0: the profile's, scaled by tensor parallelism
  bool enable_prefix_caching = true;
  uint32_t tensor_parallel_size = 0;  // 0: the profile's
  ModelProfile profile;
  double time_scale = 1.0;
  uint64_t seed = 0;
  uint32_t output_len_mean = 200;

  Role role = Role::kBoth;
  std::string kv_connector;          // e.g. NixlConnector, MooncakeConnector, LMCacheConnectorV1
  std::string kv_side_channel_host;  // remote_host in kv_transfer_params; default: the bind address
  uint16_t kv_side_channel_port = 5600;
  uint16_t bootstrap_port = 8998;
  double kv_transfer_gb_per_s = 25.0;                  // RDMA between prefill and decode GPUs
  std::chrono::milliseconds kv_lease{30000};           // how long a prefill keeps blocks for a decode that never comes
  std::chrono::milliseconds bootstrap_timeout{30000};  // SGLang decode waiting for its prefill

  bool enable_lora = false;
  std::vector<LoraModule> lora_modules;
  uint32_t max_loras = 1;
  uint32_t max_lora_rank = 16;
  bool runtime_lora_updating = false;  // vLLM: env VLLM_ALLOW_RUNTIME_LORA_UPDATING

  std::string api_key;
  bool enable_request_id_headers = false;
  std::string version;  // reported by /version; default per engine kind

  const std::string& served_name() const { return served_model_names.empty() ? model : served_model_names.front(); }
  uint32_t context_length() const { return max_model_len != 0 ? max_model_len : profile.max_model_len; }
  // KV-cache blocks: --num-gpu-blocks-override, else the profile's token capacity at this block size and tensor
  // parallelism.
  uint32_t kv_blocks() const {
    if (num_gpu_blocks != 0) return num_gpu_blocks;
    uint64_t blocks = uint64_t(profile.kv_blocks) * 16 / (block_size == 0 ? 1 : block_size);
    if (tensor_parallel_size != 0 && tensor_parallel_size != profile.tensor_parallel) {
      blocks = blocks * tensor_parallel_size / (profile.tensor_parallel == 0 ? 1 : profile.tensor_parallel);
    }
    return static_cast<uint32_t>(blocks == 0 ? 1 : blocks);
  }
};

}  // namespace kthena::sim
