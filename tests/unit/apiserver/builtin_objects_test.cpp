#include "apiserver/builtin_objects.h"

#include <gtest/gtest.h>

#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::apiserver {
namespace {

using ::kthena::testing::TempDir;

ResourceInfo crd_resource() {
  return {"apiextensions.k8s.io",
          "v1",
          "customresourcedefinitions",
          "customresourcedefinition",
          "CustomResourceDefinition",
          "CustomResourceDefinitionList",
          false,
          true,
          std::nullopt,
          true,
          {},
          {}};
}

Json crd(const std::string& transition_time) {
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", "things.example.com"}}},
          {"spec", {{"group", "example.com"}}},
          {"status",
           {{"conditions",
             Json::array({{{"type", "Established"}, {"status", "True"}, {"lastTransitionTime", transition_time}}})}}}};
}

class BuiltinObjectsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(dir_.path() / "state.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    service_ = std::make_unique<ObjectService>(*store_, nullptr, nullptr);
  }
  Result<void> ensure(const Json& object) {
    return ensure_builtin_objects(*service_, resources_,
                                  {{"apiextensions.k8s.io", "customresourcedefinitions", object}});
  }

  TempDir dir_;
  ServedResources resources_{{ServedResource{crd_resource(), {}, {}}}};
  std::unique_ptr<Store> store_;
  std::unique_ptr<ObjectService> service_;
};

TEST_F(BuiltinObjectsTest, AMissingObjectIsCreatedWithItsStatus) {
  ASSERT_TRUE(ensure(crd("t1")));
  auto stored = service_->get(crd_resource(), "", "things.example.com");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored->object)["status"], crd("t1")["status"]);
  EXPECT_FALSE((*stored->object)["metadata"].value("uid", "").empty());
}

TEST_F(BuiltinObjectsTest, ARestartWritesNothingWhenTheStatusStillHolds) {
  ASSERT_TRUE(ensure(crd("t1")));
  const int64_t rv = service_->get(crd_resource(), "", "things.example.com")->rv;
  ASSERT_TRUE(ensure(crd("t2")));  // the next start: same conditions, a later clock
  auto stored = service_->get(crd_resource(), "", "things.example.com");
  EXPECT_EQ(stored->rv, rv);
  EXPECT_EQ((*stored->object)["status"]["conditions"][0]["lastTransitionTime"], "t1");
}

TEST_F(BuiltinObjectsTest, WhatUsersWroteStaysAndTheStatusIsTheBinarys) {
  ASSERT_TRUE(ensure(crd("t1")));
  ASSERT_TRUE(service_->mutate(crd_resource(), "", "things.example.com", [](Json& object) {
    object["metadata"]["labels"] = {{"owner", "me"}};
    object["spec"]["group"] = "written.example.com";
    object["status"]["conditions"][0]["status"] = "False";
  }));
  ASSERT_TRUE(ensure(crd("t2")));
  auto stored = service_->get(crd_resource(), "", "things.example.com");
  EXPECT_EQ((*stored->object)["metadata"]["labels"]["owner"], "me");
  EXPECT_EQ((*stored->object)["spec"]["group"], "written.example.com");
  EXPECT_EQ((*stored->object)["status"]["conditions"][0]["status"], "True");
  EXPECT_EQ((*stored->object)["status"]["conditions"][0]["lastTransitionTime"], "t2");
}

TEST(BuiltinObjects, AConditionThatKeepsItsStatusKeepsItsTransitionTime) {
  Json desired = {{"conditions", Json::array({{{"type", "A"}, {"status", "True"}, {"lastTransitionTime", "new"}},
                                              {{"type", "B"}, {"status", "True"}, {"lastTransitionTime", "new"}}})}};
  Json stored = {{"conditions", Json::array({{{"type", "A"}, {"status", "True"}, {"lastTransitionTime", "old"}},
                                             {{"type", "B"}, {"status", "False"}, {"lastTransitionTime", "old"}}})}};
  Json kept = keep_transition_times(desired, stored);
  EXPECT_EQ(kept["conditions"][0]["lastTransitionTime"], "old");
  EXPECT_EQ(kept["conditions"][1]["lastTransitionTime"], "new");
  EXPECT_EQ(keep_transition_times(desired, Json()), desired);
}

}  // namespace
}  // namespace kthena::apiserver
