#include "api/types/model_route.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

TEST(ModelRoute, DecodesEveryField) {
  Json j = Json::parse(R"({
    "apiVersion": "networking.serving.volcano.sh/v1alpha1", "kind": "ModelRoute",
    "metadata": {"name": "r", "namespace": "ns", "resourceVersion": "12", "creationTimestamp": "2026-01-02T03:04:05Z"},
    "spec": {
      "modelName": "deepseek", "loraAdapters": ["a", "b"],
      "parentRefs": [{"name": "gw", "sectionName": "http", "port": 8080}],
      "rules": [
        {"name": "premium", "modelMatch": {"headers": {"user-type": {"exact": "premium"}, "x": {"regex": "^a.*"}},
                                           "uri": {"prefix": "/v1/chat"}, "body": {"model": "deepseek"}},
         "targetModels": [{"modelServerName": "big", "weight": 70}, {"modelServerName": "small"}]},
        {"targetModels": [{"externalModelProviderName": "openai"}]}
      ],
      "rateLimit": {"inputTokensPerUnit": 30, "unit": "minute", "global": {"redis": {"address": "redis:6379"}}}
    }})");
  auto r = decode_model_route(j);
  ASSERT_TRUE(r) << r.error().to_string();
  EXPECT_EQ(r->metadata.key(), "ns/r");
  EXPECT_EQ(r->metadata.resource_version, "12");
  EXPECT_EQ(r->spec.model_name, "deepseek");
  EXPECT_EQ(r->spec.lora_adapters, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(r->spec.parent_refs.size(), 1u);
  EXPECT_EQ(r->spec.parent_refs[0].port, 8080);
  EXPECT_FALSE(r->spec.parent_refs[0].group.has_value());
  ASSERT_EQ(r->spec.rules.size(), 2u);
  const RouteRule& rule = r->spec.rules[0];
  ASSERT_TRUE(rule.model_match);
  ASSERT_EQ(rule.model_match->headers.size(), 2u);
  EXPECT_EQ(rule.model_match->headers[0].first, "user-type");
  EXPECT_EQ(rule.model_match->headers[0].second.kind, StringMatch::Kind::kExact);
  EXPECT_EQ(rule.model_match->headers[1].second.kind, StringMatch::Kind::kRegex);
  EXPECT_EQ(rule.model_match->uri->kind, StringMatch::Kind::kPrefix);
  EXPECT_EQ(rule.model_match->body_model, "deepseek");
  EXPECT_EQ(rule.target_models[0].weight, 70u);
  EXPECT_FALSE(rule.target_models[1].weight.has_value());
  EXPECT_FALSE(r->spec.rules[1].model_match.has_value());
  EXPECT_EQ(r->spec.rules[1].target_models[0].external_model_provider_name, "openai");
  EXPECT_EQ(r->spec.rate_limit->input_tokens_per_unit, 30u);
  EXPECT_EQ(r->spec.rate_limit->global_redis_address, "redis:6379");
}

TEST(ModelRoute, ErrorsNameTheField) {
  auto check = [](const char* text, const char* field) {
    auto r = decode_model_route(Json::parse(text));
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().field, field) << r.error().to_string();
  };
  check(R"({"metadata":{"name":"r"},"spec":{"rules":[null]}})", "spec.rules[0]");
  check(R"({"metadata":{"name":"r"},"spec":{"rules":[{"targetModels":[{"weight":-1}]}]}})",
        "spec.rules[0].targetModels[0].weight");
  check(R"({"metadata":{"name":"r"},"spec":{"rules":[{"modelMatch":{"headers":{"h":{"exact":1}}}}]}})",
        "spec.rules[0].modelMatch.headers[h].exact");
  check(R"({"metadata":{"name":"r"},"spec":{"loraAdapters":"x"}})", "spec.loraAdapters");
  check(R"({"spec":{}})", "metadata");
}

}  // namespace
}  // namespace kthena::api
