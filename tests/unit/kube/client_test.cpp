#include "kube/client.h"

#include <gtest/gtest.h>

#include "kube/watch_stream.h"
#include "unit/kube/test_server.h"

namespace kthena::kube {
namespace {

using namespace std::chrono_literals;

Json configmap(const std::string& name, const std::string& value) {
  return Json{{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", name}}}, {"data", {{"k", value}}}};
}

TEST(KubeClientTest, CrudAndStatusErrorsMapToErrorCodes) {
  testing::TestServer server;
  auto client = server.client();
  auto cms = resources::config_maps();
  auto created = client->create(cms, "default", configmap("a", "1"));
  ASSERT_TRUE(created) << created.error().to_string();
  EXPECT_FALSE((*created)["metadata"]["uid"].get<std::string>().empty());

  auto again = client->create(cms, "default", configmap("a", "1"));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(again.error().message, "configmaps \"a\" already exists");

  auto missing = client->get(cms, "default", "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  Json stale = *created;
  Json changed = *created;
  changed["data"]["k"] = "2";
  ASSERT_TRUE(client->update(cms, changed));
  stale["data"]["k"] = "3";
  auto conflict = client->update(cms, stale);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, ErrorCode::kConflict);

  auto patched = client->patch(cms, "default", "a", PatchType::kMerge, Json::parse(R"({"data":{"k":"4"}})"));
  ASSERT_TRUE(patched);
  EXPECT_EQ((*patched)["data"]["k"], "4");

  auto deleted = client->remove(cms, "default", "a");
  ASSERT_TRUE(deleted) << deleted.error().to_string();
  EXPECT_EQ((*deleted)["status"], "Success");
  EXPECT_FALSE(client->get(cms, "default", "a"));
}

TEST(KubeClientTest, ListFollowsContinueTokensAndSelectors) {
  testing::TestServer server;
  auto client = server.client();
  auto cms = resources::config_maps();
  for (int i = 0; i < 7; ++i) {
    Json cm = configmap("cm" + std::to_string(i), "v");
    cm["metadata"]["labels"] = {{"parity", i % 2 == 0 ? "even" : "odd"}};
    ASSERT_TRUE(client->create(cms, "default", cm));
  }
  auto all = client->list(cms, "default", {.limit = 2});
  ASSERT_TRUE(all) << all.error().to_string();
  EXPECT_EQ((*all)["items"].size(), 7u);
  EXPECT_FALSE((*all)["metadata"].contains("continue"));
  auto even = client->list(cms, "", {.label_selector = "parity=even", .field_selector = "metadata.namespace=default"});
  ASSERT_TRUE(even);
  EXPECT_EQ((*even)["items"].size(), 4u);
  auto bad = client->list(cms, "", {.field_selector = "spec.bogus=1"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kBadRequest);
  EXPECT_EQ(bad.error().message, "field label not supported: spec.bogus");
}

TEST(KubeClientTest, WatchDeliversEventsInOrderAndResumes) {
  testing::TestServer server;
  auto client = server.client();
  auto cms = resources::config_maps();
  auto first = client->create(cms, "default", configmap("w", "0"));
  ASSERT_TRUE(first);
  std::string from = (*first)["metadata"]["resourceVersion"];
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(client->patch(cms, "default", "w", PatchType::kMerge, Json{{"data", {{"k", std::to_string(i)}}}}));
  }
  auto stream = client->watch(cms, "default", {.resource_version = from, .bookmarks = false});
  ASSERT_TRUE(stream);
  ASSERT_TRUE(client->remove(cms, "default", "w"));
  std::vector<std::string> seen;
  while (seen.size() < 4) {
    auto event = (*stream)->next(5s);
    ASSERT_TRUE(event) << "timed out after " << seen.size() << " events";
    seen.push_back(event->type + ":" + event->object["data"]["k"].get<std::string>());
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"MODIFIED:1", "MODIFIED:2", "MODIFIED:3", "DELETED:3"}));
  (*stream)->stop();
  EXPECT_TRUE((*stream)->ended());
}

TEST(KubeClientTest, AStreamHandsOverTheBodyAsItArrives) {
  testing::TestServer server;
  auto client = server.client();
  auto cms = resources::config_maps();
  // A watch's chunked body read raw, as `kthena logs -f` reads a followed log: pieces arrive while the request runs.
  auto stream = client->stream("/api/v1/namespaces/default/configmaps?watch=true&allowWatchBookmarks=false");
  ASSERT_TRUE(stream);
  ASSERT_TRUE(client->create(cms, "default", configmap("s1", "first")));
  std::string text;
  while (text.find("\"first\"") == std::string::npos) {
    auto event = (*stream)->next(5s);
    ASSERT_TRUE(event) << "no data; so far: " << text;
    EXPECT_EQ(event->type, "DATA");
    text += event->object.get<std::string>();
  }
  EXPECT_NE(text.find("\"ADDED\""), std::string::npos);
  (*stream)->stop();
  EXPECT_TRUE((*stream)->ended());

  auto missing = client->stream("/api/v1/namespaces/default/pods/nope/log");
  ASSERT_TRUE(missing);
  EXPECT_FALSE((*missing)->next(5s));
  ASSERT_TRUE((*missing)->ended());
  ASSERT_TRUE((*missing)->error());
  EXPECT_EQ((*missing)->error()->code, ErrorCode::kNotFound);
}

TEST(KubeClientTest, AWatchFromACompactedVersionEndsWithGone) {
  testing::TestServer server(apiserver::StoreOptions{.event_history = 2, .watcher_queue = 100});
  auto client = server.client();
  auto cms = resources::config_maps();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(client->create(cms, "default", configmap("c" + std::to_string(i), "v")));
  auto stream = client->watch(cms, "default", {.resource_version = "1"});
  ASSERT_TRUE(stream);
  auto event = (*stream)->next(5s);
  ASSERT_TRUE(event);
  EXPECT_EQ(event->type, "ERROR");
  EXPECT_EQ(event->object["code"], 410);
  EXPECT_EQ(event->object["reason"], "Expired");
}

TEST(KubeClientTest, BookmarksCarryProgress) {
  testing::TestServer server;
  auto client = server.client();
  auto cms = resources::config_maps();
  auto stream = client->watch(cms, "default", {.resource_version = "", .bookmarks = true});
  ASSERT_TRUE(stream);
  ASSERT_TRUE(client->create(cms, "kthena-system", configmap("elsewhere", "v")));
  for (int i = 0; i < 20; ++i) {
    auto event = (*stream)->next(2s);
    ASSERT_TRUE(event);
    if (event->type != "BOOKMARK") continue;
    EXPECT_EQ(event->object["kind"], "ConfigMap");
    EXPECT_FALSE(event->object["metadata"]["resourceVersion"].get<std::string>().empty());
    return;
  }
  FAIL() << "no bookmark";
}

}  // namespace
}  // namespace kthena::kube
