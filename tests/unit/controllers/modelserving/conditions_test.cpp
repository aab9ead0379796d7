#include "controllers/modelserving/conditions.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace kthena::controllers::modelserving {
namespace {

constexpr const char* kBefore = "2026-01-01T00:00:00Z";
constexpr const char* kNow = "2026-01-02T03:04:05Z";

Json condition(const char* type, const char* status, const char* reason, const char* message) {
  return Json{{"type", type}, {"status", status}, {"reason", reason}, {"message", message}};
}

Json stored(const char* type, const char* status, const char* reason, const char* message, const char* time = kBefore) {
  return Json{
      {"type", type}, {"status", status}, {"lastTransitionTime", time}, {"reason", reason}, {"message", message}};
}

const Json kAvailable = condition("Available", "True", "AllGroupsReady", "All Serving groups are ready");
const Json kProgressing = condition("Progressing", "True", "GroupProgressing", "Some groups is progressing: [1]");
const Json kUpdating =
    condition("UpdateInProgress", "True", "GroupsUpdating", "Some groups is progressing: [0], Updated Groups are: [1]");

// upstream's SetCondition (utils.go) and its tests in utils_test.go.
TEST(ModelServingConditions, SetConditionMergeRule) {
  struct Case {
    const char* name;
    std::vector<Json> before;
    Json set;
    bool changed;
    std::vector<Json> after;
  };
  const Case cases[] = {
      {"a new type is appended with the transition time",
       {},
       kAvailable,
       true,
       {stored("Available", "True", "AllGroupsReady", "All Serving groups are ready", kNow)}},
      {"same status: kept as it is, message and time included",
       {stored("Progressing", "True", "GroupProgressing", "Some groups is progressing: [0 1]")},
       kProgressing,
       false,
       {stored("Progressing", "True", "GroupProgressing", "Some groups is progressing: [0 1]")}},
      {"status change: replaced",
       {stored("Available", "False", "AllGroupsReady", "old")},
       kAvailable,
       true,
       {stored("Available", "True", "AllGroupsReady", "All Serving groups are ready", kNow)}},
      {"Available turns a True Progressing False",
       {stored("Progressing", "True", "GroupProgressing", "Some groups is progressing: [0]")},
       kAvailable,
       true,
       {stored("Progressing", "False", "GroupProgressing", "Some groups is progressing: [0]", kNow),
        stored("Available", "True", "AllGroupsReady", "All Serving groups are ready", kNow)}},
      {"UpdateInProgress turns a True Available False",
       {stored("Available", "True", "AllGroupsReady", "All Serving groups are ready")},
       kUpdating,
       true,
       {stored("Available", "False", "AllGroupsReady", "All Serving groups are ready", kNow),
        stored("UpdateInProgress", "True", "GroupsUpdating", "Some groups is progressing: [0], Updated Groups are: [1]",
               kNow)}},
      {"Available turns both True others False, and replaces its own False",
       {stored("Available", "False", "AllGroupsReady", "x"), stored("Progressing", "True", "GroupProgressing", "p"),
        stored("UpdateInProgress", "True", "GroupsUpdating", "u")},
       kAvailable,
       true,
       {stored("Available", "True", "AllGroupsReady", "All Serving groups are ready", kNow),
        stored("Progressing", "False", "GroupProgressing", "p", kNow),
        stored("UpdateInProgress", "False", "GroupsUpdating", "u", kNow)}},
      {"Progressing and UpdateInProgress are not exclusive",
       {stored("Progressing", "True", "GroupProgressing", "p")},
       kUpdating,
       true,
       {stored("Progressing", "True", "GroupProgressing", "p"),
        stored("UpdateInProgress", "True", "GroupsUpdating", "Some groups is progressing: [0], Updated Groups are: [1]",
               kNow)}},
      {"a False other keeps its time",
       {stored("Available", "False", "AllGroupsReady", "a")},
       kProgressing,
       true,
       {stored("Available", "False", "AllGroupsReady", "a"),
        stored("Progressing", "True", "GroupProgressing", "Some groups is progressing: [1]", kNow)}},
      {"an exclusive True existing same-status condition: only the other flips",
       {stored("Progressing", "True", "GroupProgressing", "p"), stored("Available", "True", "AllGroupsReady", "a")},
       kAvailable,
       true,
       {stored("Progressing", "False", "GroupProgressing", "p", kNow),
        stored("Available", "True", "AllGroupsReady", "a")}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Json status = {{"replicas", 2}, {"conditions", Json(c.before)}};
    if (c.before.empty()) status.erase("conditions");
    EXPECT_EQ(set_condition(status, c.set, kNow), c.changed);
    EXPECT_EQ(status["conditions"], Json(c.after));
    EXPECT_EQ(status["replicas"], 2);
  }
}

TEST(ModelServingConditions, SetConditionOnAnEmptyStatus) {
  Json status;
  EXPECT_TRUE(set_condition(status, kProgressing, kNow));
  EXPECT_EQ(status, Json::parse(R"({"conditions":[{"type":"Progressing","status":"True",
    "lastTransitionTime":"2026-01-02T03:04:05Z","reason":"GroupProgressing",
    "message":"Some groups is progressing: [1]"}]})"));
  // Fields in metav1.Condition's order whatever the caller's, observedGeneration kept.
  Json status2;
  set_condition(status2, Json::parse(R"({"message":"m","reason":"r","observedGeneration":3,"status":"True",
    "type":"Available","lastTransitionTime":"ignored"})"),
                kNow);
  EXPECT_EQ(status2["conditions"][0], Json::parse(R"({"type":"Available","status":"True","observedGeneration":3,
    "lastTransitionTime":"2026-01-02T03:04:05Z","message":"m","reason":"r"})"));
}

TEST(ModelServingConditions, ScaleLabelSelector) {
  Json ms = Json::parse(R"({"metadata":{"name":"llama"},
    "spec":{"template":{"roles":[{"name":"prefill"},{"name":"decode"}]}}})");
  EXPECT_EQ(scale_label_selector(ms),
            "modelserving.volcano.sh/entry=true,modelserving.volcano.sh/name=llama,modelserving.volcano.sh/"
            "role=prefill,modelserving.volcano.sh/role-id=prefill-0");
  ms["spec"]["template"]["roles"] = Json::array();
  EXPECT_EQ(scale_label_selector(ms), "modelserving.volcano.sh/entry=true,modelserving.volcano.sh/name=llama");
}

TEST(ModelServingConditions, CurrentRevisionChoice) {
  struct Case {
    const char* name;
    const char* existing;
    std::vector<std::string> non_updated;
    const char* expected;
  };
  const Case cases[] = {
      {"every group updated", "old", {}, "new"},
      {"kept while a group still runs it", "r1", {"r2", "r2", "r1"}, "r1"},
      {"otherwise the most frequent", "gone", {"r2", "r1", "r2"}, "r2"},
      {"a tie goes to the smallest", "gone", {"r3", "r2", "r3", "r2"}, "r2"},
      {"no current revision yet", "", {"b", "a"}, "a"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(choose_current_revision(c.existing, "new", c.non_updated), c.expected) << c.name;
  }
}

}  // namespace
}  // namespace kthena::controllers::modelserving
