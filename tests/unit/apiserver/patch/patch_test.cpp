#include <gtest/gtest.h>

#include "apiserver/patch/json_merge_patch.h"
#include "apiserver/patch/json_patch.h"
#include "apiserver/patch/strategic_merge_patch.h"

namespace kthena::apiserver {
namespace {

Json parse(std::string_view text) {
  return Json::parse(text);
}

TEST(JsonMergePatchTest, MergesObjectsDeletesNullsAndReplacesLists) {
  Json doc = parse(R"({"metadata":{"labels":{"a":"1","b":"2"}},"spec":{"list":[1,2],"n":1}})");
  apply_merge_patch(doc, parse(R"({"metadata":{"labels":{"a":null,"c":"3"}},"spec":{"list":[3]}})"));
  EXPECT_EQ(doc, parse(R"({"metadata":{"labels":{"b":"2","c":"3"}},"spec":{"list":[3],"n":1}})"));
  Json empty = doc;
  apply_merge_patch(empty, parse("{}"));
  EXPECT_EQ(empty, doc) << "kubectl label with an unchanged value sends {}";
}

TEST(JsonPatchTest, AppliesEveryOperation) {
  Json doc = parse(R"({"spec":{"replicas":1,"list":["a","b"],"m":{"x":1}}})");
  auto out = apply_json_patch(doc, parse(R"([
    {"op":"replace","path":"/spec/replicas","value":2},
    {"op":"add","path":"/spec/list/-","value":"c"},
    {"op":"add","path":"/spec/list/0","value":"z"},
    {"op":"remove","path":"/spec/list/1"},
    {"op":"copy","from":"/spec/m","path":"/spec/n"},
    {"op":"move","from":"/spec/m/x","path":"/spec/m/y"},
    {"op":"test","path":"/spec/n/x","value":1},
    {"op":"add","path":"/metadata~1x","value":{"a~b":true}}])"));
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out,
            parse(R"({"spec":{"replicas":2,"list":["z","b","c"],"m":{"y":1},"n":{"x":1}},"metadata/x":{"a~b":true}})"));
}

TEST(JsonPatchTest, AFailingOperationNamesItsIndexAndPathAndChangesNothing) {
  Json doc = parse(R"({"spec":{"replicas":1}})");
  auto out = apply_json_patch(doc, parse(R"([{"op":"replace","path":"/spec/replicas","value":2},
                                             {"op":"replace","path":"/spec/missing/x","value":1}])"));
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kInvalid);
  EXPECT_EQ(out.error().message, "json patch operation 1 (replace \"/spec/missing/x\") does not apply: missing value");
  auto test = apply_json_patch(doc, parse(R"([{"op":"test","path":"/spec/replicas","value":5}])"));
  ASSERT_FALSE(test);
  auto bad = apply_json_patch(doc, parse(R"({"op":"add"})"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
  auto index = apply_json_patch(
      doc, parse(R"([{"op":"add","path":"/spec/l","value":[]},{"op":"add","path":"/spec/l/3","value":1}])"));
  ASSERT_FALSE(index);
  EXPECT_NE(index.error().message.find("out of bounds"), std::string::npos);
}

ListMergeRule pod_rules(const std::vector<std::string>& path) {
  std::string joined;
  for (const auto& p : path) joined += "/" + p;
  if (joined == "/spec/containers" || joined == "/spec/containers/env" || joined == "/spec/volumes") {
    return {ListMergeRule::Kind::kMergeByKey, "name"};
  }
  if (joined == "/spec/containers/ports") return {ListMergeRule::Kind::kMergeByKey, "containerPort"};
  if (joined == "/metadata/finalizers") return {ListMergeRule::Kind::kUnion, ""};
  return {};
}

Json pod() {
  return parse(R"({"metadata":{"name":"p","finalizers":["a"]},"spec":{"containers":[
    {"name":"a","image":"img:1","env":[{"name":"X","value":"1"}],"ports":[{"containerPort":80},{"containerPort":81}]},
    {"name":"b","image":"b:1"}],"tolerations":[{"key":"k"}]}})");
}

TEST(StrategicMergePatchTest, KubectlApplyPatchOfAPod) {
  auto out =
      apply_strategic_merge_patch(pod(), parse(R"({"spec":{"$setElementOrder/containers":[{"name":"a"},{"name":"b"}],
                        "containers":[{"env":null,"image":"img:2","name":"a"}]}})"),
                                  pod_rules);
  ASSERT_TRUE(out) << out.error().message;
  const auto& containers = (*out)["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["image"], "img:2");
  EXPECT_FALSE(containers[0].contains("env"));
  EXPECT_EQ(containers[0]["ports"].size(), 2u);
  EXPECT_EQ(containers[1]["name"], "b");
  EXPECT_FALSE(out->dump().find('$') != std::string::npos) << "directives are never stored";
}

TEST(StrategicMergePatchTest, MergesByKeyAppendsDeletesAndUnions) {
  auto out = apply_strategic_merge_patch(pod(), parse(R"({
    "metadata":{"finalizers":["b","a"]},
    "spec":{"containers":[{"name":"c","image":"c:1"},{"name":"b","$patch":"delete"},
                          {"name":"a","ports":[{"containerPort":81,"protocol":"UDP"}]}],
            "tolerations":[{"key":"other"}]}})"),
                                         pod_rules);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ((*out)["metadata"]["finalizers"], parse(R"(["a","b"])"));
  const auto& containers = (*out)["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0]["name"], "a");
  EXPECT_EQ(containers[0]["ports"][1], parse(R"({"containerPort":81,"protocol":"UDP"})"));
  EXPECT_EQ(containers[1]["name"], "c");
  EXPECT_EQ((*out)["spec"]["tolerations"], parse(R"([{"key":"other"}])")) << "lists without a rule are replaced";
}

TEST(StrategicMergePatchTest, ReplaceRetainKeysAndDeleteFromPrimitiveList) {
  auto out = apply_strategic_merge_patch(pod(), parse(R"({
    "metadata":{"$deleteFromPrimitiveList/finalizers":["a"]},
    "spec":{"containers":[{"name":"z","image":"z:1"},{"$patch":"replace"}],
            "strategy":{"$retainKeys":["type"],"type":"Recreate"}}})"),
                                         pod_rules);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ((*out)["metadata"]["finalizers"], Json::array());
  EXPECT_EQ((*out)["spec"]["containers"], parse(R"([{"name":"z","image":"z:1"}])"));
  EXPECT_EQ((*out)["spec"]["strategy"], parse(R"({"type":"Recreate"})"));
}

TEST(StrategicMergePatchTest, AnElementWithoutItsMergeKeyIsABadRequest) {
  auto out = apply_strategic_merge_patch(pod(), parse(R"({"spec":{"containers":[{"image":"x"}]}})"), pod_rules);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(out.error().message.find("does not contain declared merge key: name"), std::string::npos);
  auto unknown = apply_strategic_merge_patch(pod(), parse(R"({"spec":{"$bogus":1}})"), pod_rules);
  ASSERT_FALSE(unknown);
}

}  // namespace
}  // namespace kthena::apiserver
