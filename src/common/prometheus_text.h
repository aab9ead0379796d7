// The Prometheus text exposition format 0.0.4, as engines serve it on /metrics: a parser strict enough that whatever
// it accepts renders back into text that Prometheus (and this parser) read as the same families, and the renderer.
// The runtime reads an engine's metrics with it and serves them again beside the kthena:* copies (docs/runtime.md);
// `kthena status` reads the router's request counters with it.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kthena {

enum class MetricType { kCounter, kGauge, kHistogram, kSummary, kUntyped };

std::string_view to_string(MetricType type);

struct Sample {
  std::string name;                                         // the family's name, or it plus _bucket, _sum, ...
  std::vector<std::pair<std::string, std::string>> labels;  // in the order written, values unescaped
  std::string value;                                        // as written (a valid float: "4.0", "+Inf", "NaN")
  std::optional<std::string> timestamp;                     // milliseconds, as written

  bool operator==(const Sample&) const = default;
};

struct MetricFamily {
  std::string name;
  std::optional<std::string> help;  // unescaped; absent without a # HELP line
  MetricType type = MetricType::kUntyped;
  bool type_declared = false;  // a # TYPE line was written (an untyped family may have none)
  std::vector<Sample> samples;

  bool operator==(const MetricFamily&) const = default;
};

// Whether `sample_name` is a sample of a family named `family` of type `type`: the name itself (histograms excepted),
// name_bucket/_sum/_count for histograms, name_sum/_count for summaries, and name_total for counters declared
// without the suffix (prometheus_client's model of a counter; OpenMetrics writes its TYPE line that way).
bool is_sample_of(std::string_view family, MetricType type, std::string_view sample_name);

// Every sample name a family may use (its name and the suffixed names of is_sample_of), so that no two families of
// one exposition claim the same one: Prometheus would read the samples of both as one family.
std::vector<std::string> claimed_names(const MetricFamily& family);

// Families in the order they appear. A sample joins the family before it when its name fits that family
// (is_sample_of), and otherwise starts an untyped one. Refused, with the line number in Error::field: malformed
// names, labels, escapes, values and timestamps; unknown TYPEs; a TYPE after the family's samples; a second HELP or
// TYPE for one family; samples of one family that are not contiguous; one label twice in a sample. Comments and
// blank lines are skipped. Time and memory are linear in the input; nothing recurses.
Result<std::vector<MetricFamily>> parse_prometheus_text(std::string_view text);

// Text 0.0.4: per family its HELP and TYPE lines (when present) and its samples, every line ending in '\n'.
std::string render_prometheus_text(std::span<const MetricFamily> families);
void render_family(const MetricFamily& family, std::string& out);

}  // namespace kthena
