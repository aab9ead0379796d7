#include "router/routes/route_table.h"

#include <map>

#include <gtest/gtest.h>

namespace kthena::router {
namespace {

struct Headers : HeaderSource {
  std::map<std::string, std::string> values;  // lower-case names
  std::string_view get(std::string_view name) const override {
    std::string lower(name);
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto it = values.find(lower);
    return it == values.end() ? std::string_view() : std::string_view(it->second);
  }
};

std::shared_ptr<const api::ModelRoute> route(const char* json) {
  auto r = api::decode_model_route(Json::parse(json));
  EXPECT_TRUE(r) << r.error().to_string();
  return std::make_shared<const api::ModelRoute>(*r);
}

TEST(RouteTable, HeaderRulesAndFallback) {
  RouteTable table(
      {route(R"({"metadata":{"name":"multi","namespace":"default"},"spec":{"modelName":"deepseek-multi-models",
    "rules":[{"name":"premium","modelMatch":{"headers":{"user-type":{"exact":"premium"}}},"targetModels":[{"modelServerName":"deepseek-r1-7b"}]},
             {"name":"default","targetModels":[{"modelServerName":"deepseek-r1-1-5b"}]}]}})")});
  Rng rng(1);
  Headers h;
  auto m = table.match("deepseek-multi-models", h, "/v1/chat/completions", rng);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->target_name, "deepseek-r1-1-5b");
  h.values["user-type"] = "premium";
  m = table.match("deepseek-multi-models", h, "/v1/chat/completions", rng);
  EXPECT_EQ(m->target_name, "deepseek-r1-7b");
  EXPECT_EQ(m->rule->name, "premium");
  EXPECT_EQ(m->route->key, "default/multi");
  h.values["user-type"] = "basic";
  EXPECT_EQ(table.match("deepseek-multi-models", h, "/v1/chat/completions", rng)->target_name, "deepseek-r1-1-5b");
  EXPECT_FALSE(table.match("unknown", h, "/", rng));
  EXPECT_TRUE(table.is_registered("deepseek-multi-models"));
  EXPECT_FALSE(table.is_registered("unknown"));
}

TEST(RouteTable, UriBodyAndRegexMatchers) {
  RouteTable table({route(R"({"metadata":{"name":"r"},"spec":{"modelName":"m","rules":[
     {"modelMatch":{"uri":{"prefix":"/v1/completions"}},"targetModels":[{"modelServerName":"completions"}]},
     {"modelMatch":{"body":{"model":"other"}},"targetModels":[{"modelServerName":"never"}]},
     {"modelMatch":{"headers":{"x":{"regex":"b+c"}}},"targetModels":[{"modelServerName":"regex"}]},
     {"modelMatch":{"headers":{"y":{"regex":"("}}},"targetModels":[{"modelServerName":"bad-regex"}]},
     {"modelMatch":{"headers":{"z":{"prefix":""}}},"targetModels":[{"modelServerName":"empty-prefix"}]}]}})")});
  Rng rng(1);
  Headers h;
  EXPECT_EQ(table.match("m", h, "/v1/completions", rng)->target_name, "completions");
  h.values["x"] = "abbcd";  // unanchored
  EXPECT_EQ(table.match("m", h, "/v1/chat/completions", rng)->target_name, "regex");
  h.values.clear();
  EXPECT_EQ(table.match("m", h, "/v1/chat/completions", rng)->target_name, "empty-prefix")
      << "a missing header reads as \"\", which an empty prefix matches; an invalid regex matches nothing";
}

// The webhook validates regexes as Go's regexp reads them, where `(?<name>...)` is a named group; RE2 as linked
// does not know that spelling, and the router compiled it with RE2 directly, so an admitted route never matched.
TEST(RouteTable, RegexesMatchAsTheWebhookValidatedThem) {
  RouteTable table({route(R"({"metadata":{"name":"r"},"spec":{"modelName":"m","rules":[
     {"modelMatch":{"headers":{"x":{"regex":"^(?<tier>gold|silver)-\\d+$"}}},"targetModels":[{"modelServerName":"named"}]},
     {"targetModels":[{"modelServerName":"fallback"}]}]}})")});
  Rng rng(1);
  Headers h;
  h.values["x"] = "gold-42";
  EXPECT_EQ(table.match("m", h, "/v1/completions", rng)->target_name, "named");
  h.values["x"] = "bronze-42";
  EXPECT_EQ(table.match("m", h, "/v1/completions", rng)->target_name, "fallback");
}

