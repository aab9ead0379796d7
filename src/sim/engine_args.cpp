#include "sim/engine_args.h"

#include <charconv>
#include <cstdlib>

#include <nlohmann/json.hpp>

namespace kthena::sim {
namespace {

// Flags a ModelBooster commonly passes that change nothing observable in the simulator: accepted silently.
const char* const kNoEffect[] = {"--gpu-memory-utilization",
                                 "--dtype",
                                 "--trust-remote-code",
                                 "--enforce-eager",
                                 "--disable-log-requests",
                                 "--disable-log-stats",
                                 "--uvicorn-log-level",
                                 "--download-dir",
                                 "--distributed-executor-backend",
                                 "--swap-space",
                                 "--enable-chunked-prefill",
                                 "--load-format",
                                 "--tokenizer",
                                 "--revision",
                                 "--enable-metrics",
                                 "--mem-fraction-static",
                                 "--log-level",
                                 "--kv-cache-dtype",
                                 "--pipeline-parallel-size",
                                 "--data-parallel-size",
                                 "--quantization"};

std::string normalize(std::string flag) {
  // vLLM's argparse accepts --max_num_seqs for --max-num-seqs.
  for (size_t i = 2; i < flag.size(); ++i) {
    if (flag[i] == '_') flag[i] = '-';
  }
  return flag;
}

Result<uint32_t> to_uint(const std::string& flag, const std::string& v, uint32_t min = 0) {
  uint64_t out = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), out);
  if (r.ec != std::errc() || r.ptr != v.data() + v.size() || out < min || out > UINT32_MAX) {
    return fail(ErrorCode::kInvalid, "expected an integer >= " + std::to_string(min) + ", got \"" + v + "\"", flag);
  }
  return static_cast<uint32_t>(out);
}

Result<double> to_double(const std::string& flag, const std::string& v) {
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || end != v.c_str() + v.size() || d < 0) {
    return fail(ErrorCode::kInvalid, "expected a non-negative number, got \"" + v + "\"", flag);
  }
  return d;
}

}  // namespace

std::string engine_args_help() {
  std::string out =
      "Usage: kthena engine-sim [python3 -m vllm.entrypoints.openai.api_server | vllm serve MODEL |\n"
      "                          python3 -m sglang.launch_server] [FLAGS]\n\n"
      "Engine flags (vLLM / SGLang names):\n"
      "  --model, --model-path M          --served-model-name N...       --host H  --port P\n"
      "  --max-num-seqs N                 --max-num-batched-tokens N     --max-model-len N\n"
      "  --block-size N                   --num-gpu-blocks-override N    --[no-]enable-prefix-caching\n"
      "  --tensor-parallel-size N         --kv-transfer-config JSON      --disaggregation-mode prefill|decode\n"
      "  --enable-lora  --lora-modules name=path...  --max-loras N       --api-key K  --seed N\n"
      "Simulator flags:\n"
      "  --engine vllm|sglang  --role prefill|decode|both  --profile NAME  --time-scale X  --output-len-mean N\n"
      "  --kv-transfer-gbps X  --kv-lease-ms N  --bootstrap-timeout-ms N\n"
      "  --instances N  --base-port P  --base-address A  --fleet FILE  --threads N\n"
      "Profiles:\n";
  for (const ModelProfile& p : model_profiles()) out += "  " + p.name + ": " + p.description + "\n";
  out += "Unknown flags are ignored with one warning. See docs/engine-sim.md.\n";
  return out;
}

Result<std::string> offset_address(const std::string& base, uint32_t offset) {
  unsigned a, b, c, d;
  char tail;
  if (std::sscanf(base.c_str(), "%u.%u.%u.%u%c", &a, &b, &c, &d, &tail) != 4 || a > 255 || b > 255 || c > 255 ||
      d > 255) {
    return fail(ErrorCode::kInvalid, "expected an IPv4 address, got \"" + base + "\"", "--base-address");
  }
  uint64_t v = (uint64_t(a) << 24 | b << 16 | c << 8 | d) + offset;
  if (v > 0xFFFFFFFFULL) return fail(ErrorCode::kInvalid, "address range overflows", "--base-address");
  return std::to_string(v >> 24 & 255) + "." + std::to_string(v >> 16 & 255) + "." + std::to_string(v >> 8 & 255) +
         "." + std::to_string(v & 255);
}

