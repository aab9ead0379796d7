#include "apiserver/storage/store.h"

#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "unit/apiserver/storage/temp_dir.h"

namespace kthena::apiserver {
namespace {

using testing::TempDir;

ObjectKey cm(const std::string& ns, const std::string& name) {
  return {"", "configmaps", ns, name};
}

Json configmap(const std::string& name, const std::string& value, Json labels = Json::object()) {
  return Json{{"apiVersion", "v1"},
              {"kind", "ConfigMap"},
              {"metadata", {{"name", name}, {"labels", labels}}},
              {"data", {{"k", value}}}};
}

Result<StoredObject> put(Store& store, const ObjectKey& key, Json object) {
  Result<StoredObject> out = fail(ErrorCode::kInternal, "not run");
  auto r = store.transact([&](StoreTransaction& txn) -> Result<void> {
    out = txn.put(key, std::move(object));
    if (!out) return fail(out.error());
    return {};
  });
  if (!r) return fail(r.error());
  return out;
}

Result<void> remove(Store& store, const ObjectKey& key) {
  return store.transact([&](StoreTransaction& txn) -> Result<void> {
    auto r = txn.remove(key);
    if (!r) return fail(r.error());
    return {};
  });
}

std::vector<WatchItem> drain(Watcher& watcher) {
  std::vector<WatchItem> items;
  for (;;) {
    auto batch = watcher.take(100);
    if (batch.items.empty()) return items;
    for (auto& item : batch.items) items.push_back(std::move(item));
  }
}

TEST(StoreTest, WritesAssignIncreasingResourceVersionsAndSurviveReopen) {
  TempDir dir;
  auto file = dir.path() / "state.db";
  int64_t last = 0;
  {
    auto store = Store::open(file);
    ASSERT_TRUE(store) << store.error().message;
    for (int i = 0; i < 5; ++i) {
      auto stored = put(**store, cm("default", "cm" + std::to_string(i)), configmap("cm", std::to_string(i)));
      ASSERT_TRUE(stored) << stored.error().message;
      EXPECT_GT(stored->rv, last);
      EXPECT_EQ((*stored->object)["metadata"]["resourceVersion"], std::to_string(stored->rv));
      last = stored->rv;
    }
    ASSERT_TRUE(remove(**store, cm("default", "cm4")));
    last = (*store)->resource_version();
  }
  auto store = Store::open(file);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ((*store)->resource_version(), last);
  auto got = (*store)->get(cm("default", "cm3"));
  ASSERT_TRUE(got);
  EXPECT_EQ((*got->object)["data"]["k"], "3");
  EXPECT_FALSE((*store)->get(cm("default", "cm4")));
  auto next = put(**store, cm("default", "new"), configmap("new", "x"));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->rv, last + 1);
}

TEST(StoreTest, FailedTransactionStoresNothing) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db");
  ASSERT_TRUE(store);
  int64_t before = (*store)->resource_version();
  auto r = (*store)->transact([&](StoreTransaction& txn) -> Result<void> {
    auto a = txn.put(cm("default", "a"), configmap("a", "1"));
    EXPECT_TRUE(a);
    EXPECT_TRUE(txn.get(cm("default", "a")));  // the transaction sees its own write
    return fail(ErrorCode::kConflict, "changed my mind");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kConflict);
  EXPECT_FALSE((*store)->get(cm("default", "a")));
  EXPECT_EQ((*store)->resource_version(), before);
  auto b = put(**store, cm("default", "b"), configmap("b", "1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->rv, before + 1);
}

TEST(StoreTest, ATransactionThatThrowsFailsAloneAndTheStoreKeepsWriting) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db");
  ASSERT_TRUE(store);
  int64_t before = (*store)->resource_version();
  auto r = (*store)->transact([&](StoreTransaction& txn) -> Result<void> {
    EXPECT_TRUE(txn.put(cm("default", "a"), configmap("a", "1")));
    return Json::parse("{").is_null() ? Result<void>{} : fail(ErrorCode::kInternal, "unreachable");
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kInternal);
  EXPECT_NE(r.error().message.find("internal error"), std::string::npos) << r.error().message;
  EXPECT_FALSE((*store)->get(cm("default", "a")));
  EXPECT_EQ((*store)->resource_version(), before);
  auto b = put(**store, cm("default", "b"), configmap("b", "1"));
  ASSERT_TRUE(b) << b.error().message;
  EXPECT_EQ(b->rv, before + 1);
}

TEST(StoreTest, SecondOpenOfTheSameFileIsRefused) {
  TempDir dir;
  auto first = Store::open(dir.path() / "state.db");
  ASSERT_TRUE(first);
  auto second = Store::open(dir.path() / "state.db");
  ASSERT_FALSE(second);
  EXPECT_NE(second.error().message.find("another kthena apiserver"), std::string::npos) << second.error().message;
}

TEST(StoreTest, ListFiltersByNamespaceAndPagesWithContinue) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db");
  ASSERT_TRUE(store);
  for (auto ns : {"a", "b"}) {
    for (int i = 0; i < 5; ++i) {
      ASSERT_TRUE(put(**store, cm(ns, "cm" + std::to_string(i)),
                      configmap("cm" + std::to_string(i), "v", {{"even", i % 2 == 0 ? "yes" : "no"}})));
    }
  }
  ASSERT_TRUE(put(**store, {"", "secrets", "a", "s"}, configmap("s", "v")));
  Store::ListQuery all{"", "configmaps", "", std::nullopt, 0, nullptr};
  EXPECT_EQ((*store)->list(all).items.size(), 10u);
  Store::ListQuery in_b{"", "configmaps", "b", std::nullopt, 0, nullptr};
  EXPECT_EQ((*store)->list(in_b).items.size(), 5u);

  Store::ListQuery even{
      "", "configmaps", "", std::nullopt, 2, [](const Json& o) { return o["metadata"]["labels"]["even"] == "yes"; }};
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto result = (*store)->list(even);
    for (auto& item : result.items) {
      seen.push_back((*item.object)["metadata"]["name"].get<std::string>());
    }
    if (!result.next) break;
    EXPECT_EQ(result.items.size(), 2u);
    even.after = result.next;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"cm0", "cm2", "cm4", "cm0", "cm2", "cm4"}));
}

