#include "node/images/engine_invocation.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <string_view>

namespace kthena::node {
namespace {

enum class Arity { kNone, kOne, kMany };
enum class Action {
  kModel,   // the model (path or repo id)
  kServed,  // served model names
  kHost,
  kPort,
  kPass,     // an engine-sim flag of the same meaning: passed on, renamed when `sim_name` is set
  kSpeedup,  // Dynamo's --speedup-ratio X: engine-sim's --time-scale 1/X
  kSilent,   // no observable effect (GPU memory, dtype, logging): dropped without a note
};

struct FlagRule {
  std::string_view name;
  Arity arity;
  Action action;
  std::string_view sim_name = {};
};

// vLLM's and SGLang's flags that mean something to engine-sim (docs/engine-sim.md, "Flags"); every other flag is
// dropped, and named in the note unless it is listed as silent.
constexpr std::array kEngineRules{
    FlagRule{"--model", Arity::kOne, Action::kModel},
    FlagRule{"--model-path", Arity::kOne, Action::kModel},
    FlagRule{"--served-model-name", Arity::kMany, Action::kServed},
    FlagRule{"--host", Arity::kOne, Action::kHost},
    FlagRule{"--port", Arity::kOne, Action::kPort},
    FlagRule{"--max-num-seqs", Arity::kOne, Action::kPass},
    FlagRule{"--max-running-requests", Arity::kOne, Action::kPass},
    FlagRule{"--max-num-batched-tokens", Arity::kOne, Action::kPass},
    FlagRule{"--chunked-prefill-size", Arity::kOne, Action::kPass},
    FlagRule{"--max-model-len", Arity::kOne, Action::kPass},
    FlagRule{"--context-length", Arity::kOne, Action::kPass},
    FlagRule{"--block-size", Arity::kOne, Action::kPass},
    FlagRule{"--page-size", Arity::kOne, Action::kPass},
    FlagRule{"--num-gpu-blocks-override", Arity::kOne, Action::kPass},
    FlagRule{"--tensor-parallel-size", Arity::kOne, Action::kPass},
    FlagRule{"--tp-size", Arity::kOne, Action::kPass, "--tensor-parallel-size"},
    FlagRule{"-tp", Arity::kOne, Action::kPass, "--tensor-parallel-size"},
    FlagRule{"--seed", Arity::kOne, Action::kPass},
    FlagRule{"--random-seed", Arity::kOne, Action::kPass, "--seed"},
    FlagRule{"--enable-prefix-caching", Arity::kNone, Action::kPass},
    FlagRule{"--no-enable-prefix-caching", Arity::kNone, Action::kPass},
    FlagRule{"--disable-radix-cache", Arity::kNone, Action::kPass},
    FlagRule{"--kv-transfer-config", Arity::kOne, Action::kPass},
    FlagRule{"--disaggregation-mode", Arity::kOne, Action::kPass},
    FlagRule{"--disaggregation-bootstrap-port", Arity::kOne, Action::kPass},
    FlagRule{"--enable-lora", Arity::kNone, Action::kPass},
    FlagRule{"--lora-modules", Arity::kMany, Action::kPass},
    FlagRule{"--lora-paths", Arity::kMany, Action::kPass},
    FlagRule{"--max-loras", Arity::kOne, Action::kPass},
    FlagRule{"--max-loras-per-batch", Arity::kOne, Action::kPass},
    FlagRule{"--max-lora-rank", Arity::kOne, Action::kPass},
    FlagRule{"--api-key", Arity::kOne, Action::kPass},
    FlagRule{"--enable-request-id-headers", Arity::kNone, Action::kPass},
    // Accepted by engine-sim as no-ops, so nothing a user would miss in the note.
    FlagRule{"--gpu-memory-utilization", Arity::kOne, Action::kSilent},
    FlagRule{"--mem-fraction-static", Arity::kOne, Action::kSilent},
    FlagRule{"--dtype", Arity::kOne, Action::kSilent},
    FlagRule{"--kv-cache-dtype", Arity::kOne, Action::kSilent},
    FlagRule{"--quantization", Arity::kOne, Action::kSilent},
    FlagRule{"--trust-remote-code", Arity::kNone, Action::kSilent},
    FlagRule{"--enforce-eager", Arity::kNone, Action::kSilent},
    FlagRule{"--disable-log-requests", Arity::kNone, Action::kSilent},
    FlagRule{"--disable-log-stats", Arity::kNone, Action::kSilent},
    FlagRule{"--enable-metrics", Arity::kNone, Action::kSilent},
    FlagRule{"--uvicorn-log-level", Arity::kOne, Action::kSilent},
    FlagRule{"--log-level", Arity::kOne, Action::kSilent},
    FlagRule{"--download-dir", Arity::kOne, Action::kSilent},
    FlagRule{"--swap-space", Arity::kOne, Action::kSilent},
    FlagRule{"--enable-chunked-prefill", Arity::kNone, Action::kSilent},
    FlagRule{"--load-format", Arity::kOne, Action::kSilent},
    FlagRule{"--tokenizer", Arity::kOne, Action::kSilent},
    FlagRule{"--revision", Arity::kOne, Action::kSilent},
};

// llm-d-inference-sim's flags (shared/spec/landscape.md §3a); sglang-inference-sim uses the same. Its latency
// flags have no counterpart: engine-sim's timing comes from a hardware profile, so they are noted as ignored.
constexpr std::array kLlmdSimRules{
    FlagRule{"--model", Arity::kOne, Action::kModel},
    FlagRule{"--served-model-name", Arity::kMany, Action::kServed},
    FlagRule{"--port", Arity::kOne, Action::kPort},
    FlagRule{"--max-num-seqs", Arity::kOne, Action::kPass},
    FlagRule{"--max-model-len", Arity::kOne, Action::kPass},
    FlagRule{"--seed", Arity::kOne, Action::kPass},
    FlagRule{"--block-size", Arity::kOne, Action::kPass},
    FlagRule{"--kv-cache-size", Arity::kOne, Action::kPass, "--num-gpu-blocks-override"},
    FlagRule{"--lora-modules", Arity::kMany, Action::kPass},
    FlagRule{"--max-loras", Arity::kOne, Action::kPass},
    FlagRule{"--disaggregation-mode", Arity::kOne, Action::kPass},
    FlagRule{"--mode", Arity::kOne, Action::kSilent},
    FlagRule{"--enable-kvcache", Arity::kNone, Action::kSilent},
};

// Dynamo's mocker (`python -m dynamo.mocker`, MockEngineArgs) with the frontend's --http-port. Unverified against
// a running mocker: the names follow its documented engine arguments (docs/node.md says so).
constexpr std::array kMockerRules{
    FlagRule{"--model-path", Arity::kOne, Action::kModel},
    FlagRule{"--model-name", Arity::kMany, Action::kServed},
    FlagRule{"--served-model-name", Arity::kMany, Action::kServed},
    FlagRule{"--http-port", Arity::kOne, Action::kPort},
    FlagRule{"--port", Arity::kOne, Action::kPort},
    FlagRule{"--max-num-seqs", Arity::kOne, Action::kPass},
    FlagRule{"--max-num-batched-tokens", Arity::kOne, Action::kPass},
    FlagRule{"--block-size", Arity::kOne, Action::kPass},
    FlagRule{"--num-gpu-blocks", Arity::kOne, Action::kPass, "--num-gpu-blocks-override"},
    FlagRule{"--enable-prefix-caching", Arity::kNone, Action::kPass},
    FlagRule{"--speedup-ratio", Arity::kOne, Action::kSpeedup},
};

bool is_flag(const std::string& word) {
  return word.size() > 1 && word[0] == '-' && word != "--";
}

// vLLM accepts `--pipeline_parallel_size` for `--pipeline-parallel-size`: argparse flags with either spelling.
std::string normalize_flag(std::string_view flag) {
  std::string out(flag);
  for (size_t k = 2; k < out.size(); ++k) {
    if (out[k] == '_') out[k] = '-';
  }
  return out;
}

bool is_python(const std::string& word) {
  const std::string base = std::filesystem::path(word).filename().string();
  return base == "python" || base.starts_with("python3");
}

template <size_t N>
void parse_flags(EngineInvocation& inv, const std::array<FlagRule, N>& rules, const std::vector<std::string>& args,
                 size_t start) {
  for (size_t k = start; k < args.size(); ++k) {
    const std::string& word = args[k];
    if (!is_flag(word)) {
      inv.ignored.push_back(word);  // a positional argument the engine would reject or that means nothing here
      continue;
    }
    std::string flag = word;
    std::optional<std::string> inline_value;
    if (size_t eq = word.find('='); eq != std::string::npos && word.starts_with("--")) {
      flag = word.substr(0, eq);
      inline_value = word.substr(eq + 1);
    }
    flag = normalize_flag(flag);
    auto rule = std::find_if(rules.begin(), rules.end(), [&](const FlagRule& r) { return r.name == flag; });
    std::vector<std::string> values;
    Arity arity = rule == rules.end() ? Arity::kOne : rule->arity;
    if (inline_value) {
      values.push_back(*inline_value);
    } else if (arity == Arity::kOne) {
      // An unknown flag takes the next word as its value unless that is a flag itself (the simulator's rule).
      if (k + 1 < args.size() && (rule != rules.end() || !is_flag(args[k + 1]))) values.push_back(args[++k]);
    } else if (arity == Arity::kMany) {
      while (k + 1 < args.size() && !args[k + 1].starts_with("--")) values.push_back(args[++k]);
    }
    if (rule == rules.end()) {
      std::string shown = word;
      if (!inline_value) {
        for (const std::string& v : values) shown += " " + v;
      }
      inv.ignored.push_back(std::move(shown));
      continue;
    }
    switch (rule->action) {
      case Action::kModel:
        if (!values.empty()) inv.model = values.front();
        break;
      case Action::kServed:
        inv.served_names = values;
        break;
      case Action::kHost:
        if (!values.empty()) inv.host = values.front();
        break;
      case Action::kPort: {
        int port = 0;
        if (!values.empty() && std::sscanf(values.front().c_str(), "%d", &port) == 1 && port > 0 && port < 65536) {
          inv.port = port;
        } else {
          // Passed on as written so that the simulator refuses it as the engine would, naming the flag.
          inv.sim_flags.push_back("--port");
          for (const std::string& v : values) inv.sim_flags.push_back(v);
        }
        break;
      }
      case Action::kPass:
        inv.sim_flags.emplace_back(rule->sim_name.empty() ? flag : std::string(rule->sim_name));
        for (const std::string& v : values) inv.sim_flags.push_back(v);
        break;
      case Action::kSpeedup: {
        double ratio = 0;
        if (!values.empty() && std::sscanf(values.front().c_str(), "%lf", &ratio) == 1 && ratio > 0) {
          char scale[32];
          std::snprintf(scale, sizeof scale, "%g", 1.0 / ratio);
          inv.sim_flags.emplace_back("--time-scale");
          inv.sim_flags.emplace_back(scale);
        } else {
          inv.ignored.push_back(word);
        }
        break;
      }
      case Action::kSilent:
        break;
    }
  }
}

void parse_for(EngineInvocation& inv, const std::vector<std::string>& args, size_t start) {
  switch (inv.flavor) {
    case EngineFlavor::kVllm:
    case EngineFlavor::kSglang:
      parse_flags(inv, kEngineRules, args, start);
      break;
    case EngineFlavor::kLlmdSim:
    case EngineFlavor::kSglangSim: {
      parse_flags(inv, kLlmdSimRules, args, start);
      // llm-d-inference-sim's own defaults where they differ from engine-sim's (its docs/configuration.md): a
      // small context and batch, which its users' tests (and a --kv-cache-size sized for them) rely on.
      auto has = [&](std::string_view flag) {
        return std::find(inv.sim_flags.begin(), inv.sim_flags.end(), flag) != inv.sim_flags.end();
      };
      if (!has("--max-model-len")) inv.sim_flags.insert(inv.sim_flags.end(), {"--max-model-len", "1024"});
      if (!has("--max-num-seqs")) inv.sim_flags.insert(inv.sim_flags.end(), {"--max-num-seqs", "5"});
      break;
    }
    case EngineFlavor::kMockerVllm:
    case EngineFlavor::kMockerSglang:
      parse_flags(inv, kMockerRules, args, start);
      break;
  }
}

// `vllm serve MODEL ...`: the model may come first as a positional argument.
size_t take_positional_model(EngineInvocation& inv, const std::vector<std::string>& args, size_t start) {
  if (start < args.size() && !is_flag(args[start])) {
    inv.model = args[start];
    return start + 1;
  }
  return start;
}

}  // namespace

std::optional<EngineInvocation> EngineInvocation::from_command(const std::vector<std::string>& words) {
  if (words.empty()) return std::nullopt;
  EngineInvocation inv;
  const std::string program = std::filesystem::path(words[0]).filename().string();
  size_t start = 0;
  if (program == "vllm" && words.size() > 1 && words[1] == "serve") {
    inv.flavor = EngineFlavor::kVllm;
    start = take_positional_model(inv, words, 2);
  } else if (is_python(words[0]) && words.size() > 2 && words[1] == "-m") {
    const std::string& module = words[2];
    if (module == "vllm.entrypoints.openai.api_server" || module == "vllm.entrypoints.api_server") {
      inv.flavor = EngineFlavor::kVllm;
    } else if (module == "sglang.launch_server") {
      inv.flavor = EngineFlavor::kSglang;
    } else if (module == "dynamo.mocker") {
      inv.flavor = EngineFlavor::kMockerVllm;
    } else {
      return std::nullopt;
    }
    start = 3;
  } else if (program == "llm-d-inference-sim" || program == "sglang-inference-sim") {
    inv.flavor = program == "llm-d-inference-sim" ? EngineFlavor::kLlmdSim : EngineFlavor::kSglangSim;
    start = 1;
  } else {
    return std::nullopt;
  }
  parse_for(inv, words, start);
  // Dynamo's mocker imitates the engine named by --engine-type; pick the SGLang flavour for its port and metrics.
  if (inv.flavor == EngineFlavor::kMockerVllm) {
    for (size_t k = start; k + 1 < words.size(); ++k) {
      if (normalize_flag(words[k]) == "--engine-type" && words[k + 1] == "sglang")
        inv.flavor = EngineFlavor::kMockerSglang;
      if (words[k] == "--engine-type=sglang" || words[k] == "--engine_type=sglang")
        inv.flavor = EngineFlavor::kMockerSglang;
    }
  }
  return inv;
}

EngineInvocation EngineInvocation::from_entrypoint(EngineFlavor flavor, const std::vector<std::string>& args) {
  EngineInvocation inv;
  inv.flavor = flavor;
  size_t start = flavor == EngineFlavor::kVllm ? take_positional_model(inv, args, 0) : 0;
  parse_for(inv, args, start);
  return inv;
}

int EngineInvocation::default_port() const {
  return sglang() ? 30000 : 8000;
}

bool EngineInvocation::sglang() const {
  return flavor == EngineFlavor::kSglang || flavor == EngineFlavor::kSglangSim || flavor == EngineFlavor::kMockerSglang;
}

std::string EngineInvocation::flavor_name() const {
  switch (flavor) {
    case EngineFlavor::kVllm:
      return "vLLM";
    case EngineFlavor::kSglang:
      return "SGLang";
    case EngineFlavor::kLlmdSim:
      return "llm-d-inference-sim";
    case EngineFlavor::kSglangSim:
      return "sglang-inference-sim";
    case EngineFlavor::kMockerVllm:
      return "Dynamo mocker (vLLM)";
    case EngineFlavor::kMockerSglang:
      return "Dynamo mocker (SGLang)";
  }
  return "engine";
}

std::vector<std::string> EngineInvocation::simulator_args() const {
  std::vector<std::string> out{"--engine", sglang() ? "sglang" : "vllm"};
  if (!model.empty()) out.insert(out.end(), {"--model", model});
  if (!served_names.empty()) {
    out.emplace_back("--served-model-name");
    out.insert(out.end(), served_names.begin(), served_names.end());
  }
  if (!host.empty()) out.insert(out.end(), {"--host", host});
  out.insert(out.end(), {"--port", std::to_string(effective_port())});
  out.insert(out.end(), sim_flags.begin(), sim_flags.end());
  return out;
}

}  // namespace kthena::node
