#include "ctl/status.h"

#include <fstream>

#include <gtest/gtest.h>

#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::ctl {
namespace {

TEST(RequestsByModel, SumsTheRouterCounterByModel) {
  const char* text =
      "# HELP kthena_router_requests_total Requests\n"
      "# TYPE kthena_router_requests_total counter\n"
      "kthena_router_requests_total{model=\"demo\",path=\"/v1/chat/completions\",status_code=\"200\"} 5\n"
      "kthena_router_requests_total{model=\"demo\",path=\"/v1/completions\",status_code=\"500\"} 2\n"
      "kthena_router_requests_total{path=\"/v1/x\",model=\"a \\\"q\\\" b\"} 1.5e1\n"
      "kthena_router_requests_total_other{model=\"demo\"} 100\n"
      "kthena_router_tokens_total{model=\"demo\"} 100\n";
  auto totals = requests_by_model(text);
  ASSERT_TRUE(totals) << totals.error().to_string();
  EXPECT_EQ(totals->size(), 2u);
  EXPECT_DOUBLE_EQ((*totals)["demo"], 7);
  EXPECT_DOUBLE_EQ((*totals)["a \"q\" b"], 15);
  auto bad = requests_by_model("x 1\nkthena_router_requests_total{model=\"m\"} lots\n");
  ASSERT_FALSE(bad);
  EXPECT_TRUE(bad.error().field.starts_with("line 2 ")) << bad.error().to_string();
}

Json labelled(const char* kind, const char* name, std::initializer_list<std::pair<const char*, const char*>> labels) {
  Json object = {{"kind", kind}, {"metadata", {{"name", name}, {"namespace", "default"}, {"labels", Json::object()}}}};
  for (const auto& [k, v] : labels) object["metadata"]["labels"][k] = v;
  return object;
}

TEST(ModelStatuses, BoostersAndStandaloneServingsWithPodsAndRoutes) {
  Json booster = labelled("ModelBooster", "demo", {});
  booster["status"]["conditions"] = Json::array({{{"type", "Initialized"}, {"status", "True"}},
                                                 {{"type", "Active"}, {"status", "False"}},
                                                 {{"type", "Failed"}, {"status", "True"}, {"message", "bad child"}}});
  Json owned = labelled("ModelServing", "demo-vllm", {{"workload.serving.volcano.sh/model-name", "demo"}});
  owned["metadata"]["ownerReferences"] = Json::array({{{"kind", "ModelBooster"}, {"name", "demo"}}});
  owned["spec"] = {{"replicas", 2}, {"template", {{"roles", Json::array({{{"name", "r"}, {"replicas", 1}}})}}}};
  Json standalone = labelled("ModelServing", "solo", {});
  standalone["spec"] = {{"replicas", 1}, {"template", {{"roles", Json::array({{{"name", "r"}, {"replicas", 1}}})}}}};
  standalone["status"]["conditions"] = Json::array({{{"type", "Available"}, {"status", "True"}}});
  Json booster_server = labelled("ModelServer", "demo-vllm", {{"workload.serving.volcano.sh/model-name", "demo"}});
  Json solo_server = labelled("ModelServer", "solo-server", {});
  solo_server["spec"]["workloadSelector"]["matchLabels"]["modelserving.volcano.sh/name"] = "solo";
  Json route = labelled("ModelRoute", "demo", {});
  route["spec"] = {{"modelName", "demo-model"},
                   {"rules", Json::array({{{"targetModels", Json::array({{{"modelServerName", "demo-vllm"}}})}}})}};
  Json solo_route = labelled("ModelRoute", "solo", {});
  solo_route["spec"] = {
      {"modelName", "solo-model"},
      {"rules", Json::array({{{"targetModels", Json::array({{{"modelServerName", "solo-server"}}})}}})}};
  Json ready_pod = labelled("Pod", "demo-vllm-0", {{"modelserving.volcano.sh/name", "demo-vllm"}});
  ready_pod["status"]["conditions"] = Json::array({{{"type", "Ready"}, {"status", "True"}}});
  Json solo_pod = labelled("Pod", "solo-0", {{"modelserving.volcano.sh/name", "solo"}});

  auto rows = model_statuses({booster}, {owned, standalone}, {booster_server, solo_server}, {route, solo_route},
                             {ready_pod, solo_pod});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].name, "demo");
  EXPECT_EQ(rows[0].kind, "ModelBooster");
  EXPECT_EQ(rows[0].status, "Failed");
  EXPECT_EQ(rows[0].conditions, (std::vector<std::string>{"Initialized", "Failed"}));
  EXPECT_EQ(rows[0].problems, (std::vector<std::string>{"Failed: bad child"}));
  EXPECT_EQ(rows[0].pods_ready, 1);
  EXPECT_EQ(rows[0].pods_total, 2);
  EXPECT_EQ(rows[0].models, (std::vector<std::string>{"demo-model"}));
  EXPECT_EQ(rows[1].name, "solo");
  EXPECT_EQ(rows[1].status, "Available");
  EXPECT_EQ(rows[1].pods_ready, 0);
  EXPECT_EQ(rows[1].pods_total, 1);
  EXPECT_EQ(rows[1].models, (std::vector<std::string>{"solo-model"}));

  attach_rates(rows, {{"demo-model", 2.5}});
  EXPECT_DOUBLE_EQ(*rows[0].rate, 2.5);
  EXPECT_DOUBLE_EQ(*rows[1].rate, 0);
  std::ostringstream out;
  print_status(out, rows);
  EXPECT_NE(out.str().find("demo-model"), std::string::npos);
  EXPECT_NE(out.str().find("default/demo: Failed: bad child"), std::string::npos);
}

TEST(ReadEndpoints, MissingIsNotAnError) {
  ::kthena::testing::TempDir dir;
  auto none = read_endpoints(dir.path() / "endpoints.json");
  ASSERT_TRUE(none);
  EXPECT_FALSE(*none);
  std::ofstream(dir.path() / "endpoints.json")
      << R"({"apiserver":"https://127.0.0.1:1","router":"http://127.0.0.1:8080","routerMetrics":"http://127.0.0.1:9/metrics"})";
  auto read = read_endpoints(dir.path() / "endpoints.json");
  ASSERT_TRUE(read && *read);
  EXPECT_EQ((*read)->router_metrics, "http://127.0.0.1:9/metrics");
  std::ofstream(dir.path() / "bad.json") << "[1";
  EXPECT_FALSE(read_endpoints(dir.path() / "bad.json"));
}

}  // namespace
}  // namespace kthena::ctl
