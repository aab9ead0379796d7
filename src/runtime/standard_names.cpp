#include "runtime/standard_names.h"

#include <string>
#include <unordered_set>

namespace kthena::runtime {
namespace {

constexpr RenameRule kVllmRules[] = {
    {"vllm:generation_tokens_total", "kthena:generation_tokens_total"},
    {"vllm:num_requests_waiting", "kthena:num_requests_waiting"},
    {"vllm:time_to_first_token_seconds", "kthena:time_to_first_token_seconds"},
    {"vllm:time_per_output_token_seconds", "kthena:time_per_output_token_seconds"},
    {"vllm:e2e_request_latency_seconds", "kthena:e2e_request_latency_seconds"},
};

constexpr RenameRule kSglangRules[] = {
    {"sglang:generation_tokens_total", "kthena:generation_tokens_total"},
    {"sglang:num_queue_reqs", "kthena:num_requests_waiting"},
    {"sglang:time_to_first_token_seconds", "kthena:time_to_first_token_seconds"},
    {"sglang:inter_token_latency_seconds", "kthena:time_per_output_token_seconds"},
    {"sglang:e2e_request_latency_seconds", "kthena:e2e_request_latency_seconds"},
};

constexpr std::string_view kTotal = "_total";

// The renamed copy of `family` under `rule`, or nullopt when the rule does not name it.
std::optional<MetricFamily> renamed(const MetricFamily& family, const RenameRule& rule) {
  std::string target(rule.target);
  if (family.name != rule.source) {
    // A counter declared without _total, whose samples carry it: match the rule on the sample name, and declare
    // the copy without _total too, so that its samples come out as target_total.
    bool bare_counter = family.type == MetricType::kCounter && family.name + std::string(kTotal) == rule.source;
    if (!bare_counter || !target.ends_with(kTotal)) return std::nullopt;
    target.resize(target.size() - kTotal.size());
  }
  MetricFamily copy = family;
  copy.name = target;
  for (Sample& s : copy.samples) s.name = target + s.name.substr(family.name.size());
  return copy;
}

}  // namespace

Result<EngineKind> parse_engine_kind(std::string_view name) {
  if (name == "vllm" || name == "vllmdisaggregated") return EngineKind::kVllm;
  if (name == "sglang") return EngineKind::kSglang;
  return fail(ErrorCode::kInvalid,
              "unsupported engine \"" + std::string(name) + "\" (expected vllm, vllmdisaggregated or sglang)",
              "--engine");
}

std::span<const RenameRule> rename_rules(EngineKind engine) {
  if (engine == EngineKind::kSglang) return kSglangRules;
  return kVllmRules;
}

std::vector<MetricFamily> with_standard_names(EngineKind engine, std::vector<MetricFamily> families) {
  std::unordered_set<std::string> used;
  for (const MetricFamily& f : families) {
    for (std::string& name : claimed_names(f)) used.insert(std::move(name));
    for (const Sample& s : f.samples) used.insert(s.name);
  }
  std::vector<MetricFamily> out;
  out.reserve(families.size() + rename_rules(engine).size());
  for (MetricFamily& family : families) {
    std::optional<MetricFamily> copy;
    for (const RenameRule& rule : rename_rules(engine)) {
      if ((copy = renamed(family, rule))) break;
    }
    out.push_back(std::move(family));
    if (!copy) continue;
    std::vector<std::string> names = claimed_names(*copy);
    bool clash = false;
    for (const std::string& n : names) clash = clash || used.contains(n);
    if (clash) continue;
    for (std::string& n : names) used.insert(std::move(n));
    out.push_back(std::move(*copy));
  }
  return out;
}

}  // namespace kthena::runtime
