#include <gtest/gtest.h>

#include "api/values/human_duration.h"
#include "apiserver/rest/discovery.h"
#include "apiserver/served_resources.h"
#include "apiserver/table/json_path.h"
#include "apiserver/table/table_builder.h"
#include "unit/apiserver/test_resources.h"

namespace kthena::apiserver {
namespace {

using namespace std::chrono_literals;
using api::age_of;
using api::human_duration;

TEST(JsonPathTest, TheSubsetOfPrinterColumns) {
  Json object = Json::parse(R"({"status":{"replicas":3,"conditions":[
      {"type":"Initialized","status":"True"},{"type":"Active","status":"False"}]},
      "spec":{"roles":[{"name":"p"},{"name":"d"}]},"metadata":{"labels":{"a.b/c":"x"}}})");
  auto value = [&](const std::string& path) {
    auto parsed = JsonPath::parse(path);
    EXPECT_TRUE(parsed) << path << ": " << (parsed ? "" : parsed.error().message);
    std::vector<Json> out;
    if (parsed) {
      for (const Json* v : parsed->evaluate(object)) out.push_back(*v);
    }
    return out;
  };
  EXPECT_EQ(value(".status.replicas"), std::vector<Json>{3});
  EXPECT_EQ(value(".status.conditions[?(@.type=='Active')].status"), std::vector<Json>{"False"});
  EXPECT_EQ(value(".spec.roles[*].name"), (std::vector<Json>{"p", "d"}));
  EXPECT_EQ(value(".spec.roles[-1].name"), std::vector<Json>{"d"});
  EXPECT_EQ(value(".metadata.labels['a.b/c']"), std::vector<Json>{"x"});
  EXPECT_TRUE(value(".status.missing").empty());
  auto bad = JsonPath::parse(".status[?(@.type~'x')]");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("position"), std::string::npos);
}

TEST(HumanDurationTest, MatchesApimachinery) {
  EXPECT_EQ(human_duration(0s), "0s");
  EXPECT_EQ(human_duration(-1s), "0s");
  EXPECT_EQ(human_duration(-5s), "<invalid>");
  EXPECT_EQ(human_duration(119s), "119s");
  EXPECT_EQ(human_duration(125s), "2m5s");
  EXPECT_EQ(human_duration(600s), "10m");
  EXPECT_EQ(human_duration(3h + 20min), "3h20m");
  EXPECT_EQ(human_duration(30h), "30h");
  EXPECT_EQ(human_duration(24h * 3 + 4h), "3d4h");
  EXPECT_EQ(human_duration(24h * 30), "30d");
  EXPECT_EQ(human_duration(24h * 365 * 3 + 24h * 2), "3y2d");
  EXPECT_EQ(age_of("not a time", std::chrono::system_clock::now()), "<unknown>");
}

TEST(TableTest, PrinterColumnsAndRowMetadata) {
  ServedResource served{testing::modelservings_resource(),
                        {{"Replicas", "integer", "", "Total", 0, ".status.replicas"},
                         {"Active", "string", "", "", 0, ".status.conditions[?(@.type=='Active')].status"},
                         {"Age", "date", "", "", 0, ".metadata.creationTimestamp"}},
                        {}};
  ServedResources resources({served});
  const auto& columns = resources.all()[0].columns;
  ASSERT_EQ(columns.size(), 4u);
  EXPECT_EQ(columns[0].name, "Name");
  Json object =
      Json::parse(R"({"metadata":{"name":"demo","namespace":"default","creationTimestamp":"2020-01-01T00:00:00Z",
      "managedFields":[{}]},"status":{"replicas":2,"conditions":[{"type":"Active","status":"True"}]}})");
  Json table = make_table(columns, {&object}, "7", "tok");
  EXPECT_EQ(table["kind"], "Table");
  EXPECT_EQ(table["metadata"]["resourceVersion"], "7");
  EXPECT_EQ(table["metadata"]["continue"], "tok");
  EXPECT_EQ(table["columnDefinitions"].size(), 4u);
  const Json& row = table["rows"][0];
  EXPECT_EQ(row["cells"][0], "demo");
  EXPECT_EQ(row["cells"][1], 2);
  EXPECT_EQ(row["cells"][2], "True");
  EXPECT_NE(row["cells"][3].get<std::string>().find("y"), std::string::npos) << row["cells"][3];
  EXPECT_EQ(row["object"]["kind"], "PartialObjectMetadata");
  EXPECT_EQ(row["object"]["metadata"]["namespace"], "default");
  EXPECT_FALSE(row["object"]["metadata"].contains("managedFields"));
  Json missing = Json::parse(R"({"metadata":{"name":"x"}})");
  EXPECT_TRUE(table_row(columns, missing, std::chrono::system_clock::now())["cells"][1].is_null());
}

