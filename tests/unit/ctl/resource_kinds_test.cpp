#include "ctl/resource_kinds.h"

#include <gtest/gtest.h>

namespace kthena::ctl {
namespace {

TEST(ResolveKind, UpstreamAliases) {
  struct Case {
    const char* name;
    KthenaKind kind;
    const char* plural;
  };
  for (const Case& c : {Case{"model-boosters", KthenaKind::kModelBooster, "modelboosters"},
                        Case{"model-booster", KthenaKind::kModelBooster, "modelboosters"},
                        Case{"model-servings", KthenaKind::kModelServing, "modelservings"},
                        Case{"ms", KthenaKind::kModelServing, "modelservings"},
                        Case{"model-serving", KthenaKind::kModelServing, "modelservings"},
                        Case{"model-routes", KthenaKind::kModelRoute, "modelroutes"},
                        Case{"mroute", KthenaKind::kModelRoute, "modelroutes"},
                        Case{"model-servers", KthenaKind::kModelServer, "modelservers"},
                        Case{"mserver", KthenaKind::kModelServer, "modelservers"},
                        Case{"autoscaling-policies", KthenaKind::kAutoscalingPolicy, "autoscalingpolicies"},
                        Case{"asp", KthenaKind::kAutoscalingPolicy, "autoscalingpolicies"},
                        Case{"autoscaling-policy", KthenaKind::kAutoscalingPolicy, "autoscalingpolicies"},
                        Case{"Model-Boosters", KthenaKind::kModelBooster, "modelboosters"}}) {
    auto resolved = resolve_kind(c.name);
    ASSERT_TRUE(resolved) << c.name;
    EXPECT_EQ(resolved->kthena, c.kind) << c.name;
    EXPECT_EQ(resolved->resource.plural, c.plural) << c.name;
  }
}

TEST(ResolveKind, KubernetesNamesKeepUpstreamsColumns) {
  for (const char* name :
       {"modelbooster", "modelboosters", "ModelBooster", "modelboosters.workload.serving.volcano.sh"}) {
    auto resolved = resolve_kind(name);
    ASSERT_TRUE(resolved) << name;
    EXPECT_EQ(resolved->kthena, KthenaKind::kModelBooster) << name;
    EXPECT_EQ(resolved->type_name, "model-booster");
  }
  auto pods = resolve_kind("pods");
  ASSERT_TRUE(pods);
  EXPECT_FALSE(pods->kthena);
  EXPECT_EQ(pods->resource.plural, "pods");
  EXPECT_EQ(pods->resource.group, "");
}

TEST(ResolveKind, UnknownNamesListUpstreamsNames) {
  auto resolved = resolve_kind("jobs");
  ASSERT_FALSE(resolved);
  EXPECT_EQ(resolved.error().code, ErrorCode::kNotFound);
  EXPECT_NE(resolved.error().message.find("model-boosters"), std::string::npos);
}

TEST(ResolveTypeName, SplitsAndChecks) {
  auto resolved = resolve_type_name("model-booster/demo");
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->first.kthena, KthenaKind::kModelBooster);
  EXPECT_EQ(resolved->second, "demo");
  EXPECT_FALSE(resolve_type_name("demo"));
  EXPECT_FALSE(resolve_type_name("model-booster/"));
  EXPECT_FALSE(resolve_type_name("/demo"));
  EXPECT_FALSE(resolve_type_name("nothing/demo"));
}

TEST(ResolveObjectKind, ByApiVersionAndKind) {
  auto resolved =
      resolve_object_kind(Json{{"apiVersion", "workload.serving.volcano.sh/v1alpha1"}, {"kind", "ModelServing"}});
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->kthena, KthenaKind::kModelServing);
  auto wrong = resolve_object_kind(Json{{"apiVersion", "batch/v1"}, {"kind", "Job"}});
  ASSERT_FALSE(wrong);
  EXPECT_NE(wrong.error().message.find("Job"), std::string::npos);
  EXPECT_EQ(resolve_object_kind(Json{{"kind", "Pod"}}).error().field, "apiVersion");
}

}  // namespace
}  // namespace kthena::ctl
