// The command line of `kthena engine-sim`: vLLM's and SGLang's own flags where they mean something to the
// simulator, the simulator's own (--engine, --profile, --time-scale, --instances, ...), and the launcher prefixes a
// ModelBooster writes (`python3 -m vllm.entrypoints.openai.api_server ...`, `vllm serve MODEL ...`,
// `python3 -m sglang.launch_server ...`). Unknown flags are collected, not fatal: engines grow flags every release.
#pragma once

#include <string>
#include <vector>

#include "common/result.h"
#include "sim/engine_config.h"

namespace kthena::sim {

struct FleetOptions {
  uint32_t instances = 1;
  uint32_t base_port = 0;    // 0: the engine's --port
  std::string base_address;  // set: instance i binds base_address + i on the same port
  uint32_t threads = 0;      // reactor threads; 0: one per core
  std::string fleet_file;    // JSON list of {"args": [...]} engines, each with its own flags
};

struct EngineArgs {
  EngineConfig engine;
  FleetOptions fleet;
  std::vector<std::string> ignored;  // unknown flags (and their values), for one warning line
};

// Errors name the flag: "--max-num-seqs: expected a positive integer, got \"x\"".
Result<EngineArgs> parse_engine_args(const std::vector<std::string>& argv);

// The usage text of `kthena engine-sim --help`.
std::string engine_args_help();

// "127.0.1.1" + 2 -> "127.0.1.3" (IPv4 only).
Result<std::string> offset_address(const std::string& base, uint32_t offset);

}  // namespace kthena::sim
