#include "runtime/standard_names.h"

#include <gtest/gtest.h>

namespace kthena::runtime {
namespace {

std::vector<MetricFamily> parse(std::string_view text) {
  auto families = parse_prometheus_text(text);
  EXPECT_TRUE(families.has_value()) << families.error().to_string();
  return families ? *families : std::vector<MetricFamily>{};
}

std::string served(EngineKind engine, std::string_view text) {
  return render_prometheus_text(with_standard_names(engine, parse(text)));
}

TEST(StandardNamesTest, EngineNames) {
  EXPECT_EQ(parse_engine_kind("vllm"), EngineKind::kVllm);
  EXPECT_EQ(parse_engine_kind("vllmdisaggregated"), EngineKind::kVllm);
  EXPECT_EQ(parse_engine_kind("sglang"), EngineKind::kSglang);
  auto bad = parse_engine_kind("tgi");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().to_string(),
            "--engine: unsupported engine \"tgi\" (expected vllm, vllmdisaggregated or sglang)");
}

// Every rule of spec §7.1, one family each, as the engines print them: each copy follows its source.
struct RuleCase {
  EngineKind engine;
  const char* source;
  const char* type;
  const char* sample_suffix;
  const char* target;
};

TEST(StandardNamesTest, EveryRuleOfBothTables) {
  const RuleCase cases[] = {
      {EngineKind::kVllm, "vllm:generation_tokens_total", "counter", "", "kthena:generation_tokens_total"},
      {EngineKind::kVllm, "vllm:num_requests_waiting", "gauge", "", "kthena:num_requests_waiting"},
      {EngineKind::kVllm, "vllm:time_to_first_token_seconds", "histogram", "_count",
       "kthena:time_to_first_token_seconds"},
      {EngineKind::kVllm, "vllm:time_per_output_token_seconds", "histogram", "_sum",
       "kthena:time_per_output_token_seconds"},
      {EngineKind::kVllm, "vllm:e2e_request_latency_seconds", "histogram", "_count",
       "kthena:e2e_request_latency_seconds"},
      {EngineKind::kSglang, "sglang:generation_tokens_total", "counter", "", "kthena:generation_tokens_total"},
      {EngineKind::kSglang, "sglang:num_queue_reqs", "gauge", "", "kthena:num_requests_waiting"},
      {EngineKind::kSglang, "sglang:time_to_first_token_seconds", "histogram", "_sum",
       "kthena:time_to_first_token_seconds"},
      {EngineKind::kSglang, "sglang:inter_token_latency_seconds", "histogram", "_count",
       "kthena:time_per_output_token_seconds"},
      {EngineKind::kSglang, "sglang:e2e_request_latency_seconds", "histogram", "_sum",
       "kthena:e2e_request_latency_seconds"},
  };
  for (const RuleCase& c : cases) {
    std::string family = std::string("# HELP ") + c.source + " Help.\n# TYPE " + c.source + " " + c.type + "\n" +
                         c.source + c.sample_suffix + "{model_name=\"m\"} 3.0\n";
    std::string copy = std::string("# HELP ") + c.target + " Help.\n# TYPE " + c.target + " " + c.type + "\n" +
                       c.target + c.sample_suffix + "{model_name=\"m\"} 3.0\n";
    EXPECT_EQ(served(c.engine, family), family + copy) << c.source;
    // The other engine's table leaves it alone.
    EngineKind other = c.engine == EngineKind::kVllm ? EngineKind::kSglang : EngineKind::kVllm;
    EXPECT_EQ(served(other, family), family) << c.source;
  }
}

TEST(StandardNamesTest, HistogramsKeepTheirSuffixesAndLabels) {
  std::string text =
      "# HELP vllm:e2e_request_latency_seconds Histogram of e2e request latency in seconds.\n"
      "# TYPE vllm:e2e_request_latency_seconds histogram\n"
      "vllm:e2e_request_latency_seconds_bucket{engine=\"0\",le=\"0.3\",model_name=\"m\"} 1.0\n"
      "vllm:e2e_request_latency_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"m\"} 2.0\n"
      "vllm:e2e_request_latency_seconds_count{engine=\"0\",model_name=\"m\"} 2.0\n"
      "vllm:e2e_request_latency_seconds_sum{engine=\"0\",model_name=\"m\"} 0.9\n";
  std::string copy = text;
  for (size_t at; (at = copy.find("vllm:")) != std::string::npos;) copy.replace(at, 5, "kthena:");
  EXPECT_EQ(served(EngineKind::kVllm, text), text + copy);
}

TEST(StandardNamesTest, CounterWithoutTotalInItsTypeLineGetsTheIntendedName) {
  // prometheus_client's model (and OpenMetrics' text) names a counter without _total; upstream's rule, written
  // with _total, never matched it. The copy is declared the same way, so its samples are kthena:..._total.
  std::string text =
      "# TYPE vllm:generation_tokens counter\n"
      "vllm:generation_tokens_total{model_name=\"m\"} 25.0\n";
  EXPECT_EQ(served(EngineKind::kVllm, text), text +
                                                 "# TYPE kthena:generation_tokens counter\n"
                                                 "kthena:generation_tokens_total{model_name=\"m\"} 25.0\n");
}

TEST(StandardNamesTest, AFamilyTheEngineAlreadyNamesKthenaIsNotDuplicated) {
  std::string text =
      "# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting 2\n"
      "# TYPE kthena:num_requests_waiting gauge\nkthena:num_requests_waiting 7\n"
      "# TYPE kthena:generation_tokens counter\nkthena:generation_tokens_total 1\n"
      "# TYPE vllm:generation_tokens_total counter\nvllm:generation_tokens_total 5\n";
  EXPECT_EQ(served(EngineKind::kVllm, text), text);
}

TEST(StandardNamesTest, LeavesOtherFamiliesAndOrderAlone) {
  std::string text =
      "# TYPE vllm:num_requests_running gauge\nvllm:num_requests_running 1\n"
      "# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting 2\n"
      "# TYPE vllm:kv_cache_usage_perc gauge\nvllm:kv_cache_usage_perc 0.5\n";
  auto out = with_standard_names(EngineKind::kVllm, parse(text));
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].name, "vllm:num_requests_running");
  EXPECT_EQ(out[1].name, "vllm:num_requests_waiting");
  EXPECT_EQ(out[2].name, "kthena:num_requests_waiting");
  EXPECT_EQ(out[2].samples[0].value, "2");
  EXPECT_EQ(out[3].name, "vllm:kv_cache_usage_perc");
}

}  // namespace
}  // namespace kthena::runtime
