#include "ctl/booster_progress.h"

#include <gtest/gtest.h>

namespace kthena::ctl {
namespace {

Json condition(const char* type, const char* status, const char* message = "") {
  return {{"type", type}, {"status", status}, {"message", message}};
}

Json serving(int replicas, int role_replicas, int workers) {
  return {{"metadata", {{"name", "demo-vllm"}}},
          {"spec",
           {{"replicas", replicas},
            {"template",
             {{"roles", Json::array({{{"name", "r"}, {"replicas", role_replicas}, {"workerReplicas", workers}}})}}}}}};
}

Json pod(bool scheduled, bool ready) {
  Json p = {{"metadata", {{"name", "p"}}}, {"spec", Json::object()}, {"status", {{"conditions", Json::array()}}}};
  if (scheduled) p["spec"]["nodeName"] = "node-1";
  p["status"]["conditions"].push_back(condition("Ready", ready ? "True" : "False"));
  return p;
}

TEST(ExpectedPods, ReplicasTimesRolesTimesEntryAndWorkers) {
  EXPECT_EQ(expected_pods(serving(1, 1, 0)), 1);
  EXPECT_EQ(expected_pods(serving(2, 3, 1)), 12);
  Json two_roles = serving(2, 1, 0);
  two_roles["spec"]["template"]["roles"].push_back({{"name", "d"}, {"replicas", 2}, {"workerReplicas", 2}});
  EXPECT_EQ(expected_pods(two_roles), 2 * (1 + 2 * 3));
  EXPECT_EQ(expected_pods(Json{{"spec", {{"template", {{"roles", Json::array({Json::object()})}}}}}}), 1);
  EXPECT_EQ(expected_pods(Json::object()), 0);
}

TEST(ProgressSnapshot, BoosterPhasesInOrder) {
  Json booster = {{"metadata", {{"name", "demo"}}}, {"status", {{"conditions", Json::array()}}}};
  ProgressObjects objects;
  auto text = [&] { return progress_text(progress_snapshot("ModelBooster", "default", "demo", objects)); };
  auto phase = [&] { return progress_snapshot("ModelBooster", "default", "demo", objects).phase; };

  EXPECT_EQ(phase(), ProgressPhase::kWaiting);
  EXPECT_EQ(text(), "waiting for the ModelBooster to exist");
  objects.target = booster;
  EXPECT_EQ(phase(), ProgressPhase::kCreatingChildren);
  EXPECT_EQ(text(), "creating children (waiting for ModelServing, ModelServer, ModelRoute)");
  objects.servings = {serving(1, 1, 1)};
  objects.has_server = true;
  EXPECT_EQ(text(), "creating children (waiting for ModelRoute)");
  objects.has_route = true;
  EXPECT_EQ(phase(), ProgressPhase::kChildrenCreated);
  EXPECT_EQ(text(), "children created, no pods yet");
  objects.pods = {pod(true, false), pod(false, false)};
  EXPECT_EQ(phase(), ProgressPhase::kScheduling);
  EXPECT_EQ(text(), "pods scheduled 1/2");
  objects.pods = {pod(true, true), pod(true, false)};
  EXPECT_EQ(phase(), ProgressPhase::kStarting);
  EXPECT_EQ(text(), "starting, ready 1/2");
  objects.pods = {pod(true, true), pod(true, true)};
  EXPECT_EQ(phase(), ProgressPhase::kReady);
  EXPECT_EQ(text(), "ready 2/2, waiting for Active");
  objects.target["status"]["conditions"] = Json::array({condition("Initialized", "True"), condition("Active", "True")});
  EXPECT_EQ(phase(), ProgressPhase::kActive);
  EXPECT_EQ(text(), "Active (ready 2/2)");
  objects.target["status"]["conditions"].push_back(condition("Failed", "True", "admission refused the ModelServing"));
  EXPECT_EQ(phase(), ProgressPhase::kFailed);
  EXPECT_EQ(text(), "Failed: admission refused the ModelServing");
}

TEST(ProgressSnapshot, PodsNotYetCreatedCountAsExpected) {
  ProgressObjects objects;
  objects.target = Json{{"metadata", {{"name", "s"}}}};
  objects.servings = {serving(1, 3, 0)};
  objects.pods = {pod(true, true)};
  auto s = progress_snapshot("ModelServing", "ns", "s", objects);
  EXPECT_EQ(s.pods_expected, 3);
  EXPECT_EQ(progress_text(s), "pods scheduled 1/3");
  objects.target["status"]["conditions"] = Json::array({condition("Available", "True")});
  EXPECT_EQ(progress_text(progress_snapshot("ModelServing", "ns", "s", objects)), "Available (ready 1/3)");
}

}  // namespace
}  // namespace kthena::ctl
