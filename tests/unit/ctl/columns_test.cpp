#include "ctl/columns.h"

#include <sstream>

#include <gtest/gtest.h>

namespace kthena::ctl {
namespace {

using namespace std::chrono_literals;

Json with_conditions(std::initializer_list<std::pair<const char*, const char*>> conditions) {
  Json object = {{"metadata", {{"name", "x"}}}, {"status", {{"conditions", Json::array()}}}};
  for (const auto& [type, status] : conditions) {
    object["status"]["conditions"].push_back({{"type", type}, {"status", status}});
  }
  return object;
}

TEST(BoosterStatus, FailedBeatsActiveBeatsInitialized) {
  EXPECT_EQ(booster_status(with_conditions({{"Initialized", "True"}, {"Active", "True"}, {"Failed", "True"}})),
            "Failed");
  EXPECT_EQ(booster_status(with_conditions({{"Initialized", "True"}, {"Active", "True"}, {"Failed", "False"}})),
            "Active");
  EXPECT_EQ(booster_status(with_conditions({{"Initialized", "True"}, {"Active", "False"}})), "Initialized");
  EXPECT_EQ(booster_status(with_conditions({{"Initialized", "False"}})), "Unknown");
  EXPECT_EQ(booster_status(Json{{"metadata", {{"name", "x"}}}}), "Unknown");
  EXPECT_EQ(booster_status(Json{{"status", {{"conditions", "garbage"}}}}), "Unknown");
}

TEST(ServingStatus, AvailableBeatsUpdatingBeatsProgressing) {
  EXPECT_EQ(serving_status(with_conditions({{"Progressing", "True"}, {"Available", "True"}})), "Available");
  EXPECT_EQ(serving_status(with_conditions({{"Progressing", "True"}, {"UpdateInProgress", "True"}})), "Updating");
  EXPECT_EQ(serving_status(with_conditions({{"Progressing", "True"}, {"Available", "False"}})), "Progressing");
  EXPECT_EQ(serving_status(with_conditions({{"Available", "False"}})), "Unknown");
}

TEST(ServingReady, AvailableOverSpecReplicasWhichDefaultToOne) {
  EXPECT_EQ(serving_ready(Json{{"spec", {{"replicas", 3}}}, {"status", {{"availableReplicas", 2}}}}), "2/3");
  EXPECT_EQ(serving_ready(Json{{"spec", Json::object()}}), "0/1");
}

TEST(FilterByName, CaseInsensitiveSubstring) {
  std::vector<Json> items = {{{"metadata", {{"name", "Qwen-demo"}}}},
                             {{"metadata", {{"name", "llama"}}}},
                             {{"metadata", {{"name", "qwen3"}}}}};
  auto kept = filter_by_name(items, "QWEN");
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0]["metadata"]["name"], "Qwen-demo");
  EXPECT_EQ(kept[1]["metadata"]["name"], "qwen3");
  EXPECT_EQ(filter_by_name(items, "").size(), 3u);
  EXPECT_TRUE(filter_by_name(items, "mistral").empty());
}

TEST(KindTable, UpstreamColumnsAndNamespaceFirstForAllNamespaces) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  const auto created = "2023-11-14T22:13:10Z";  // 10 s before `now`
  Json route = {{"metadata", {{"name", "r"}, {"namespace", "ns1"}, {"creationTimestamp", created}}},
                {"spec", {{"modelName", "m"}, {"rules", Json::array({Json::object(), Json::object()})}}}};
  Table t = kind_table(KthenaKind::kModelRoute, {route}, false, now);
  EXPECT_EQ(t.headers, (std::vector<std::string>{"NAME", "MODEL", "RULES", "AGE"}));
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"r", "m", "2", "10s"}));
  t = kind_table(KthenaKind::kModelRoute, {route}, true, now);
  EXPECT_EQ(t.headers.front(), "NAMESPACE");
  EXPECT_EQ(t.rows[0].front(), "ns1");

  Json server = {{"metadata", {{"name", "s"}, {"creationTimestamp", "2023-11-14T19:13:20Z"}}},
                 {"spec", {{"inferenceEngine", "vLLM"}, {"workloadPort", {{"port", 8000}}}}}};
  t = kind_table(KthenaKind::kModelServer, {server}, false, now);
  EXPECT_EQ(t.headers, (std::vector<std::string>{"NAME", "ENGINE", "PORT", "AGE"}));
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"s", "vLLM", "8000", "3h"}));

  Json serving = with_conditions({{"Available", "True"}});
  serving["spec"]["replicas"] = 2;
  serving["status"]["availableReplicas"] = 2;
  t = kind_table(KthenaKind::kModelServing, {serving}, false, now);
  EXPECT_EQ(t.headers, (std::vector<std::string>{"NAME", "READY", "STATUS", "AGE"}));
  EXPECT_EQ(t.rows[0], (std::vector<std::string>{"x", "2/2", "Available", "<unknown>"}));

  t = kind_table(KthenaKind::kModelBooster, {with_conditions({{"Active", "True"}})}, false, now);
  EXPECT_EQ(t.headers, (std::vector<std::string>{"NAME", "STATUS", "AGE"}));
  EXPECT_EQ(t.rows[0][1], "Active");
  t = kind_table(KthenaKind::kAutoscalingPolicy, {with_conditions({})}, false, now);
  EXPECT_EQ(t.headers, (std::vector<std::string>{"NAME", "AGE"}));
}

TEST(ObjectAge, KubectlsHumanDuration) {
  const auto now = std::chrono::system_clock::time_point(std::chrono::seconds(1700000000));
  auto at = [&](std::chrono::seconds ago) {
    auto t = std::chrono::system_clock::to_time_t(now - ago);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
    return Json{{"metadata", {{"creationTimestamp", text}}}};
  };
  EXPECT_EQ(object_age(at(5s), now), "5s");
  EXPECT_EQ(object_age(at(3min), now), "3m");
  EXPECT_EQ(object_age(at(3min + 20s), now), "3m20s");
  EXPECT_EQ(object_age(at(52h), now), "2d4h");
  EXPECT_EQ(object_age(Json::object(), now), "<unknown>");
}

TEST(PrintTable, KubectlLayoutMinimumWidthSixPaddingThree) {
  std::ostringstream out;
  print_table(out, {{"NAME", "STATUS", "AGE"}, {{"a", "Active", "5s"}, {"longer-name", "Unknown", "3m"}}});
  EXPECT_EQ(out.str(),
            "NAME          STATUS    AGE\n"
            "a             Active    5s\n"
            "longer-name   Unknown   3m\n");
  std::ostringstream narrow;
  print_table(narrow, {{"A", "B"}, {{"x", "y"}}});
  EXPECT_EQ(narrow.str(), "A     B\nx     y\n");
}

}  // namespace
}  // namespace kthena::ctl
