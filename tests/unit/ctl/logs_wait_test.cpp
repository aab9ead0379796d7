#include <gtest/gtest.h>

#include "ctl/logs.h"
#include "ctl/wait.h"

namespace kthena::ctl {
namespace {

TEST(LogPath, PodsLogSubresourceWithKubectlsQuery) {
  EXPECT_EQ(log_path("default", "p", {}), "/api/v1/namespaces/default/pods/p/log");
  LogOptions options;
  options.container = "engine";
  options.follow = true;
  options.previous = true;
  options.tail_lines = 10;
  EXPECT_EQ(log_path("ns", "p", options),
            "/api/v1/namespaces/ns/pods/p/log?container=engine&follow=true&previous=true&tailLines=10");
}

TEST(ChoosePod, FirstRunningByNameElseFirst) {
  auto pod = [](const char* name, const char* phase) {
    return Json{{"metadata", {{"name", name}}}, {"status", {{"phase", phase}}}};
  };
  EXPECT_EQ(choose_pod({pod("c", "Running"), pod("a", "Pending"), pod("b", "Running")}), "b");
  EXPECT_EQ(choose_pod({pod("c", "Pending"), pod("a", "Failed")}), "a");
  EXPECT_EQ(choose_pod({}), "");
}

TEST(WaitCondition, ParsesKubectlsForFlag) {
  auto active = parse_wait_condition("condition=Active");
  ASSERT_TRUE(active);
  EXPECT_EQ(active->type, "Active");
  EXPECT_EQ(active->value, "True");
  auto negated = parse_wait_condition("condition=Available=False");
  ASSERT_TRUE(negated);
  EXPECT_EQ(negated->value, "False");
  auto gone = parse_wait_condition("delete");
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->for_delete);
  for (const char* bad : {"", "condition=", "Active", "condition==x", "condition=A="}) {
    auto parsed = parse_wait_condition(bad);
    EXPECT_FALSE(parsed) << bad;
    if (!parsed) {
      EXPECT_EQ(parsed.error().field, "--for");
    }
  }
}

}  // namespace
}  // namespace kthena::ctl
