#include <gtest/gtest.h>

#include "apiserver/rest/api_path.h"
#include "apiserver/rest/continue_token.h"
#include "apiserver/rest/object_matcher.h"
#include "apiserver/rest/request_body.h"

namespace kthena::apiserver {
namespace {

TEST(ApiPathTest, ClassifiesEveryShapeKubectlUses) {
  auto group_list = parse_api_path("/apis");
  ASSERT_TRUE(group_list);
  EXPECT_EQ(group_list->level, ApiPath::Level::kGroupList);
  EXPECT_FALSE(group_list->legacy);
  EXPECT_TRUE(parse_api_path("/api")->legacy);
  EXPECT_EQ(parse_api_path("/apis/workload.serving.volcano.sh")->level, ApiPath::Level::kGroup);
  auto gv = parse_api_path("/api/v1");
  EXPECT_EQ(gv->level, ApiPath::Level::kGroupVersion);
  EXPECT_EQ(gv->version, "v1");

  auto scale = parse_api_path("/apis/workload.serving.volcano.sh/v1alpha1/namespaces/default/modelservings/demo/scale");
  ASSERT_TRUE(scale);
  EXPECT_EQ(scale->level, ApiPath::Level::kResource);
  EXPECT_EQ(scale->group, "workload.serving.volcano.sh");
  EXPECT_EQ(scale->ns, "default");
  EXPECT_EQ(scale->resource, "modelservings");
  EXPECT_EQ(scale->name, "demo");
  EXPECT_EQ(scale->subresource, "scale");

  auto all_namespaces = parse_api_path("/api/v1/pods");
  EXPECT_EQ(all_namespaces->resource, "pods");
  EXPECT_TRUE(all_namespaces->ns.empty());

  // namespaces/<name> and its status are the Namespace itself, not a namespaced collection.
  auto ns = parse_api_path("/api/v1/namespaces/team");
  EXPECT_EQ(ns->resource, "namespaces");
  EXPECT_EQ(ns->name, "team");
  auto ns_status = parse_api_path("/api/v1/namespaces/team/status");
  EXPECT_EQ(ns_status->resource, "namespaces");
  EXPECT_EQ(ns_status->subresource, "status");
  auto collection = parse_api_path("/api/v1/namespaces/team/configmaps");
  EXPECT_EQ(collection->ns, "team");
  EXPECT_EQ(collection->resource, "configmaps");

  EXPECT_FALSE(parse_api_path("/healthz"));
  EXPECT_FALSE(parse_api_path("/api/v1/namespaces/a/pods/p/status/extra"));
  EXPECT_EQ(parse_api_path("/api/v1/namespaces/default/configmaps/a%20b")->name, "a b");
}

Json pod(const std::string& name, const std::string& node, const std::string& phase) {
  return Json{{"metadata", {{"name", name}, {"namespace", "default"}, {"labels", {{"app", name}}}}},
              {"spec", {{"nodeName", node}}},
              {"status", {{"phase", phase}}}};
}

TEST(ObjectMatcherTest, LabelAndFieldSelectors) {
  auto matcher = make_object_matcher("app in (a,b)", "spec.nodeName=n1,status.phase!=Failed");
  ASSERT_TRUE(matcher);
  EXPECT_TRUE((*matcher)(pod("a", "n1", "Running")));
  EXPECT_FALSE((*matcher)(pod("a", "n2", "Running")));
  EXPECT_FALSE((*matcher)(pod("a", "n1", "Failed")));
  EXPECT_FALSE((*matcher)(pod("c", "n1", "Running")));
  auto everything = make_object_matcher("", "");
  ASSERT_TRUE(everything);
  EXPECT_FALSE(*everything) << "no predicate at all when nothing is selected";
  auto event = make_object_matcher("", "involvedObject.name=p,involvedObject.kind=Pod,source=kubelet");
  ASSERT_TRUE(event);
  EXPECT_TRUE(
      (*event)(Json{{"involvedObject", {{"name", "p"}, {"kind", "Pod"}}}, {"source", {{"component", "kubelet"}}}}));
  auto unsupported = make_object_matcher("", "spec.replicas=1");
  ASSERT_FALSE(unsupported);
  EXPECT_EQ(unsupported.error().message, "field label not supported: spec.replicas");
  EXPECT_FALSE(make_object_matcher("a in (", ""));
}

TEST(ContinueTokenTest, RoundTripsAndRejectsForeignTokens) {
  auto token = encode_continue({42, "default", "cm-7"});
  auto point = decode_continue(token);
  ASSERT_TRUE(point);
  EXPECT_EQ(point->rv, 42);
  EXPECT_EQ(point->ns, "default");
  EXPECT_EQ(point->name, "cm-7");
  auto bad = decode_continue("bm90IGEgdG9rZW4=");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
  EXPECT_NE(bad.error().message.find("continue key is not valid"), std::string::npos);
}

TEST(RequestBodyTest, DecodesByContentTypeAndNamesPositions) {
  EXPECT_EQ(media_type("application/json; charset=utf-8"), "application/json");
  auto yaml = decode_object_body("application/yaml", "kind: ConfigMap\nmetadata: {name: a}\n");
  ASSERT_TRUE(yaml);
  EXPECT_EQ((*yaml)["metadata"]["name"], "a");
  auto broken = decode_object_body("application/json", "{\n  \"kind\": ,\n}");
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, 400);
  EXPECT_NE(broken.error().message.find("body:2:"), std::string::npos) << broken.error().message;
  auto duplicate = decode_object_body("application/json", R"({"a":1,"a":2})");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(decode_object_body("text/plain", "x").error().code, 415);
  EXPECT_EQ(*patch_type_of("application/merge-patch+json"), PatchType::kMerge);
  EXPECT_EQ(*patch_type_of("application/apply-patch+yaml"), PatchType::kApply);
  EXPECT_EQ(patch_type_of("application/json").error().code, 415);
}

}  // namespace
}  // namespace kthena::apiserver
