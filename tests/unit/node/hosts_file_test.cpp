#include "node/hosts_file.h"

#include <gtest/gtest.h>

namespace kthena::node {
namespace {

kube::ObjectPtr object(const char* text) {
  return std::make_shared<const Json>(Json::parse(text));
}

// ENTRY_ADDRESS "<entry pod>.<ns>" resolves through the role instance's headless Service (publishNotReadyAddresses:
// the workers look the entry up before it is ready); a ClusterIP Service resolves to nothing; hostAliases follow,
// duplicates kept as the kubelet writes them.
TEST(HostsFile, HeadlessServicesAndAliases) {
  Json worker = Json::parse(R"({"metadata": {"name": "ms-0-prefill-0-1", "namespace": "default"},
    "spec": {"hostAliases": [{"ip": "10.0.0.9", "hostnames": ["a", "b"]}, {"ip": "10.0.0.9", "hostnames": ["a"]}]}})");
  std::vector<kube::ObjectPtr> pods = {
      object(R"({"metadata": {"name": "ms-0-prefill-0-0", "namespace": "default",
                              "labels": {"modelserving.volcano.sh/entry": "true", "role-id": "prefill-0"}},
                 "status": {"podIP": "10.244.0.5"}})"),
      object(R"({"metadata": {"name": "other", "namespace": "default", "labels": {"app": "web"}},
                 "status": {"podIP": "10.244.0.6", "conditions": [{"type": "Ready", "status": "False"}]}})")};
  std::vector<kube::ObjectPtr> services = {
      object(R"({"metadata": {"name": "ms-0-prefill-0-0"}, "spec": {"clusterIP": "None",
                 "publishNotReadyAddresses": true,
                 "selector": {"modelserving.volcano.sh/entry": "true", "role-id": "prefill-0"}}})"),
      object(R"({"metadata": {"name": "web"}, "spec": {"clusterIP": "None", "selector": {"app": "web"}}})"),
      object(R"({"metadata": {"name": "api"}, "spec": {"clusterIP": "10.96.0.10", "selector": {"app": "web"}}})")};
  std::string text = hosts_file(worker, "10.244.0.7", pods, services);
  EXPECT_NE(text.find("10.244.0.7\tms-0-prefill-0-1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("10.244.0.5\tms-0-prefill-0-0.default\tms-0-prefill-0-0.default.svc\t"
                      "ms-0-prefill-0-0.default.svc.cluster.local\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("web.default"), std::string::npos) << "a not-ready pod behind a Service without "
                                                            "publishNotReadyAddresses\n"
                                                         << text;
  EXPECT_EQ(text.find("api.default"), std::string::npos) << text;
  EXPECT_NE(text.find("10.0.0.9\ta\tb\n10.0.0.9\ta\n"), std::string::npos) << text;
}

TEST(HostsFile, SelectorMatches) {
  EXPECT_TRUE(selector_matches(Json{{"a", "1"}}, Json{{"a", "1"}, {"b", "2"}}));
  EXPECT_FALSE(selector_matches(Json{{"a", "1"}}, Json{{"a", "2"}}));
  EXPECT_FALSE(selector_matches(Json::object(), Json{{"a", "1"}}));
}

}  // namespace
}  // namespace kthena::node
