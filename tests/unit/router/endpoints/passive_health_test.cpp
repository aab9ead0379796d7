#include "router/endpoints/passive_health.h"

#include <gtest/gtest.h>

namespace kthena::router {
namespace {

using namespace std::chrono_literals;

TEST(PassiveHealth, EjectionBacksOffAndAnAnswerResetsIt) {
  EndpointStats s(1);
  CoarseClock::time_point t0 = CoarseClock::now();
  EXPECT_FALSE(is_ejected(s, t0));
  EXPECT_EQ(eject(s, EjectionReason::kConnectFailure, t0), 5s);
  EXPECT_TRUE(is_ejected(s, t0 + 4s));
  EXPECT_FALSE(is_ejected(s, t0 + 6s));
  // Already ejected: nothing new, nothing to report.
  EXPECT_EQ(eject(s, EjectionReason::kConnectFailure, t0 + 1s), 0s);
  EXPECT_EQ(eject(s, EjectionReason::kConnectFailure, t0 + 6s), 10s);
  EXPECT_EQ(eject(s, EjectionReason::kConnectFailure, t0 + 20s), 20s);
  EXPECT_EQ(eject(s, EjectionReason::kConnectFailure, t0 + 50s), 40s);
  EXPECT_EQ(eject(s, EjectionReason::kConnectFailure, t0 + 100s), 60s);  // capped
  EXPECT_EQ(eject(s, EjectionReason::kConnectFailure, t0 + 200s), 60s);
  answered(s);
  EXPECT_FALSE(is_ejected(s, t0 + 201s));
  EXPECT_EQ(eject(s, EjectionReason::kTimeout, t0 + 300s), 5s);
}

TEST(PassiveHealth, AGoodScrapeEndsAConnectEjectionButNotATimeoutOne) {
  EndpointStats s(1);
  CoarseClock::time_point now = CoarseClock::now();
  eject(s, EjectionReason::kConnectFailure, now);
  EXPECT_TRUE(is_ejected(s, now));
  EXPECT_TRUE(scrape_succeeded(s));
  EXPECT_FALSE(is_ejected(s, now));
  eject(s, EjectionReason::kTimeout, now);
  EXPECT_FALSE(scrape_succeeded(s));
  EXPECT_TRUE(is_ejected(s, now));
}

TEST(PassiveHealth, FailedScrapesInARowMakeAPodUnhealthyUntilOneSucceeds) {
  EndpointStats s(1);
  CoarseClock::time_point now = CoarseClock::now();
  for (uint32_t i = 1; i < kScrapeFailuresToEject; ++i) EXPECT_FALSE(scrape_failed(s)) << i;
  EXPECT_FALSE(is_ejected(s, now));
  EXPECT_TRUE(scrape_failed(s));
  EXPECT_FALSE(scrape_failed(s));  // already unhealthy: reported once
  EXPECT_TRUE(is_ejected(s, now + 1h));
  EXPECT_TRUE(scrape_succeeded(s));
  EXPECT_FALSE(is_ejected(s, now));
}

TEST(PassiveHealth, HealthyCandidatesOrAllWhenEveryOneIsEjected) {
  std::vector<Endpoint> pods(3);
  for (uint32_t i = 0; i < pods.size(); ++i) pods[i].stats = std::make_shared<EndpointStats>(i);
  std::vector<const Endpoint*> all{&pods[0], &pods[1], &pods[2]};
  std::vector<const Endpoint*> scratch;
  CoarseClock::time_point now = CoarseClock::now();
  EXPECT_EQ(healthy(all, now, scratch).data(), all.data());  // none ejected: no copy
  eject(*pods[1].stats, EjectionReason::kConnectFailure, now);
  auto some = healthy(all, now, scratch);
  ASSERT_EQ(some.size(), 2u);
  EXPECT_EQ(some[0], &pods[0]);
  EXPECT_EQ(some[1], &pods[2]);
  eject(*pods[0].stats, EjectionReason::kConnectFailure, now);
  eject(*pods[2].stats, EjectionReason::kTimeout, now);
  EXPECT_EQ(healthy(all, now, scratch).size(), 3u);  // every one ejected: all are tried
}

}  // namespace
}  // namespace kthena::router
