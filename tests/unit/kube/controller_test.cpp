// The controller loop: key mapping, predicates, retries with back-off and requeue-after, one reconcile per key at a
// time.
#include "kube/controller.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include <gtest/gtest.h>

namespace kthena::kube {
namespace {

using namespace std::chrono_literals;

TEST(ControllerKeys, ControllerOwnerKeyNamesTheControllingOwnerOfThatKind) {
  Json pod = {
      {"metadata",
       {{"name", "p"},
        {"namespace", "ns"},
        {"ownerReferences",
         Json::array({{{"apiVersion", "v1"}, {"kind", "ModelServing"}, {"name", "other-group"}, {"controller", true}},
                      {{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
                       {"kind", "ModelServing"},
                       {"name", "not-controller"}},
                      {{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
                       {"kind", "ModelServing"},
                       {"name", "ms"},
                       {"controller", true}}})}}}};
  auto keys = controller_owner_key("workload.serving.volcano.sh", "ModelServing")(pod);
  EXPECT_EQ(keys, std::vector<std::string>{"ns/ms"});
  EXPECT_TRUE(
      controller_owner_key("workload.serving.volcano.sh", "ModelServing")(Json{{"metadata", Json::object()}}).empty());
  EXPECT_EQ(own_key()(pod), std::vector<std::string>{"ns/p"});
}

TEST(ControllerKeys, GenerationChangedIgnoresStatusWrites) {
  Json a = {{"metadata", {{"generation", 1}}}, {"status", {{"x", 1}}}};
  Json b = a;
  b["status"]["x"] = 2;
  EXPECT_FALSE(generation_changed()(a, b));
  b["metadata"]["generation"] = 2;
  EXPECT_TRUE(generation_changed()(a, b));
  Json c = a;
  c["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z";
  EXPECT_TRUE(generation_changed()(a, c));
}

class Recording : public Reconciler {
 public:
  Result<ReconcileResult> reconcile(const std::string& key) override {
    int now = ++in_flight_;
    max_in_flight_ = std::max(max_in_flight_.load(), now);
    std::this_thread::sleep_for(20ms);
    --in_flight_;
    std::lock_guard lock(mutex_);
    int n = ++calls_[key];
    if (key == "fails" && n < 3) return fail(ErrorCode::kConflict, "try again");
    if (key == "later" && n == 1) return ReconcileResult{50ms};
    return ReconcileResult{};
  }
  int calls(const std::string& key) {
    std::lock_guard lock(mutex_);
    return calls_[key];
  }
  std::atomic<int> in_flight_{0}, max_in_flight_{0};

 private:
  std::mutex mutex_;
  std::map<std::string, int> calls_;
};

template <typename F>
bool eventually(F f) {
  for (int i = 0; i < 200; ++i) {
    if (f()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return f();
}

TEST(Controller, RetriesFailuresRequeuesLaterAndNeverRunsOneKeyTwiceAtOnce) {
  Recording r;
  ControllerOptions options;
  options.workers = 4;
  Controller c("test", r, options);
  c.start();
  for (int i = 0; i < 20; ++i) c.enqueue("same");
  c.enqueue("fails");
  c.enqueue("later");
  EXPECT_TRUE(eventually([&] { return r.calls("fails") == 3; }));
  EXPECT_TRUE(eventually([&] { return r.calls("later") == 2; }));
  EXPECT_TRUE(eventually([&] { return r.calls("same") >= 1; }));
  std::this_thread::sleep_for(200ms);
  EXPECT_LE(r.calls("same"), 2) << "twenty adds while queued or running collapse";
  EXPECT_EQ(r.calls("fails"), 3);
  EXPECT_EQ(r.calls("later"), 2);
  c.stop();
  EXPECT_EQ(c.counters().error.load(), 2u);
  std::string text = controller_metrics_text(std::vector<const Controller*>{&c});
  EXPECT_NE(text.find("controller_runtime_reconcile_total{controller=\"test\",result=\"error\"} 2"), std::string::npos)
      << text;
  EXPECT_NE(text.find("# TYPE controller_runtime_reconcile_time_seconds histogram"), std::string::npos);
}

}  // namespace
}  // namespace kthena::kube
