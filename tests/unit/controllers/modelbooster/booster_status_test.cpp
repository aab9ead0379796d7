#include "controllers/modelbooster/booster_status.h"

#include <gtest/gtest.h>

#include <string>

namespace kthena::controllers::modelbooster {
namespace {

constexpr const char* kT1 = "2026-01-01T00:00:00Z";
constexpr const char* kT2 = "2026-01-02T00:00:00Z";
constexpr const char* kT3 = "2026-01-03T00:00:00Z";

const Json& condition(const Json& status, const std::string& type) {
  for (const Json& c : status["conditions"]) {
    if (c["type"] == type) return c;
  }
  static const Json kNone;
  return kNone;
}

std::string describe(const Json& c) {
  return c.is_null() ? "none" : c["status"].get<std::string>() + "/" + c["reason"].get<std::string>();
}

ReconcileOutcome progressing() {
  return {};
}
ReconcileOutcome active() {
  return {std::nullopt, true};
}
ReconcileOutcome failed(std::string why, bool serving = false) {
  return {std::move(why), serving};
}

// The lifecycle the product document promises: Initialized once, Active when the ModelServing is Available,
// Failed with the cause, then cleared.
TEST(BoosterStatus, Lifecycle) {
  Json s = booster_status(Json(), 1, progressing(), kT1);
  ASSERT_EQ(s["conditions"].size(), 2u);  // no Failed until something fails
  EXPECT_EQ(s["conditions"][0], (Json{{"type", "Initialized"},
                                      {"status", "True"},
                                      {"lastTransitionTime", kT1},
                                      {"reason", "ModelCreating"},
                                      {"message", "ModelBooster initialized"}}));
  EXPECT_EQ(describe(condition(s, "Active")), "False/ModelProcessing");
  EXPECT_EQ(condition(s, "Active")["message"], "ModelBooster not ready yet");
  EXPECT_EQ(s["observedGeneration"], 1);

  s = booster_status(s, 1, active(), kT2);
  EXPECT_EQ(describe(condition(s, "Active")), "True/ModelAvailable");
  EXPECT_EQ(condition(s, "Active")["message"], "ModelBooster is ready");
  EXPECT_EQ(condition(s, "Active")["lastTransitionTime"], kT2);
  EXPECT_EQ(condition(s, "Initialized")["lastTransitionTime"], kT1);

  s = booster_status(s, 2, failed("ModelServing m-b: spec.template: Invalid value"), kT3);
  EXPECT_EQ(describe(condition(s, "Failed")), "True/ModelAbnormal");
  EXPECT_EQ(condition(s, "Failed")["message"], "ModelServing m-b: spec.template: Invalid value");
  EXPECT_EQ(describe(condition(s, "Active")), "False/ModelAbnormal");
  EXPECT_EQ(s["observedGeneration"], 2);

  s = booster_status(s, 3, active(), kT3);
  EXPECT_EQ(describe(condition(s, "Failed")), "False/ModelRecovered");
  EXPECT_EQ(describe(condition(s, "Active")), "True/ModelAvailable");
}

// Upstream sets Active False at the start of every reconcile; here a reconcile of an active booster changes
// nothing, so it writes nothing.
TEST(BoosterStatus, AnActiveBoosterDoesNotFlap) {
  Json s = booster_status(booster_status(Json(), 1, active(), kT1), 1, active(), kT1);
  EXPECT_EQ(booster_status(s, 1, active(), kT2), s);
}

// meta.SetStatusCondition: the message follows the cause, the transition time only the status.
TEST(BoosterStatus, FailedMessageFollowsTheCauseAndKeepsItsTransitionTime) {
  Json s = booster_status(Json(), 1, failed("first"), kT1);
  s = booster_status(s, 1, failed("second"), kT2);
  EXPECT_EQ(condition(s, "Failed")["message"], "second");
  EXPECT_EQ(condition(s, "Failed")["lastTransitionTime"], kT1);
}

// A failed update leaves the old ModelServing serving: Active stays False while Failed is True, as upstream.
TEST(BoosterStatus, FailedWinsOverAnAvailableServing) {
  Json s = booster_status(Json(), 1, failed("refused", true), kT1);
  EXPECT_EQ(describe(condition(s, "Active")), "False/ModelAbnormal");
}

TEST(BoosterStatus, KeepsOtherStatusFields) {
  Json old = {{"conditions", Json::array()}, {"observedGeneration", 4}};
  Json s = booster_status(old, 5, progressing(), kT1);
  EXPECT_EQ(s["observedGeneration"], 5);
  EXPECT_EQ(describe(condition(s, "Initialized")), "True/ModelCreating");
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
