#include "apiserver/crd_rules.h"

#include <gtest/gtest.h>

namespace kthena::apiserver {
namespace {

const std::vector<Json>& served() {
  static const std::vector<Json> crds = served_crds(api::KindRegistry::builtin(), "2026-01-01T00:00:00Z");
  return crds;
}

Json served_crd(const std::string& name) {
  for (const Json& crd : served()) {
    if (crd["metadata"]["name"] == name) return crd;
  }
  ADD_FAILURE() << "no served CRD " << name;
  return Json::object();
}

TEST(CrdRules, EveryCustomKindHasAnEstablishedCrdAndNoOtherKindHasOne) {
  size_t custom = 0;
  for (const auto& kind : api::KindRegistry::builtin().kinds()) custom += kind.crd ? 1 : 0;
  ASSERT_GT(custom, 0u);
  EXPECT_LE(served().size(), custom);  // a kind's versions share one CRD
  Json crd = served_crd("modelservings.workload.serving.volcano.sh");
  EXPECT_EQ(crd["metadata"], (Json{{"name", "modelservings.workload.serving.volcano.sh"}}));
  const Json& status = crd["status"];
  ASSERT_EQ(status["conditions"].size(), 2u);
  EXPECT_EQ(status["conditions"][0]["type"], "NamesAccepted");
  EXPECT_EQ(status["conditions"][0]["reason"], "NoConflicts");
  EXPECT_EQ(status["conditions"][1]["type"], "Established");
  EXPECT_EQ(status["conditions"][1]["status"], "True");
  EXPECT_EQ(status["conditions"][1]["lastTransitionTime"], "2026-01-01T00:00:00Z");
  EXPECT_EQ(status["acceptedNames"]["kind"], "ModelServing");
  EXPECT_EQ(status["storedVersions"], Json::array({"v1alpha1"}));
}

TEST(CrdRules, TheCrdOfAServedKindIsAcceptedAsWritten) {
  Json crd = served_crd("modelroutes.networking.serving.volcano.sh");
  crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"] = Json{{"type", "object"}};  // not what we validate with
  crd["spec"]["names"]["shortNames"] = Json::array({"mr"});
  EXPECT_TRUE(check_crd(served(), crd));
}

TEST(CrdRules, ACrdOfAKindNotServedIsForbiddenByName) {
  Json crd = served_crd("modelroutes.networking.serving.volcano.sh");
  crd["metadata"]["name"] = "foos.example.com";
  crd["spec"]["group"] = "example.com";
  auto refused = check_crd(served(), crd);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, 403);
  EXPECT_EQ(refused.error().reason, "Forbidden");
  EXPECT_NE(refused.error().message.find("customresourcedefinitions.apiextensions.k8s.io \"foos.example.com\" is "
                                         "forbidden: the embedded API server serves only its built-in kinds"),
            std::string::npos)
      << refused.error().message;
  EXPECT_NE(refused.error().message.find("modelservings.workload.serving.volcano.sh"), std::string::npos);
}

TEST(CrdRules, ACrdThatNamesAServedKindDifferentlyIsInvalidField) {
  Json crd = served_crd("modelservings.workload.serving.volcano.sh");
  crd["spec"]["scope"] = "Cluster";
  crd["spec"]["names"]["kind"] = "Serving";
  crd["spec"]["versions"].push_back({{"name", "v1"}, {"served", true}, {"storage", false}});
  crd["spec"]["versions"].push_back({{"name", "v2"}, {"served", false}, {"storage", false}});
  auto refused = check_crd(served(), crd);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, 422);
  ASSERT_EQ(refused.error().causes.size(), 3u) << refused.error().message;
  EXPECT_EQ(refused.error().causes[0].field, "spec.names.kind");
  EXPECT_EQ(refused.error().causes[1].field, "spec.scope");
  EXPECT_EQ(refused.error().causes[2].field, "spec.versions[1].name");
  EXPECT_NE(refused.error().message.find("supported values: \"v1alpha1\""), std::string::npos)
      << refused.error().message;
}

TEST(CrdRules, DeletionIsRefusedWithTheReason) {
  ApiStatus status = crd_deletion_refused("modelservings.workload.serving.volcano.sh");
  EXPECT_EQ(status.code, 403);
  EXPECT_NE(status.message.find("deletes every object of its kind"), std::string::npos);
}

}  // namespace
}  // namespace kthena::apiserver