TEST(StoreTest, WatchFromNowStartsWithTheCurrentStateThenLiveEvents) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db");
  ASSERT_TRUE(store);
  ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", "1")));
  auto watcher = (*store)->watch({"", "configmaps", "default", nullptr}, 0);
  ASSERT_TRUE(watcher);
  ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", "2")));
  ASSERT_TRUE(put(**store, cm("other", "x"), configmap("x", "2")));
  ASSERT_TRUE(remove(**store, cm("default", "a")));
  auto items = drain(**watcher);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].type, EventType::kAdded);
  EXPECT_EQ(items[1].type, EventType::kModified);
  EXPECT_EQ((*items[1].object.object)["data"]["k"], "2");
  EXPECT_EQ(items[2].type, EventType::kDeleted);
  EXPECT_EQ(items[2].object.rv, (*store)->resource_version());
}

TEST(StoreTest, WatchResumesFromAResourceVersionAcrossARestart) {
  TempDir dir;
  auto file = dir.path() / "state.db";
  int64_t from = 0;
  {
    auto store = Store::open(file);
    ASSERT_TRUE(store);
    auto first = put(**store, cm("default", "a"), configmap("a", "1"));
    ASSERT_TRUE(first);
    from = first->rv;
    ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", "2")));
    ASSERT_TRUE(put(**store, cm("default", "b"), configmap("b", "1")));
  }
  auto store = Store::open(file);
  ASSERT_TRUE(store);
  auto watcher = (*store)->watch({"", "configmaps", "", nullptr}, from);
  ASSERT_TRUE(watcher) << watcher.error().message;
  ASSERT_TRUE(remove(**store, cm("default", "b")));
  auto items = drain(**watcher);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].type, EventType::kModified);
  EXPECT_EQ(items[1].type, EventType::kAdded);
  EXPECT_EQ(items[2].type, EventType::kDeleted);
  for (size_t i = 1; i < items.size(); ++i) EXPECT_GT(items[i].object.rv, items[i - 1].object.rv);
}

TEST(StoreTest, WatchFromACompactedResourceVersionIsGone) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db", StoreOptions{.event_history = 3, .watcher_queue = 10});
  ASSERT_TRUE(store);
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", std::to_string(i))));
  // History holds rv 4..6: resuming from 3 gets all of them, from 2 would miss rv 3.
  auto ok = (*store)->watch({"", "configmaps", "", nullptr}, 3);
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(drain(**ok).size(), 3u);
  auto gone = (*store)->watch({"", "configmaps", "", nullptr}, 2);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, ErrorCode::kGone);
  EXPECT_EQ(gone.error().message, "too old resource version: 2 (4)");
  auto future = (*store)->watch({"", "configmaps", "", nullptr}, 100);
  ASSERT_FALSE(future);
  EXPECT_EQ(future.error().code, ErrorCode::kTimeout);
}

TEST(StoreTest, CompactionIsRememberedAcrossARestart) {
  TempDir dir;
  auto file = dir.path() / "state.db";
  {
    auto store = Store::open(file, StoreOptions{.event_history = 5, .watcher_queue = 10});
    ASSERT_TRUE(store);
    for (int i = 0; i < 1200; ++i) ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", std::to_string(i))));
  }
  auto store = Store::open(file, StoreOptions{.event_history = 5, .watcher_queue = 10});
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->compacted_rv(), 1195);
  EXPECT_FALSE((*store)->watch({"", "configmaps", "", nullptr}, 1000));
  auto ok = (*store)->watch({"", "configmaps", "", nullptr}, 1195);
  ASSERT_TRUE(ok);
  EXPECT_EQ(drain(**ok).size(), 5u);
}

