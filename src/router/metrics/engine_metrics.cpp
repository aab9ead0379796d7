#include "router/metrics/engine_metrics.h"

#include <cstdlib>
#include <string>

namespace kthena::router {
namespace {

struct Names {
  std::string_view kv_usage, kv_usage_old;
  std::string_view waiting;
  std::string_view running;
  std::string_view tpot, tpot_old;
  std::string_view ttft;
};

constexpr Names kVllm{"vllm:kv_cache_usage_perc",         "vllm:gpu_cache_usage_perc",
                      "vllm:num_requests_waiting",        "vllm:num_requests_running",
                      "vllm:inter_token_latency_seconds", "vllm:time_per_output_token_seconds",
                      "vllm:time_to_first_token_seconds"};
constexpr Names kSglang{"sglang:token_usage",
                        "",
                        "sglang:num_queue_reqs",
                        "sglang:num_running_reqs",
                        "sglang:inter_token_latency_seconds",
                        "sglang:time_per_output_token_seconds",
                        "sglang:time_to_first_token_seconds"};

// One sample line: its metric name and value; false for comments, blank and malformed lines.
bool parse_line(std::string_view line, std::string_view& name, double& value) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  if (i == line.size() || line[i] == '#') return false;
  size_t start = i;
  while (i < line.size() && line[i] != '{' && line[i] != ' ' && line[i] != '\t') ++i;
  name = line.substr(start, i - start);
  if (i < line.size() && line[i] == '{') {
    bool quoted = false;
    for (++i; i < line.size(); ++i) {
      if (quoted) {
        if (line[i] == '\\') {
          ++i;
        } else if (line[i] == '"') {
          quoted = false;
        }
      } else if (line[i] == '"') {
        quoted = true;
      } else if (line[i] == '}') {
        break;
      }
    }
    if (i == line.size()) return false;
    ++i;
  }
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  size_t vstart = i;
  while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
  std::string number(line.substr(vstart, i - vstart));
  if (number.empty()) return false;
  char* end = nullptr;
  value = std::strtod(number.c_str(), &end);  // accepts +Inf, -Inf, NaN as Prometheus writes them
  return end == number.c_str() + number.size();
}

struct Seen {
  std::optional<double> kv, kv_old, waiting, running;
  std::optional<double> tpot_sum, tpot_count, tpot_old_sum, tpot_old_count, ttft_sum, ttft_count;
};

bool is(std::string_view name, std::string_view family, std::string_view suffix) {
  return !family.empty() && name.size() == family.size() + suffix.size() && name.substr(0, family.size()) == family &&
         name.substr(family.size()) == suffix;
}

}  // namespace

EngineSample parse_engine_metrics(api::InferenceEngine engine, std::string_view text) {
  const Names& n = engine == api::InferenceEngine::kSglang ? kSglang : kVllm;
  Seen seen;
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    std::string_view name;
    double value = 0;
    if (!parse_line(line, name, value)) continue;
    if (name == n.kv_usage)
      seen.kv = value;
    else if (!n.kv_usage_old.empty() && name == n.kv_usage_old)
      seen.kv_old = value;
    else if (name == n.waiting)
      seen.waiting = value;
    else if (name == n.running)
      seen.running = value;
    else if (is(name, n.tpot, "_sum"))
      seen.tpot_sum = value;
    else if (is(name, n.tpot, "_count"))
      seen.tpot_count = value;
    else if (is(name, n.tpot_old, "_sum"))
      seen.tpot_old_sum = value;
    else if (is(name, n.tpot_old, "_count"))
      seen.tpot_old_count = value;
    else if (is(name, n.ttft, "_sum"))
      seen.ttft_sum = value;
    else if (is(name, n.ttft, "_count"))
      seen.ttft_count = value;
  }
  EngineSample out;
  out.kv_cache_usage = seen.kv.value_or(seen.kv_old.value_or(0));
  out.waiting = seen.waiting.value_or(0);
  out.running = seen.running.value_or(0);
  if (seen.ttft_sum && seen.ttft_count) out.ttft = HistogramTotals{*seen.ttft_sum, *seen.ttft_count};
  if (seen.tpot_sum && seen.tpot_count) {
    out.tpot = HistogramTotals{*seen.tpot_sum, *seen.tpot_count};
  } else if (seen.tpot_old_sum && seen.tpot_old_count) {
    out.tpot = HistogramTotals{*seen.tpot_old_sum, *seen.tpot_old_count};
  }
  return out;
}

double period_average(const std::optional<HistogramTotals>& previous, const HistogramTotals& now) {
  if (!previous || now.count == 0) return 0;
  if (now.count < previous->count || now.sum < previous->sum) return now.sum / now.count;  // the engine restarted
  double observations = now.count - previous->count;
  if (observations == 0) return 0;
  return (now.sum - previous->sum) / observations;
}

}  // namespace kthena::router
