#include "kube/informer.h"

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "unit/kube/recording_proxy.h"
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

// What an informer asked the server for, read off the proxy in front of it: how many lists, and the
// resourceVersion each watch started from, in order.
struct Calls {
  size_t lists = 0;
  std::vector<std::string> watches;
};

Calls calls_through(const testing::RecordingProxy& proxy) {
  Calls calls;
  for (const std::string& request : proxy.requests()) {
    if (request.find("watch=true") == std::string::npos) {
      ++calls.lists;
      continue;
    }
    const size_t at = request.find("resourceVersion=");
    const size_t begin = at == std::string::npos ? request.size() : at + 16;
    calls.watches.push_back(request.substr(begin, request.find('&', begin) - begin));
  }
  return calls;
}

int64_t rv_of(const Result<Json>& object) {
  EXPECT_TRUE(object) << object.error().to_string();
  return object ? std::stoll((*object)["metadata"]["resourceVersion"].get<std::string>()) : -1;
}

int64_t rv_of(const std::string& rv) {
  return rv.empty() ? -1 : std::stoll(rv);
}

std::shared_ptr<KubeClient> client_through(const testing::RecordingProxy& proxy) {
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(proxy.port());
  auto client = KubeClient::create(config);
  EXPECT_TRUE(client) << client.error().to_string();
  return *client;
}

bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = 10s) {
  for (auto deadline = std::chrono::steady_clock::now() + timeout; std::chrono::steady_clock::now() < deadline;) {
    if (done()) return true;
    std::this_thread::sleep_for(20ms);
  }
  return done();
}

