#include "api/types/model_server.h"

#include <gtest/gtest.h>

#include "api/types/go_duration.h"

namespace kthena::api {
namespace {

using namespace std::chrono_literals;

TEST(ModelServer, DecodesPdServer) {
  Json j = Json::parse(R"({
    "metadata": {"name": "pd", "namespace": "default"},
    "spec": {
      "model": "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", "inferenceEngine": "SGLang",
      "workloadSelector": {"matchLabels": {"app": "x"},
                           "pdGroup": {"groupKey": "g", "prefillLabels": {"role": "p"}, "decodeLabels": {"role": "d"}}},
      "workloadPort": {"port": 30000},
      "trafficPolicy": {"timeout": "10s", "retry": {"attempts": 5}},
      "kvConnector": {}
    }})");
  auto r = decode_model_server(j);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->spec.inference_engine, InferenceEngine::kSglang);
  EXPECT_EQ(r->spec.model, "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B");
  EXPECT_EQ(r->spec.workload_selector.pd_group->group_key, "g");
  EXPECT_EQ(r->spec.workload_selector.pd_group->decode_labels.at("role"), "d");
  EXPECT_EQ(r->spec.workload_port.port, 30000);
  EXPECT_EQ(r->spec.workload_port.protocol, "http");
  EXPECT_EQ(r->spec.traffic_policy->timeout, std::chrono::nanoseconds(10s));
  EXPECT_EQ(r->spec.traffic_policy->retry->attempts, 5);
  EXPECT_EQ(r->spec.traffic_policy->retry->retry_interval, std::chrono::nanoseconds(100ms));
  EXPECT_EQ(r->spec.kv_connector, KvConnectorType::kHttp) << "an empty kvConnector takes the CRD default";
}

TEST(ModelServer, Errors) {
  auto r = decode_model_server(Json::parse(
      R"({"metadata":{"name":"m"},"spec":{"inferenceEngine":"TGI","workloadSelector":{},"workloadPort":{"port":1}}})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "spec.inferenceEngine");
  r = decode_model_server(Json::parse(
      R"({"metadata":{"name":"m"},"spec":{"inferenceEngine":"vLLM","workloadSelector":{},"workloadPort":{"port":1},"trafficPolicy":{"timeout":"10"}}})"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "spec.trafficPolicy.timeout");
  EXPECT_NE(r.error().message.find("missing unit"), std::string::npos) << r.error().message;
}

TEST(GoDuration, ParsesAndFormatsLikeGo) {
  EXPECT_EQ(parse_go_duration("1m30s").value(), std::chrono::nanoseconds(90s));
  EXPECT_EQ(parse_go_duration("1.5h").value(), std::chrono::nanoseconds(5400s));
  EXPECT_EQ(parse_go_duration("100ms").value(), std::chrono::nanoseconds(100ms));
  EXPECT_EQ(parse_go_duration("0").value(), std::chrono::nanoseconds(0));
  EXPECT_EQ(parse_go_duration("-2us").value(), std::chrono::nanoseconds(-2000));
  EXPECT_FALSE(parse_go_duration(""));
  EXPECT_FALSE(parse_go_duration("5"));
  EXPECT_FALSE(parse_go_duration("5x"));
  EXPECT_FALSE(parse_go_duration("s"));
  EXPECT_EQ(format_go_duration(90s), "1m30s");
  EXPECT_EQ(format_go_duration(100ms), "100ms");
  EXPECT_EQ(format_go_duration(1500us), "1.5ms");
  EXPECT_EQ(format_go_duration(0s), "0s");
  EXPECT_EQ(format_go_duration(3h + 1s), "3h0m1s");
}

}  // namespace
}  // namespace kthena::api
