#include "kube/leader_elector.h"

#include <thread>

#include <gtest/gtest.h>

#include "unit/kube/test_server.h"

namespace kthena::kube {
namespace {

using namespace std::chrono_literals;

LeaderElectionOptions fast(const std::string& identity) {
  LeaderElectionOptions options;
  options.ns = "default";
  options.name = "controller";
  options.identity = identity;
  options.lease_duration = 1500ms;
  options.renew_deadline = 1000ms;
  options.retry_period = 200ms;
  return options;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

TEST(LeaderElectorTest, ExactlyOneLeadsAndASuccessorTakesOverOnRelease) {
  testing::TestServer server;
  auto a = std::make_unique<LeaderElector>(server.client(), fast("a"));
  auto b = std::make_unique<LeaderElector>(server.client(), fast("b"));
  a->start();
  ASSERT_TRUE(eventually([&] { return a->is_leader(); }));
  b->start();
  std::this_thread::sleep_for(600ms);
  EXPECT_TRUE(a->is_leader());
  EXPECT_FALSE(b->is_leader());
  EXPECT_EQ(b->leader(), "a");

  auto lease = server.client()->get(resources::leases(), "default", "controller");
  ASSERT_TRUE(lease);
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "a");

  a->stop();  // releases the lease
  ASSERT_TRUE(eventually([&] { return b->is_leader(); }, 3s));
  lease = server.client()->get(resources::leases(), "default", "controller");
  ASSERT_TRUE(lease);
  EXPECT_EQ((*lease)["spec"]["holderIdentity"], "b");
  EXPECT_EQ((*lease)["spec"]["leaseTransitions"], 1);
}

TEST(LeaderElectorTest, ACrashedLeaderIsReplacedAfterTheLeaseDuration) {
  testing::TestServer server;
  // A lease held by a candidate that never renews it (it crashed).
  Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", "controller"}}},
                {"spec",
                 {{"holderIdentity", "crashed"},
                  {"leaseDurationSeconds", 1},
                  {"renewTime", "2020-01-01T00:00:00.000000Z"},
                  {"leaseTransitions", 3}}}};
  ASSERT_TRUE(server.client()->create(resources::leases(), "default", lease));
  auto options = fast("b");
  auto start = std::chrono::steady_clock::now();
  LeaderElector b(server.client(), options);
  b.start();
  ASSERT_TRUE(eventually([&] { return b.is_leader(); }, 5s));
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms) << "waits a whole lease duration on its own clock";
  auto current = server.client()->get(resources::leases(), "default", "controller");
  EXPECT_EQ((*current)["spec"]["leaseTransitions"], 4);
}

}  // namespace
}  // namespace kthena::kube
