// An inference engine's command line, read the way the engine reads it, and rewritten for `kthena engine-sim`.
// The simulator accepts vLLM's and SGLang's flags itself, but the node agent translates them here rather than
// passing the line through: it has to know the port and the served names (the pod's ModelServer addresses them),
// the bind address is the agent's to choose, the peers' simulators (llm-d-inference-sim, Dynamo's mocker) spell
// their flags differently, and flags the simulator has no use for are dropped with a note instead of a warning in
// the engine's log that nobody reads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace kthena::node {

enum class EngineFlavor {
  kVllm,          // vllm serve / python3 -m vllm.entrypoints.openai.api_server
  kSglang,        // python3 -m sglang.launch_server
  kLlmdSim,       // llm-d-inference-sim (vLLM-flavoured)
  kSglangSim,     // sglang-inference-sim (llm-d-inference-sim's flags, SGLang's metrics and port)
  kMockerVllm,    // Dynamo's mocker imitating vLLM
  kMockerSglang,  // ... imitating SGLang
};

struct EngineInvocation {
  EngineFlavor flavor = EngineFlavor::kVllm;
  std::string model;                      // "" when the command names none
  std::vector<std::string> served_names;  // empty: the engine serves the model's path, as vLLM does
  std::string host;                       // "" when not given
  std::optional<int> port;                // as given; default_port() otherwise
  std::vector<std::string> sim_flags;     // translated flags with their values, in the command's order
  std::vector<std::string> ignored;       // what the simulator has no use for ("--data-parallel-address x")

  // The words of one command, launcher included (`vllm serve m --port 8000`, `python3 -m sglang.launch_server
  // ...`, `/app/llm-d-inference-sim --model m`, `python -m dynamo.mocker ...`); nullopt when they run no engine.
  // An llm-d-style simulator binary comes out as kLlmdSim: only the image tells the SGLang variant (kSglangSim,
  // whose flags are the same), so the caller may change `flavor` afterwards.
  static std::optional<EngineInvocation> from_command(const std::vector<std::string>& words);
  // An image's own entrypoint given `args` (a container without `command`): `vllm serve` for vLLM images, the
  // simulator binary for the peers' images.
  static EngineInvocation from_entrypoint(EngineFlavor flavor, const std::vector<std::string>& args);

  int default_port() const;  // 8000 for vLLM and its look-alikes, 30000 for SGLang's
  int effective_port() const { return port.value_or(default_port()); }
  bool sglang() const;              // which engine the simulator imitates
  std::string flavor_name() const;  // "vLLM", "SGLang", "llm-d-inference-sim", ...

  // `kthena engine-sim`'s arguments (without the program): --engine, --model, --served-model-name, --host,
  // --port, then sim_flags.
  std::vector<std::string> simulator_args() const;
};

}  // namespace kthena::node