TEST(StoreTest, SelectorWatchSeesObjectsEnterAndLeave) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db");
  ASSERT_TRUE(store);
  auto gold = [](const Json& o) {
    auto labels = o["metadata"].value("labels", Json::object());
    return labels.value("tier", "") == "gold";
  };
  auto watcher = (*store)->watch({"", "configmaps", "", gold}, 0);
  ASSERT_TRUE(watcher);
  ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", "1", {{"tier", "silver"}})));
  ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", "2", {{"tier", "gold"}})));
  ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", "3", {{"tier", "gold"}})));
  ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", "4", {{"tier", "silver"}})));
  auto items = drain(**watcher);
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].type, EventType::kAdded);
  EXPECT_EQ(items[1].type, EventType::kModified);
  EXPECT_EQ(items[2].type, EventType::kDeleted);
}

TEST(StoreTest, ASlowWatcherIsClosedWithoutStallingOthers) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db", StoreOptions{.event_history = 100, .watcher_queue = 4});
  ASSERT_TRUE(store);
  auto slow = (*store)->watch({"", "configmaps", "", nullptr}, 0);
  auto fast = (*store)->watch({"", "configmaps", "", nullptr}, 0);
  ASSERT_TRUE(slow && fast);
  size_t fast_seen = 0;
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(put(**store, cm("default", "a"), configmap("a", std::to_string(i))));
    fast_seen += (*fast)->take(100).items.size();
  }
  EXPECT_EQ(fast_seen, 20u);
  auto batch = (*slow)->take(100);
  EXPECT_TRUE(batch.items.empty());
  EXPECT_EQ(batch.state, WatcherState::kOverflowed);
}

TEST(StoreTest, OwnerIndexFollowsWritesInsideAndAfterATransaction) {
  TempDir dir;
  auto store = Store::open(dir.path() / "state.db");
  ASSERT_TRUE(store);
  Json child = configmap("child", "1");
  child["metadata"]["ownerReferences"] = Json::array({{{"uid", "owner-1"}, {"name", "p"}}});
  ASSERT_TRUE((*store)->transact([&](StoreTransaction& txn) -> Result<void> {
    if (auto r = txn.put(cm("default", "child"), child); !r) return fail(r.error());
    EXPECT_EQ(txn.dependents("owner-1").size(), 1u);
    return {};
  }));
  EXPECT_EQ((*store)->dependents("owner-1"), std::vector<ObjectKey>{cm("default", "child")});
  EXPECT_EQ((*store)->missing_owners(), std::vector<std::string>{"owner-1"});
  Json parent = configmap("p", "1");
  parent["metadata"]["uid"] = "owner-1";
  ASSERT_TRUE(put(**store, cm("default", "p"), parent));
  EXPECT_TRUE((*store)->missing_owners().empty());
  EXPECT_EQ((*store)->key_of_uid("owner-1"), cm("default", "p"));
  ASSERT_TRUE(remove(**store, cm("default", "child")));
  EXPECT_TRUE((*store)->dependents("owner-1").empty());
}

TEST(StoreTest, ConcurrentTransactionsShareCommitsButSucceedOrFailAlone) {
  TempDir dir;
  auto file = dir.path() / "state.db";
  std::vector<int64_t> rvs(64, -1);
  {
    auto store = Store::open(file);
    ASSERT_TRUE(store);
    std::vector<std::thread> threads;
    for (int i = 0; i < 64; ++i) {
      threads.emplace_back([&, i] {
        Result<StoredObject> out = fail(ErrorCode::kInternal, "not run");
        auto r = (*store)->transact([&](StoreTransaction& txn) -> Result<void> {
          out = txn.put(cm("default", "c" + std::to_string(i)), configmap("c", std::to_string(i)));
          if (!out) return fail(out.error());
          // Odd bodies fail after writing: their writes must vanish, and nobody else's.
          if (i % 2 == 1) return fail(ErrorCode::kConflict, "odd");
          return {};
        });
        if (r) rvs[i] = out->rv;
      });
    }
    for (auto& t : threads) t.join();
  }
  auto store = Store::open(file);
  ASSERT_TRUE(store);
  std::set<int64_t> seen;
  for (int i = 0; i < 64; ++i) {
    auto got = (*store)->get(cm("default", "c" + std::to_string(i)));
    if (i % 2 == 1) {
      EXPECT_FALSE(got) << i;
      EXPECT_EQ(rvs[i], -1);
      continue;
    }
    ASSERT_TRUE(got) << i;
    EXPECT_EQ(got->rv, rvs[i]);
    EXPECT_TRUE(seen.insert(got->rv).second) << "resourceVersions are unique";
  }
  EXPECT_EQ(*seen.rbegin(), (*store)->resource_version()) << "no resourceVersion was spent on a failed body";
  EXPECT_EQ(*seen.rbegin(), 32);
}

}  // namespace
}  // namespace kthena::apiserver
