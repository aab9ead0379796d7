#include <gtest/gtest.h>

#include "node/scheduler/scheduler.h"

namespace kthena::node {
namespace {

// Kubernetes' effective request: the containers' sum, or the largest init container when that is larger; a limit
// stands for a missing request.
TEST(PodRequests, SumOfContainersOrLargestInitContainer) {
  Json pod = Json::parse(R"({"spec": {
    "initContainers": [{"resources": {"requests": {"cpu": "3", "memory": "1Gi"}}}],
    "containers": [
      {"resources": {"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "nvidia.com/gpu": 2}}},
      {"resources": {"requests": {"cpu": "1", "memory": "2Gi"}}}]}})");
  ResourceList r = pod_requests(pod);
  EXPECT_EQ(r["cpu"], 3000);
  EXPECT_EQ(r["memory"], int64_t{2} * 1024 * 1024 * 1024 * 1000);
  EXPECT_EQ(r["nvidia.com/gpu"], 2000);
}

TEST(DeviceEnv, AsDevicePluginsSetIt) {
  auto env = device_env({{"huawei.com/ascend-1980", {"0", "1"}}, {"nvidia.com/gpu", {"3"}}});
  ASSERT_EQ(env.size(), 3u);
  EXPECT_EQ(env[0], (std::pair<std::string, std::string>{"ASCEND_VISIBLE_DEVICES", "0,1"}));
  EXPECT_EQ(env[1], (std::pair<std::string, std::string>{"CUDA_VISIBLE_DEVICES", "3"}));
  EXPECT_EQ(env[2], (std::pair<std::string, std::string>{"NVIDIA_VISIBLE_DEVICES", "3"}));
}

}  // namespace
}  // namespace kthena::node
