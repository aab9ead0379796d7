#include "common/prometheus_text.h"

#include <fstream>
#include <iterator>

#include <gtest/gtest.h>

namespace kthena::runtime {
namespace {

std::vector<MetricFamily> parse_ok(std::string_view text) {
  auto families = parse_prometheus_text(text);
  EXPECT_TRUE(families.has_value()) << families.error().to_string();
  return families ? *families : std::vector<MetricFamily>{};
}

std::string parse_error(std::string_view text) {
  auto families = parse_prometheus_text(text);
  EXPECT_FALSE(families.has_value()) << text;
  return families ? "" : families.error().to_string();
}

TEST(PrometheusTextTest, ReadsFamiliesWithHelpTypeLabelsAndTimestamps) {
  auto families = parse_ok(
      "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.\n"
      "# TYPE vllm:num_requests_waiting gauge\n"
      "vllm:num_requests_waiting{engine=\"0\",model_name=\"Qwen/Qwen3-8B\"} 2.0\n"
      "# TYPE t counter\n"
      "t_total{a=\"x\"} 1 1700000000000\n");
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].name, "vllm:num_requests_waiting");
  EXPECT_EQ(families[0].help, "Number of requests waiting to be processed.");
  EXPECT_EQ(families[0].type, MetricType::kGauge);
  ASSERT_EQ(families[0].samples.size(), 1u);
  const Sample& s = families[0].samples[0];
  EXPECT_EQ(s.labels,
            (std::vector<std::pair<std::string, std::string>>{{"engine", "0"}, {"model_name", "Qwen/Qwen3-8B"}}));
  EXPECT_EQ(s.value, "2.0");
  EXPECT_FALSE(s.timestamp);
  EXPECT_EQ(families[1].samples[0].name, "t_total");
  EXPECT_EQ(families[1].samples[0].timestamp, "1700000000000");
}

TEST(PrometheusTextTest, UnescapesAndEscapesAgain) {
  std::string text =
      "# HELP x back\\\\slash and\\nnewline\n"
      "x{path=\"a\\\"b\\\\c\\nd\"} 1\n";
  auto families = parse_ok(text);
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].help, "back\\slash and\nnewline");
  EXPECT_EQ(families[0].samples[0].labels[0].second, "a\"b\\c\nd");
  EXPECT_EQ(render_prometheus_text(families), text);
}

TEST(PrometheusTextTest, HistogramAndSummarySuffixesStayInTheirFamily) {
  auto families = parse_ok(
      "# TYPE h histogram\nh_bucket{le=\"0.1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_count 2\nh_sum 0.3\n"
      "# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n");
  ASSERT_EQ(families.size(), 2u);
  EXPECT_EQ(families[0].samples.size(), 4u);
  EXPECT_EQ(families[1].samples.size(), 3u);
}

TEST(PrometheusTextTest, ToleratesWhatEnginesWrite) {
  auto families =
      parse_ok("\n  # just a comment\n#\nuntyped_a 1\n\tuntyped_b{ a = \"1\" , } +Inf\nc{} NaN\nd 1e+20\ne -Inf\nf 3");
  ASSERT_EQ(families.size(), 6u);
  EXPECT_FALSE(families[0].type_declared);
  EXPECT_EQ(families[0].type, MetricType::kUntyped);
  EXPECT_EQ(families[5].samples[0].value, "3");  // the last line may lack its newline
}

TEST(PrometheusTextTest, CounterDeclaredWithoutTotalOwnsTheTotalSamples) {
  auto families = parse_ok("# TYPE g counter\ng_total 5\n");
  ASSERT_EQ(families.size(), 1u);
  EXPECT_EQ(families[0].name, "g");
  EXPECT_EQ(families[0].samples[0].name, "g_total");
}

TEST(PrometheusTextTest, RefusalsNameTheLine) {
  EXPECT_EQ(parse_error("a 1\nb{x=\"1\" 2\n"), "line 2 column 9: expected ',' or '}' after a label");
  EXPECT_NE(parse_error("a one\n").find("line 1"), std::string::npos);
  EXPECT_NE(parse_error("a\n").find("sample without a value"), std::string::npos);
  EXPECT_NE(parse_error("a 1 12.5\n").find("invalid timestamp"), std::string::npos);
  EXPECT_NE(parse_error("a 1\r\n").find("invalid value"), std::string::npos);
  EXPECT_NE(parse_error("a{x=\"\\t\"} 1\n").find("invalid escape"), std::string::npos);
  EXPECT_NE(parse_error("a{x=\"1} 1\n").find("closing quote"), std::string::npos);
  EXPECT_NE(parse_error("a{x=\"1\",x=\"2\"} 1\n").find("label x appears twice"), std::string::npos);
  EXPECT_NE(parse_error("a{1x=\"1\"} 1\n").find("label name"), std::string::npos);
  EXPECT_NE(parse_error("a{x:y=\"1\"} 1\n").find("'='"), std::string::npos);
  EXPECT_NE(parse_error("# TYPE a gaug\n").find("unknown metric type"), std::string::npos);
  EXPECT_NE(parse_error("# TYPE a gauge extra\n").find("after the metric type"), std::string::npos);
  EXPECT_NE(parse_error("# HELP a x\\y\n").find("invalid escape"), std::string::npos);
  EXPECT_NE(parse_error("# HELP 9a x\n").find("metric name"), std::string::npos);
  EXPECT_NE(parse_error("a-b 1\n").find("blank or"), std::string::npos);
}

TEST(PrometheusTextTest, RefusesWhatPrometheusWouldReadAsOneFamilyTwice) {
  EXPECT_NE(parse_error("a 1\nb 1\na 2\n").find("contiguous"), std::string::npos);
  EXPECT_NE(parse_error("a 1\n# TYPE a gauge\n").find("TYPE line for a"), std::string::npos);
  EXPECT_NE(parse_error("# TYPE a gauge\n# TYPE a gauge\n").find("TYPE line for a"), std::string::npos);
  EXPECT_NE(parse_error("# HELP a x\n# HELP a y\n").find("HELP line for a"), std::string::npos);
  EXPECT_NE(parse_error("# TYPE h histogram\nh 1\n").find("h"), std::string::npos);
  EXPECT_NE(parse_error("h_bucket 1\n# TYPE h histogram\n").find("h_bucket"), std::string::npos);
}

TEST(PrometheusTextTest, TheSimulatorsExpositionsSurviveARoundTrip) {
  for (const char* name : {"sim_vllm_metrics", "sim_sglang_metrics"}) {
    std::ifstream in(std::string(KTHENA_SOURCE_DIR) + "/tests/fuzz/corpus/prometheus_text/" + name);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(text.empty()) << name;
    auto families = parse_ok(text);
    EXPECT_GT(families.size(), 10u) << name;
    // The simulator prints what prometheus_client prints, which is what the renderer prints.
    EXPECT_EQ(render_prometheus_text(families), text) << name;
  }
}

}  // namespace
}  // namespace kthena::runtime