TEST(TableTest, BuiltinKindsHaveTheRealServersColumns) {
  ServedResources resources({{testing::pods_resource(), {}, {}}, {testing::configmaps_resource(), {}, {}}});
  std::vector<std::string> names;
  for (const auto& c : resources.find("", "pods")->columns) names.push_back(c.name + (c.priority ? "*" : ""));
  EXPECT_EQ(names, (std::vector<std::string>{"Name", "Ready", "Status", "Restarts", "Age", "IP*", "Node*",
                                             "Nominated Node*", "Readiness Gates*"}));
  Json pod = Json::parse(R"({"metadata":{"name":"p","deletionTimestamp":"2020-01-01T00:00:00Z"},
      "spec":{"containers":[{"name":"a"},{"name":"b"}],"nodeName":"n1"},
      "status":{"phase":"Running","podIP":"10.0.0.1","containerStatuses":[{"ready":true,"restartCount":2},{"ready":false,"restartCount":1}]}})");
  Json row = table_row(resources.find("", "pods")->columns, pod, std::chrono::system_clock::now());
  EXPECT_EQ(row["cells"][1], "1/2");
  EXPECT_EQ(row["cells"][2], "Terminating");
  EXPECT_EQ(row["cells"][3], "3");
  EXPECT_EQ(row["cells"][5], "10.0.0.1");
  Json cm = Json::parse(R"({"metadata":{"name":"c"},"data":{"a":"1","b":"2"},"binaryData":{"c":"AA=="}})");
  EXPECT_EQ(table_row(resources.find("", "configmaps")->columns, cm, std::chrono::system_clock::now())["cells"][1], 3);
}

TEST(DiscoveryTest, AggregatedAndLegacyDocumentsListScaleAndStatus) {
  ServedResources resources({{testing::namespaces_resource(), {}, {}}, {testing::modelservings_resource(), {}, {}}});
  Json aggregated = aggregated_discovery(resources, false);
  EXPECT_EQ(aggregated["kind"], "APIGroupDiscoveryList");
  // The served group, then the review APIs' two (rest/reviews.h).
  ASSERT_EQ(aggregated["items"].size(), 3u);
  EXPECT_EQ(aggregated["items"][1]["metadata"]["name"], "authentication.k8s.io");
  EXPECT_EQ(aggregated["items"][2]["versions"][0]["resources"][0]["resource"], "selfsubjectaccessreviews");
  EXPECT_EQ(aggregated["items"][2]["versions"][0]["resources"][0]["verbs"], Json::array({"create"}));
  const Json& ms = aggregated["items"][0]["versions"][0]["resources"][0];
  EXPECT_EQ(ms["resource"], "modelservings");
  EXPECT_EQ(ms["scope"], "Namespaced");
  EXPECT_EQ(ms["subresources"][1]["subresource"], "scale");
  EXPECT_EQ(ms["subresources"][1]["responseKind"]["kind"], "Scale");
  Json core = aggregated_discovery(resources, true);
  EXPECT_FALSE(core["items"][0]["metadata"].contains("name"));
  EXPECT_EQ(core["items"][0]["versions"][0]["resources"][0]["scope"], "Cluster");

  Json list = resource_list(resources, "workload.serving.volcano.sh", "v1alpha1");
  std::vector<std::string> names;
  for (const auto& r : list["resources"]) names.push_back(r["name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"modelservings", "modelservings/status", "modelservings/scale"}));
  EXPECT_TRUE(resource_list(resources, "nope", "v1").is_null());
  EXPECT_EQ(resource_list(resources, "authentication.k8s.io", "v1")["resources"].size(), 2u);
  EXPECT_EQ(legacy_group(resources, "authorization.k8s.io")["preferredVersion"]["groupVersion"],
            "authorization.k8s.io/v1");
  EXPECT_EQ(legacy_group_list(resources)["groups"][0]["preferredVersion"]["groupVersion"],
            "workload.serving.volcano.sh/v1alpha1");
  EXPECT_EQ(legacy_core_versions("127.0.0.1:1")["serverAddressByClientCIDRs"][0]["serverAddress"], "127.0.0.1:1");
}

}  // namespace
}  // namespace kthena::apiserver