TEST(RouteTable, LoraRoutesAndNames) {
  RouteTable table(
      {route(R"({"metadata":{"name":"lora"},"spec":{"loraAdapters":["lora-A","lora-B"],
                              "rules":[{"targetModels":[{"modelServerName":"ms"}]}]}})"),
       route(
           R"({"metadata":{"name":"base"},"spec":{"modelName":"base","rules":[{"targetModels":[{"modelServerName":"ms"}]}]}})")});
  Rng rng(1);
  Headers h;
  auto m = table.match("lora-B", h, "/", rng);
  ASSERT_TRUE(m);
  EXPECT_TRUE(m->lora);
  EXPECT_FALSE(table.match("base", h, "/", rng)->lora);
  EXPECT_EQ(table.model_names(), (std::vector<std::string>{"base", "lora-A", "lora-B"}));
}

TEST(RouteTable, OldestDuplicateWins) {
  auto older = route(R"({"metadata":{"name":"b-new","creationTimestamp":"2026-01-01T00:00:00Z","resourceVersion":"9"},
      "spec":{"modelName":"m","rules":[{"targetModels":[{"modelServerName":"old"}]}]}})");
  auto newer = route(R"({"metadata":{"name":"a-old","creationTimestamp":"2026-02-01T00:00:00Z","resourceVersion":"1"},
      "spec":{"modelName":"m","rules":[{"targetModels":[{"modelServerName":"new"}]}]}})");
  Rng rng(1);
  Headers h;
  EXPECT_EQ(RouteTable({newer, older}).match("m", h, "/", rng)->target_name, "old");
  EXPECT_EQ(RouteTable({newer}).match("m", h, "/", rng)->target_name, "new") << "the newer one takes over";
  // Same timestamp: resourceVersion compared as strings ("10" < "9").
  auto v10 = route(R"({"metadata":{"name":"x","creationTimestamp":"2026-01-01T00:00:00Z","resourceVersion":"10"},
      "spec":{"modelName":"m","rules":[{"targetModels":[{"modelServerName":"v10"}]}]}})");
  EXPECT_EQ(RouteTable({older, v10}).match("m", h, "/", rng)->target_name, "v10");
}

TEST(RouteTable, WeightsAndUnusableRules) {
  RouteTable table({route(R"({"metadata":{"name":"subset"},"spec":{"modelName":"m","rules":[
      {"targetModels":[{"modelServerName":"v1","weight":70},{"modelServerName":"v2","weight":30}]}]}})")});
  Rng rng(3);
  Headers h;
  int v1 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) v1 += table.match("m", h, "/", rng)->target_name == "v1";
  EXPECT_NEAR(static_cast<double>(v1) / n, 0.70, 0.02);

  RouteTable mixed({route(R"({"metadata":{"name":"mixed","creationTimestamp":"1"},"spec":{"modelName":"m","rules":[
      {"targetModels":[{"modelServerName":"a","weight":1},{"modelServerName":"b"}]}]}})"),
                    route(R"({"metadata":{"name":"zero","creationTimestamp":"2"},"spec":{"modelName":"m","rules":[
      {"targetModels":[{"modelServerName":"c","weight":0}]}]}})"),
                    route(R"({"metadata":{"name":"ok","creationTimestamp":"3"},"spec":{"modelName":"m","rules":[
      {"targetModels":[{"modelServerName":"d"}]}]}})")});
  EXPECT_EQ(mixed.match("m", h, "/", rng)->target_name, "d") << "mixed and zero weights fall through to the next route";
}

TEST(RouteTable, RoutesBoundToGatewaysNeedOne) {
  RouteTable table({route(R"({"metadata":{"name":"gw"},"spec":{"modelName":"m","parentRefs":[{"name":"default"}],
                                "rules":[{"targetModels":[{"modelServerName":"a"}]}]}})")});
  Rng rng(1);
  Headers h;
  EXPECT_FALSE(table.match("m", h, "/", rng));
}

}  // namespace
}  // namespace kthena::router