Result<EngineArgs> parse_engine_args(const std::vector<std::string>& raw) {
  EngineArgs out;
  EngineConfig& e = out.engine;
  std::string profile = "llama-3.1-8b-h100";
  bool port_set = false;
  size_t i = 0;
  // Launcher prefixes.
  if (i < raw.size() && (raw[i] == "python3" || raw[i] == "python")) ++i;
  if (i + 1 < raw.size() && raw[i] == "-m") {
    const std::string& module = raw[i + 1];
    if (module.starts_with("sglang")) e.kind = EngineKind::kSglang;
    i += 2;
  } else if (i + 1 < raw.size() && raw[i] == "vllm" && raw[i + 1] == "serve") {
    i += 2;
    if (i < raw.size() && !raw[i].starts_with("-")) e.model = raw[i++];
  }
  std::vector<std::pair<std::string, std::string>> kv;
  // Split into (flag, value) with `--flag=value`, `--flag value`, bare boolean flags, and nargs+ lists.
  std::vector<std::string> args(raw.begin() + static_cast<std::ptrdiff_t>(i), raw.end());
  auto value_of = [&](size_t& k, const std::string& flag) -> Result<std::string> {
    if (k + 1 >= args.size() || (args[k + 1].starts_with("--") && args[k + 1].size() > 2)) {
      return fail(ErrorCode::kInvalid, "expects a value", flag);
    }
    return args[++k];
  };
  auto list_of = [&](size_t& k) {
    std::vector<std::string> values;
    while (k + 1 < args.size() && !args[k + 1].starts_with("--")) values.push_back(args[++k]);
    return values;
  };
  for (size_t k = 0; k < args.size(); ++k) {
    std::string arg = args[k];
    std::optional<std::string> inline_value;
    if (arg.starts_with("--")) {
      size_t eq = arg.find('=');
      if (eq != std::string::npos) {
        inline_value = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
      arg = normalize(arg);
    } else if (arg == "-tp") {
      arg = "--tensor-parallel-size";
    } else {
      out.ignored.push_back(arg);
      continue;
    }
    auto value = [&]() -> Result<std::string> {
      if (inline_value) return *inline_value;
      return value_of(k, arg);
    };
    auto uint_flag = [&](uint32_t& target, uint32_t min) -> Result<void> {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      auto n = to_uint(arg, *v, min);
      if (!n) return tl::unexpected(n.error());
      target = *n;
      return {};
    };
    Result<void> ok;
    if (arg == "--model" || arg == "--model-path") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      e.model = *v;
    } else if (arg == "--served-model-name") {
      e.served_model_names = inline_value ? std::vector<std::string>{*inline_value} : list_of(k);
      if (e.served_model_names.empty()) return fail(ErrorCode::kInvalid, "expects at least one name", arg);
    } else if (arg == "--host") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      e.host = *v;
    } else if (arg == "--port") {
      uint32_t port = 0;
      ok = uint_flag(port, 0);
      if (ok && port > 65535) return fail(ErrorCode::kInvalid, "a port is at most 65535", arg);
      e.port = static_cast<uint16_t>(port);
      port_set = true;
    } else if (arg == "--max-num-seqs" || arg == "--max-running-requests") {
      ok = uint_flag(e.max_num_seqs, 1);
    } else if (arg == "--max-num-batched-tokens" || arg == "--chunked-prefill-size") {
      ok = uint_flag(e.max_num_batched_tokens, 1);
    } else if (arg == "--max-model-len" || arg == "--context-length") {
      ok = uint_flag(e.max_model_len, 2);
    } else if (arg == "--block-size" || arg == "--page-size") {
      ok = uint_flag(e.block_size, 1);
    } else if (arg == "--num-gpu-blocks-override" || arg == "--num-gpu-blocks") {
      ok = uint_flag(e.num_gpu_blocks, 1);
    } else if (arg == "--tensor-parallel-size" || arg == "--tp-size" || arg == "--tp") {
      ok = uint_flag(e.tensor_parallel_size, 1);
    } else if (arg == "--seed" || arg == "--random-seed") {
      uint32_t seed = 0;
      ok = uint_flag(seed, 0);
      e.seed = seed;
    } else if (arg == "--enable-prefix-caching") {
      e.enable_prefix_caching = true;
    } else if (arg == "--no-enable-prefix-caching" || arg == "--disable-radix-cache") {
      e.enable_prefix_caching = false;
    } else if (arg == "--kv-transfer-config") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      auto j = nlohmann::ordered_json::parse(*v, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        return fail(ErrorCode::kInvalid, "expected a JSON object, got " + *v, arg);
      }
      e.kv_connector = j.value("kv_connector", "");
      std::string role = j.value("kv_role", "kv_both");
      if (role == "kv_producer") e.role = Role::kPrefill;
      if (role == "kv_consumer") e.role = Role::kDecode;
    } else if (arg == "--disaggregation-mode") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      if (*v == "prefill") {
        e.role = Role::kPrefill;
      } else if (*v == "decode") {
        e.role = Role::kDecode;
      } else if (*v != "null") {
        return fail(ErrorCode::kInvalid, "expected prefill, decode or null, got \"" + *v + "\"", arg);
      }
    } else if (arg == "--disaggregation-bootstrap-port") {
      uint32_t port = 0;
      ok = uint_flag(port, 1);
      e.bootstrap_port = static_cast<uint16_t>(port);
    } else if (arg == "--role") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      if (*v == "prefill") {
        e.role = Role::kPrefill;
      } else if (*v == "decode") {
        e.role = Role::kDecode;
      } else if (*v == "both" || *v == "unified") {
        e.role = Role::kBoth;
      } else {
        return fail(ErrorCode::kInvalid, "expected prefill, decode or both, got \"" + *v + "\"", arg);
      }
    } else if (arg == "--enable-lora") {
      e.enable_lora = true;
    } else if (arg == "--lora-modules" || arg == "--lora-paths") {
      std::vector<std::string> mods = inline_value ? std::vector<std::string>{*inline_value} : list_of(k);
      for (const std::string& m : mods) {
        if (m.starts_with("{")) {
          auto j = nlohmann::ordered_json::parse(m, nullptr, false);
          if (j.is_discarded() || !j.contains("name") || !j.contains("path")) {
            return fail(ErrorCode::kInvalid, "expected name=path or {\"name\":...,\"path\":...}, got " + m, arg);
          }
          e.lora_modules.push_back({j["name"].get<std::string>(), j["path"].get<std::string>()});
        } else {
          size_t eq = m.find('=');
          if (eq == std::string::npos || eq == 0) {
            return fail(ErrorCode::kInvalid, "expected name=path, got \"" + m + "\"", arg);
          }
          e.lora_modules.push_back({m.substr(0, eq), m.substr(eq + 1)});
        }
      }
      e.enable_lora = true;
    } else if (arg == "--max-loras" || arg == "--max-loras-per-batch") {
      ok = uint_flag(e.max_loras, 1);
    } else if (arg == "--max-lora-rank") {
      ok = uint_flag(e.max_lora_rank, 1);
    } else if (arg == "--api-key") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      e.api_key = *v;
    } else if (arg == "--enable-request-id-headers") {
      e.enable_request_id_headers = true;
    } else if (arg == "--engine") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      if (*v == "vllm") {
        e.kind = EngineKind::kVllm;
      } else if (*v == "sglang") {
        e.kind = EngineKind::kSglang;
      } else {
        return fail(ErrorCode::kInvalid, "expected vllm or sglang, got \"" + *v + "\"", arg);
      }
    } else if (arg == "--profile") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      profile = *v;
    } else if (arg == "--time-scale") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      auto d = to_double(arg, *v);
      if (!d) return tl::unexpected(d.error());
      e.time_scale = *d;
    } else if (arg == "--output-len-mean") {
      ok = uint_flag(e.output_len_mean, 1);
    } else if (arg == "--kv-transfer-gbps") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      auto d = to_double(arg, *v);
      if (!d) return tl::unexpected(d.error());
      if (*d <= 0) return fail(ErrorCode::kInvalid, "must be positive", arg);
      e.kv_transfer_gb_per_s = *d;
    } else if (arg == "--bootstrap-timeout-ms") {
      uint32_t ms = 0;
      ok = uint_flag(ms, 1);
      e.bootstrap_timeout = std::chrono::milliseconds(ms);
    } else if (arg == "--kv-lease-ms") {
      uint32_t ms = 0;
      ok = uint_flag(ms, 1);
      e.kv_lease = std::chrono::milliseconds(ms);
    } else if (arg == "--instances") {
      ok = uint_flag(out.fleet.instances, 1);
    } else if (arg == "--base-port") {
      ok = uint_flag(out.fleet.base_port, 1);
    } else if (arg == "--base-address") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      auto check = offset_address(*v, 0);
      if (!check) return tl::unexpected(check.error());
      out.fleet.base_address = *v;
    } else if (arg == "--threads") {
      ok = uint_flag(out.fleet.threads, 0);
    } else if (arg == "--fleet") {
      auto v = value();
      if (!v) return tl::unexpected(v.error());
      out.fleet.fleet_file = *v;
    } else {
      bool quiet = std::find(std::begin(kNoEffect), std::end(kNoEffect), arg) != std::end(kNoEffect);
      std::string shown = args[k];
      // An unknown flag's value (if the next word is not a flag) is skipped with it.
      if (!inline_value && k + 1 < args.size() && !args[k + 1].starts_with("--")) shown += " " + args[++k];
      if (!quiet) out.ignored.push_back(shown);
    }
    if (!ok) return tl::unexpected(ok.error());
  }
  auto p = find_profile(profile);
  if (!p) {
    std::string names;
    for (const ModelProfile& m : model_profiles()) names += (names.empty() ? "" : ", ") + m.name;
    return fail(ErrorCode::kInvalid, "unknown profile \"" + profile + "\" (known: " + names + ")", "--profile");
  }
  e.profile = *p;
  if (!port_set && e.kind == EngineKind::kSglang) e.port = 30000;
  if (e.max_model_len != 0 && e.max_model_len > 10 * 1024 * 1024) {
    return fail(ErrorCode::kInvalid, "unreasonably large", "--max-model-len");
  }
  // vLLM refuses to start when one request of the full context could not fit in the KV cache: such a request would
  // wait at the head of the queue for ever, and every request behind it with it.
  if (uint64_t capacity = uint64_t(e.kv_blocks()) * e.block_size; e.context_length() > capacity) {
    return fail(ErrorCode::kInvalid,
                "The model's max seq len (" + std::to_string(e.context_length()) +
                    ") is larger than the maximum number of tokens that can be stored in KV cache (" +
                    std::to_string(capacity) +
                    "). Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the "
                    "engine.",
                "--max-model-len");
  }
  if (const char* host = std::getenv("VLLM_NIXL_SIDE_CHANNEL_HOST")) e.kv_side_channel_host = host;
  if (const char* port = std::getenv("VLLM_NIXL_SIDE_CHANNEL_PORT")) {
    auto n = to_uint("VLLM_NIXL_SIDE_CHANNEL_PORT", port, 1);
    if (n && *n <= 65535) e.kv_side_channel_port = static_cast<uint16_t>(*n);
  }
  return out;
}

}  // namespace kthena::sim
