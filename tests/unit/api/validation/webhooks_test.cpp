// The webhook table: which kinds have which webhooks.
#include <gtest/gtest.h>

#include "api/validation/webhooks.h"

namespace kthena::api {
namespace {

TEST(Webhooks, EveryKthenaKindValidates) {
  for (auto [group, kind] : {std::pair{"workload.serving.volcano.sh", "ModelBooster"},
                             std::pair{"workload.serving.volcano.sh", "ModelServing"},
                             std::pair{"workload.serving.volcano.sh", "AutoscalingPolicy"},
                             std::pair{"workload.serving.volcano.sh", "AutoscalingPolicyBinding"},
                             std::pair{"networking.serving.volcano.sh", "ModelRoute"},
                             std::pair{"networking.serving.volcano.sh", "ModelServer"},
                             std::pair{"networking.serving.volcano.sh", "ExternalModelProvider"}}) {
    EXPECT_NE(find_webhooks(group, kind).validate, nullptr) << kind;
  }
}

TEST(Webhooks, OnlyPolicyAndServerMutate) {
  EXPECT_NE(find_webhooks("workload.serving.volcano.sh", "AutoscalingPolicy").mutate, nullptr);
  EXPECT_NE(find_webhooks("networking.serving.volcano.sh", "ModelServer").mutate, nullptr);
  EXPECT_EQ(find_webhooks("workload.serving.volcano.sh", "ModelBooster").mutate, nullptr);
  EXPECT_EQ(find_webhooks("workload.serving.volcano.sh", "ModelServing").mutate, nullptr);
}

TEST(Webhooks, OtherKindsHaveNone) {
  EXPECT_EQ(find_webhooks("", "Service").validate, nullptr);
  EXPECT_EQ(find_webhooks("networking.serving.volcano.sh", "ModelBooster").validate, nullptr);
  EXPECT_EQ(find_webhooks("scheduling.volcano.sh", "PodGroup").mutate, nullptr);
}

}  // namespace
}  // namespace kthena::api
