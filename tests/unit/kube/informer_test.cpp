#include "kube/informer.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "unit/kube/test_server.h"

namespace kthena::kube {
namespace {

using namespace std::chrono_literals;

Json configmap(const std::string& name, const std::string& value, const std::string& owner = "") {
  Json cm = {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", value}}}};
  if (!owner.empty()) cm["metadata"]["labels"] = {{"owner", owner}};
  return cm;
}

// Records handler calls; thread-safe because handlers run on the informer's thread.
struct Recorder {
  std::mutex mutex;
  std::vector<std::string> events;
  EventHandler handler() {
    return {[this](const ObjectPtr& o) { push("add:" + name(o)); },
            [this](const ObjectPtr& old_object, const ObjectPtr& o) {
              push((old_object == o ? "resync:" : "update:") + name(o));
            },
            [this](const ObjectPtr& o) { push("delete:" + name(o)); }};
  }
  static std::string name(const ObjectPtr& o) { return (*o)["metadata"]["name"].get<std::string>(); }
  void push(std::string e) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
  bool wait_for(const std::string& event, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      {
        std::lock_guard lock(mutex);
        if (std::find(events.begin(), events.end(), event) != events.end()) return true;
      }
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
};

TEST(InformerTest, ListsThenFollowsTheWatchAndIndexes) {
  testing::TestServer server;
  auto client = server.client();
  auto cms = resources::config_maps();
  ASSERT_TRUE(client->create(cms, "default", configmap("before", "1", "x")));
  Informer informer(client, cms, {.ns = "default"});
  informer.add_index("owner", [](const Json& o) {
    std::vector<std::string> values;
    if (o["metadata"].contains("labels") && o["metadata"]["labels"].contains("owner")) {
      values.push_back(o["metadata"]["labels"]["owner"]);
    }
    return values;
  });
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  EXPECT_TRUE(recorder.wait_for("add:before"));
  ASSERT_TRUE(client->create(cms, "default", configmap("after", "1", "x")));
  ASSERT_TRUE(client->create(cms, "kthena-system", configmap("other-namespace", "1")));
  ASSERT_TRUE(client->patch(cms, "default", "before", PatchType::kMerge, Json::parse(R"({"data":{"k":"2"}})")));
  ASSERT_TRUE(client->remove(cms, "default", "after"));
  EXPECT_TRUE(recorder.wait_for("delete:after"));
  EXPECT_TRUE(recorder.wait_for("update:before"));
  {
    std::lock_guard lock(recorder.mutex);
    EXPECT_EQ(recorder.events, (std::vector<std::string>{"add:before", "add:after", "update:before", "delete:after"}));
  }
  auto cached = informer.cache().get("default", "before");
  ASSERT_TRUE(cached);
  EXPECT_EQ((*cached)["data"]["k"], "2");
  EXPECT_EQ(informer.cache().size(), 1u);
  EXPECT_EQ(informer.cache().by_index("owner", "x").size(), 1u);
  informer.stop();
}

TEST(InformerTest, RelistsAfterGoneAndCatchesUp) {
  // A tiny history: after the server restarts past it, resuming is impossible and the informer must relist.
  testing::TestServer server(apiserver::StoreOptions{.event_history = 3, .watcher_queue = 4});
  auto client = server.client();
  auto cms = resources::config_maps();
  Informer informer(client, cms, {.ns = "default", .watch_timeout = 1s});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  // Far more changes than the watcher queue holds: the server closes the stream; the informer resumes or relists.
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(client->create(cms, "default", configmap("b" + std::to_string(i), "1")));
  EXPECT_TRUE(recorder.wait_for("add:b39", 10s));
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (informer.cache().size() < 40 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(20ms);
  EXPECT_EQ(informer.cache().size(), 40u);
}

TEST(InformerTest, ResyncReplaysEveryObject) {
  testing::TestServer server;
  auto client = server.client();
  auto cms = resources::config_maps();
  ASSERT_TRUE(client->create(cms, "default", configmap("r", "1")));
  Informer informer(client, cms, {.ns = "default", .resync = 300ms});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  EXPECT_TRUE(recorder.wait_for("resync:r", 5s));
}

}  // namespace
}  // namespace kthena::kube