TEST(InformerTest, ResumesACleanlyEndedWatchFromItsResourceVersion) {
  testing::TestServer server({}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  auto client = server.client();
  auto cms = resources::config_maps();
  // The server ends each watch after 1-2 s (timeoutSeconds): a clean end, after which nothing was lost.
  Informer informer(client_through(proxy), cms, {.ns = "default", .watch_timeout = 1s});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  const int64_t rv_a = rv_of(client->create(cms, "default", configmap("a", "1")));
  ASSERT_TRUE(recorder.wait_for("add:a"));
  const size_t seen = calls_through(proxy).watches.size();
  ASSERT_TRUE(wait_until([&] { return calls_through(proxy).watches.size() > seen; }));
  ASSERT_TRUE(client->create(cms, "default", configmap("b", "1")));
  EXPECT_TRUE(recorder.wait_for("add:b"));

  const Calls calls = calls_through(proxy);
  EXPECT_EQ(calls.lists, 1u) << "a watch that ended cleanly must be resumed, not replaced by a relist";
  ASSERT_GT(calls.watches.size(), seen);
  EXPECT_GE(rv_of(calls.watches[seen]), rv_a) << "the next watch must start after the last event seen";
}

TEST(InformerTest, ResumesAfterTheConnectionDrops) {
  testing::TestServer server({}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  auto client = server.client();
  auto cms = resources::config_maps();
  Informer informer(client_through(proxy), cms, {.ns = "default", .max_backoff = 200ms});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  const int64_t rv_a = rv_of(client->create(cms, "default", configmap("a", "1")));
  ASSERT_TRUE(recorder.wait_for("add:a"));

  // The server is unreachable while "b" is created; its event is still in the server's history.
  proxy.set_refusing(true);
  proxy.cut_connections();
  const int64_t rv_b = rv_of(client->create(cms, "default", configmap("b", "1")));
  std::this_thread::sleep_for(300ms);
  proxy.set_refusing(false);
  EXPECT_TRUE(recorder.wait_for("add:b"));

  const Calls calls = calls_through(proxy);
  EXPECT_EQ(calls.lists, 1u) << "a broken watch whose resourceVersion the server still has must be resumed";
  ASSERT_GE(calls.watches.size(), 2u);
  EXPECT_GE(rv_of(calls.watches.back()), rv_a);
  EXPECT_LT(rv_of(calls.watches.back()), rv_b) << "b must arrive as a watch event, after the resume point";
  EXPECT_EQ(informer.cache().size(), 2u);
}

TEST(InformerTest, RelistsWhenItsResourceVersionIsGone) {
  // A history of 3 events: the 11 changes made while the informer cannot reach the server push its
  // resourceVersion out, so resuming gets 410 Gone and only a relist can catch up (and see "a" deleted).
  testing::TestServer server(apiserver::StoreOptions{.event_history = 3}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  auto client = server.client();
  auto cms = resources::config_maps();
  Informer informer(client_through(proxy), cms, {.ns = "default", .max_backoff = 200ms});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  ASSERT_TRUE(client->create(cms, "default", configmap("a", "1")));
  ASSERT_TRUE(recorder.wait_for("add:a"));

  proxy.set_refusing(true);
  proxy.cut_connections();
  ASSERT_TRUE(client->remove(cms, "default", "a"));
  int64_t last_rv = 0;
  for (int i = 0; i < 10; ++i) last_rv = rv_of(client->create(cms, "default", configmap("b" + std::to_string(i), "1")));
  proxy.set_refusing(false);
  EXPECT_TRUE(recorder.wait_for("delete:a"));
  EXPECT_TRUE(recorder.wait_for("add:b9"));
  EXPECT_TRUE(wait_until([&] { return informer.cache().size() == 10; })) << informer.cache().size();

  EXPECT_TRUE(wait_until([&] { return calls_through(proxy).watches.size() >= 3; }));
  const Calls calls = calls_through(proxy);
  EXPECT_EQ(calls.lists, 2u) << "410 Gone must be answered with exactly one relist";
  ASSERT_GE(calls.watches.size(), 3u);
  EXPECT_GE(rv_of(calls.watches.back()), last_rv) << "the watch after the relist starts from the list";
}

TEST(InformerTest, ASilentConnectionIsNoticedAndTheWatchResumed) {
  // The test server sends a bookmark every 200 ms; a watch that carries nothing for 1 s is dead.
  testing::TestServer server({}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  auto client = server.client();
  auto cms = resources::config_maps();
  Informer informer(client_through(proxy), cms, {.ns = "default", .watch_idle_timeout = 1s, .max_backoff = 200ms});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  ASSERT_TRUE(client->create(cms, "default", configmap("a", "1")));
  ASSERT_TRUE(recorder.wait_for("add:a"));
  const size_t watches = calls_through(proxy).watches.size();

  // The server pauses: the watch's connection stays open and nothing comes through, not even a bookmark.
  proxy.set_silent(true);
  const auto silent_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return calls_through(proxy).watches.size() > watches; }, 15s))
      << "the informer never gave up the silent watch";
  const auto noticed = std::chrono::steady_clock::now() - silent_at;
  // The last bookmark came at most 200 ms before the silence; the idle timeout counts from it.
  EXPECT_GE(noticed, 700ms) << "given up before its idle timeout";
  EXPECT_LT(noticed, 5s) << "noticed long after its idle timeout";

  proxy.set_silent(false);
  ASSERT_TRUE(client->create(cms, "default", configmap("b", "1")));
  EXPECT_TRUE(recorder.wait_for("add:b", 15s));
  EXPECT_EQ(calls_through(proxy).lists, 1u) << "a silent watch is resumed from its resourceVersion, not relisted";
  EXPECT_EQ(informer.cache().size(), 2u);
}

TEST(InformerTest, BookmarksKeepAQuietWatchAlive) {
  testing::TestServer server({}, /*tls=*/false);  // a bookmark every 200 ms
  testing::RecordingProxy proxy(server.port());
  auto client = server.client();
  auto cms = resources::config_maps();
  Informer informer(client_through(proxy), cms, {.ns = "default", .watch_idle_timeout = 1500ms});
  Recorder recorder;
  informer.add_handler(recorder.handler());
  informer.start();
  ASSERT_TRUE(informer.wait_for_sync(5s));
  std::this_thread::sleep_for(4s);  // nothing changes: only bookmarks arrive
  ASSERT_TRUE(client->create(cms, "default", configmap("c", "1")));
  EXPECT_TRUE(recorder.wait_for("add:c"));
  const Calls calls = calls_through(proxy);
  EXPECT_EQ(calls.lists, 1u);
  EXPECT_EQ(calls.watches.size(), 1u) << "a quiet watch kept alive by bookmarks must not be replaced";
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
