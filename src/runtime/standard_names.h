// The kthena:* standard metric names (spec kthena-workload.md §7.1, upstream's standard.py): per engine, which of
// its families the runtime also serves under a standard name, so that autoscalers and dashboards read one name
// whatever the engine.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "common/prometheus_text.h"
#include "common/result.h"

namespace kthena::runtime {

enum class EngineKind { kVllm, kSglang };

// vllm, vllmdisaggregated (a vLLM engine in a PD group) and sglang; anything else fails naming the value.
Result<EngineKind> parse_engine_kind(std::string_view name);

struct RenameRule {
  std::string_view source;  // the family as the engine's text names it (counters with their _total)
  std::string_view target;
};

// The rule table of one engine.
std::span<const RenameRule> rename_rules(EngineKind engine);

// `families` with, after each family a rule matches, its renamed copy: every sample name's family prefix replaced,
// so _bucket/_sum/_count/_total stay; HELP, TYPE, labels and values unchanged. A counter family declared without
// _total (`vllm:generation_tokens`, samples `vllm:generation_tokens_total`) matches the rule for its _total name and
// its copy is declared the same way (the intended mapping; upstream's never matched, docs/compatibility.md). A copy
// is left out when any name it would use is already used by a family of the engine (an engine that already serves
// kthena:* names keeps its own, and the output never has two families claiming one sample name).
std::vector<MetricFamily> with_standard_names(EngineKind engine, std::vector<MetricFamily> families);

}  // namespace kthena::runtime
