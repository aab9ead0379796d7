#include "kube/leader_elector.h"

#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "unit/kube/recording_proxy.h"
#include "unit/kube/test_server.h"

namespace kthena::kube {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Short durations with the margins a loaded 2-core machine needs: requests are cut after
// min(renew_deadline, lease_duration - renew_deadline) / 2 = 250 ms.
LeaderElectionOptions fast(const std::string& identity) {
  LeaderElectionOptions options;
  options.ns = "default";
  options.name = "controller";
  options.identity = identity;
  options.lease_duration = 1000ms;
  options.renew_deadline = 500ms;
  options.retry_period = 100ms;
  return options;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return condition();
}

// When each candidate's callbacks ran, from whichever thread runs them.
class Timeline {
 public:
  LeaderElectionOptions watch(LeaderElectionOptions options) {
    const std::string id = options.identity;
    options.on_started_leading = [this, id] { push(id + ":started"); };
    options.on_stopped_leading = [this, id] { push(id + ":stopped"); };
    return options;
  }
  void push(const std::string& event) {
    std::lock_guard lock(mutex_);
    events_.emplace_back(event, Clock::now());
  }
  std::optional<Clock::time_point> first(const std::string& event) const {
    std::lock_guard lock(mutex_);
    for (const auto& [name, at] : events_) {
      if (name == event) return at;
    }
    return std::nullopt;
  }
  std::optional<Clock::time_point> last(const std::string& event) const {
    std::lock_guard lock(mutex_);
    for (auto it = events_.rbegin(); it != events_.rend(); ++it) {
      if (it->first == event) return it->second;
    }
    return std::nullopt;
  }
  size_t count(const std::string& event) const {
    std::lock_guard lock(mutex_);
    size_t n = 0;
    for (const auto& [name, at] : events_) n += name == event;
    return n;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::pair<std::string, Clock::time_point>> events_;
};

std::shared_ptr<KubeClient> client_through(const testing::RecordingProxy& proxy) {
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(proxy.port());
  auto client = KubeClient::create(config);
  EXPECT_TRUE(client) << client.error().to_string();
  return *client;
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
  auto start = Clock::now();
  LeaderElector b(server.client(), options);
  b.start();
  ASSERT_TRUE(eventually([&] { return b.is_leader(); }, 5s));
  EXPECT_GE(Clock::now() - start, 900ms) << "waits a whole lease duration on its own clock";
  auto current = server.client()->get(resources::leases(), "default", "controller");
  EXPECT_EQ((*current)["spec"]["leaseTransitions"], 4);
}

TEST(LeaderElectorTest, TwoCandidatesNeverLeadAtOnce) {
  testing::TestServer server;
  Timeline timeline;
  auto a = std::make_unique<LeaderElector>(server.client(), timeline.watch(fast("a")));
  auto b = std::make_unique<LeaderElector>(server.client(), timeline.watch(fast("b")));
  a->start();
  b->start();
  ASSERT_TRUE(eventually([&] { return a->is_leader() || b->is_leader(); }));
  int overlaps = 0;
  int led = 0;
  int samples = 0;
  for (auto end = Clock::now() + 3s; Clock::now() < end; std::this_thread::sleep_for(10ms)) {
    const bool a_leads = a->is_leader();
    const bool b_leads = b->is_leader();
    overlaps += a_leads && b_leads;
    led += a_leads || b_leads;
    ++samples;
  }
  EXPECT_EQ(overlaps, 0);
  EXPECT_GT(led, samples / 2) << "someone leads most of the time (" << led << " of " << samples << ")";

  // The leader stops: it releases the lease and the other takes over well within a lease duration.
  ASSERT_TRUE(eventually([&] { return a->is_leader() || b->is_leader(); }));
  const bool a_led = a->is_leader();
  LeaderElector& leader = a_led ? *a : *b;
  LeaderElector& other = a_led ? *b : *a;
  const std::string leader_id = a_led ? "a" : "b";
  const std::string other_id = a_led ? "b" : "a";
  const auto stopping = Clock::now();
  leader.stop();
  ASSERT_TRUE(eventually([&] { return other.is_leader(); }, 5s));
  EXPECT_LT(Clock::now() - stopping, 2s);
  ASSERT_TRUE(eventually([&] { return timeline.first(other_id + ":started").has_value(); }));
  auto stopped = timeline.last(leader_id + ":stopped");
  ASSERT_TRUE(stopped);
  EXPECT_LT(*stopped, *timeline.last(other_id + ":started"))
      << "the lease is released only once the old leader's on_stopped_leading has returned";
}

TEST(LeaderElectorTest, APausedLeaderStopsBeforeAnotherCanStart) {
  testing::TestServer server({}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  Timeline timeline;
  // "a" reaches the server through the proxy, which will swallow its requests; "b" directly.
  auto a = std::make_unique<LeaderElector>(client_through(proxy), timeline.watch(fast("a")));
  auto b = std::make_unique<LeaderElector>(server.client(), timeline.watch(fast("b")));
  a->start();
  ASSERT_TRUE(eventually([&] { return a->is_leader(); }));
  b->start();
  ASSERT_TRUE(eventually([&] { return b->leader() == "a"; }));

  proxy.set_silent(true);  // a's renewals hang: neither answer nor error comes back
  const auto paused = Clock::now();
  std::optional<Clock::time_point> a_lost;
  int overlaps = 0;
  for (auto end = paused + 10s; Clock::now() < end && !b->is_leader(); std::this_thread::sleep_for(10ms)) {
    const bool a_leads = a->is_leader();
    if (!a_leads && !a_lost) a_lost = Clock::now();
    overlaps += a_leads && b->is_leader();
  }
  ASSERT_TRUE(b->is_leader()) << "b never took over";
  EXPECT_EQ(overlaps, 0);
  ASSERT_TRUE(a_lost);
  // Within the renew deadline (500 ms) of its last renewal, which started before the pause; sampling can lag.
  EXPECT_LT(*a_lost - paused, 1000ms);

  ASSERT_TRUE(eventually([&] { return timeline.first("b:started").has_value(); }));
  auto a_stopped = timeline.last("a:stopped");
  auto b_started = timeline.first("b:started");
  ASSERT_TRUE(a_stopped) << "a's on_stopped_leading never ran";
  EXPECT_LT(*a_stopped, *b_started) << "a must have stopped before b could start";
  EXPECT_GE(*b_started - paused, 800ms) << "b waits a whole lease duration after a's last renewal";
  b->stop();
  a->stop();
}

TEST(LeaderElectorTest, ASlowStartCallbackDoesNotCostTheLease) {
  testing::TestServer server;
  Timeline timeline;
  auto options = timeline.watch(fast("a"));
  options.on_started_leading = [&timeline] {
    timeline.push("a:started");
    std::this_thread::sleep_for(1s);  // twice the renew deadline
    timeline.push("a:started-returned");
  };
  auto a = std::make_unique<LeaderElector>(server.client(), options);
  auto b = std::make_unique<LeaderElector>(server.client(), timeline.watch(fast("b")));
  a->start();
  ASSERT_TRUE(eventually([&] { return a->is_leader(); }));
  b->start();
  int a_not_leading = 0;
  int b_leading = 0;
  for (auto end = Clock::now() + 2s; Clock::now() < end; std::this_thread::sleep_for(10ms)) {
    a_not_leading += !a->is_leader();
    b_leading += b->is_leader();
  }
  EXPECT_EQ(a_not_leading, 0);
  EXPECT_EQ(b_leading, 0);
  EXPECT_EQ(timeline.count("a:started-returned"), 1u);
  EXPECT_EQ(timeline.count("a:stopped"), 0u);
}

TEST(LeaderElectorTest, ValidateRejectsDurationsThatAllowTwoLeaders) {
  EXPECT_TRUE(validate(fast("a")));
  auto options = fast("a");
  options.lease_duration = options.renew_deadline;
  auto result = validate(options);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().field, "lease_duration");
  options = fast("a");
  options.retry_period = options.renew_deadline;
  EXPECT_FALSE(validate(options));
  options = fast("");
  EXPECT_FALSE(validate(options));
}

}  // namespace
}  // namespace kthena::kube
