#include "apiserver/object_service.h"

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

#include "apiserver/garbage_collector.h"
#include "unit/apiserver/storage/temp_dir.h"
#include "unit/apiserver/test_resources.h"

namespace kthena::apiserver {
namespace {

using ::kthena::testing::TempDir;

class ObjectServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(dir_.path() / "state.db");
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    service_ = std::make_unique<ObjectService>(*store_, nullptr, [](const ResourceInfo&, const auto& path) {
      return path.size() == 2 && path[1] == "containers" ? ListMergeRule{ListMergeRule::Kind::kMergeByKey, "name"}
                                                         : ListMergeRule{};
    });
    gc_ = std::make_unique<GarbageCollector>(
        *store_, *service_, [this](const std::string& g, const std::string& r) { return resources_.find(g, r); });
    for (auto ns : {"default", "team"}) ASSERT_TRUE(create(ns_, "", Json{{"metadata", {{"name", ns}}}}));
  }

  ApiResult<Written> create(const ResourceInfo& r, const std::string& ns, Json object) {
    return service_->create(r, ns, std::move(object), {});
  }
  Json ms(const std::string& name, int replicas) {
    return Json{{"apiVersion", "workload.serving.volcano.sh/v1alpha1"},
                {"kind", "ModelServing"},
                {"metadata", {{"name", name}}},
                {"spec", {{"replicas", replicas}}},
                {"status", {{"replicas", 7}}}};
  }
  Json owned_cm(const std::string& name, const Json& owner) {
    return Json{{"metadata",
                 {{"name", name},
                  {"ownerReferences", Json::array({{{"apiVersion", owner["apiVersion"]},
                                                    {"kind", owner["kind"]},
                                                    {"name", owner["metadata"]["name"]},
                                                    {"uid", owner["metadata"]["uid"]}}})}}},
                {"data", {{"k", "v"}}}};
  }
  bool exists(const ResourceInfo& r, const std::string& ns, const std::string& name) {
    return service_->get(r, ns, name).has_value();
  }

  TempDir dir_;
  testing::TestResources resources_;
  ResourceInfo ns_ = testing::namespaces_resource();
  ResourceInfo cm_ = testing::configmaps_resource();
  ResourceInfo pod_ = testing::pods_resource();
  ResourceInfo ms_ = testing::modelservings_resource();
  std::unique_ptr<Store> store_;
  std::unique_ptr<ObjectService> service_;
  std::unique_ptr<GarbageCollector> gc_;
};

TEST_F(ObjectServiceTest, CreateFillsServerFieldsAndDropsStatusOfACustomResource) {
  auto created = create(ms_, "default", ms("demo", 2));
  ASSERT_TRUE(created) << created.error().message;
  const Json& object = *created->object.object;
  EXPECT_EQ(object["metadata"]["namespace"], "default");
  EXPECT_EQ(object["metadata"]["generation"], 1);
  EXPECT_EQ(object["metadata"]["uid"].get<std::string>().size(), 36u);
  EXPECT_FALSE(object["metadata"]["creationTimestamp"].get<std::string>().empty());
  EXPECT_FALSE(object.contains("status")) << "status is written through /status only";
  EXPECT_EQ(object["metadata"]["resourceVersion"], std::to_string(created->object.rv));

  auto again = create(ms_, "default", ms("demo", 2));
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, 409);
  EXPECT_EQ(again.error().message, "modelservings.workload.serving.volcano.sh \"demo\" already exists");
  auto no_ns = create(ms_, "missing", ms("demo", 2));
  ASSERT_FALSE(no_ns);
  EXPECT_EQ(no_ns.error().message, "namespaces \"missing\" not found");
  auto wrong_kind = create(ms_, "default", Json{{"kind", "ConfigMap"}, {"metadata", {{"name", "x"}}}});
  ASSERT_FALSE(wrong_kind);
  EXPECT_EQ(wrong_kind.error().code, 400);
  auto generated = create(cm_, "default", Json{{"metadata", {{"generateName", "cm-"}}}});
  ASSERT_TRUE(generated);
  EXPECT_EQ((*generated->object.object)["metadata"]["name"].get<std::string>().size(), 8u);
}

TEST_F(ObjectServiceTest, UpdateChecksResourceVersionBumpsGenerationOnSpecOnlyAndKeepsNoOps) {
  auto created = create(ms_, "default", ms("demo", 1));
  ASSERT_TRUE(created);
  Json next = *created->object.object;
  next["metadata"]["labels"] = {{"a", "b"}};
  auto labelled = service_->update(ms_, "default", "demo", next, Subresource::kNone, {});
  ASSERT_TRUE(labelled) << labelled.error().message;
  EXPECT_EQ((*labelled->object.object)["metadata"]["generation"], 1) << "metadata changes keep the generation";

  auto stale = service_->update(ms_, "default", "demo", next, Subresource::kNone, {});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, 409);
  EXPECT_EQ(stale.error().message,
            "Operation cannot be fulfilled on modelservings.workload.serving.volcano.sh \"demo\": the object has been "
            "modified; please apply your changes to the latest version and try again");

  Json spec_change = *labelled->object.object;
  spec_change["spec"]["replicas"] = 3;
  spec_change["status"] = {{"replicas", 99}};
  auto updated = service_->update(ms_, "default", "demo", spec_change, Subresource::kNone, {});
  ASSERT_TRUE(updated);
  EXPECT_EQ((*updated->object.object)["metadata"]["generation"], 2);
  EXPECT_FALSE(updated->object.object->contains("status")) << "the main resource ignores status";

  auto noop = service_->update(ms_, "default", "demo", *updated->object.object, Subresource::kNone, {});
  ASSERT_TRUE(noop);
  EXPECT_EQ(noop->object.rv, updated->object.rv);

  Json status = *updated->object.object;
  status["status"] = {{"replicas", 3}};
  status["spec"]["replicas"] = 100;
  auto status_written = service_->update(ms_, "default", "demo", status, Subresource::kStatus, {});
  ASSERT_TRUE(status_written);
  EXPECT_EQ((*status_written->object.object)["status"]["replicas"], 3);
  EXPECT_EQ((*status_written->object.object)["spec"]["replicas"], 3) << "/status changes only the status";
  EXPECT_EQ((*status_written->object.object)["metadata"]["generation"], 2);
}

TEST_F(ObjectServiceTest, OfTwoConcurrentUpdatesFromTheSameVersionExactlyOneWins) {
  auto created = create(cm_, "default", Json{{"metadata", {{"name", "race"}}}, {"data", {{"n", "0"}}}});
  ASSERT_TRUE(created);
  for (int round = 0; round < 20; ++round) {
    Json base = *service_->get(cm_, "default", "race")->object;
    std::atomic<int> wins{0}, conflicts{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 2; ++w) {
      writers.emplace_back([&, w] {
        Json next = base;
        next["data"]["n"] = std::to_string(round * 10 + w + 1);  // never the stored value: no no-ops
        auto r = service_->update(cm_, "default", "race", next, Subresource::kNone, {});
        if (r)
          ++wins;
        else if (r.error().code == 409)
          ++conflicts;
      });
    }
    for (auto& t : writers) t.join();
    EXPECT_EQ(wins.load(), 1);
    EXPECT_EQ(conflicts.load(), 1);
  }
}

TEST_F(ObjectServiceTest, PatchTypesAndTheirErrors) {
  ASSERT_TRUE(create(ms_, "default", ms("demo", 1)));
  auto merged = service_->patch(ms_, "default", "demo", PatchType::kMerge, Json::parse(R"({"spec":{"replicas":2}})"),
                                Subresource::kNone, {});
  ASSERT_TRUE(merged);
  EXPECT_EQ((*merged->object.object)["spec"]["replicas"], 2);
  auto json =
      service_->patch(ms_, "default", "demo", PatchType::kJson,
                      Json::parse(R"([{"op":"replace","path":"/spec/replicas","value":4}])"), Subresource::kNone, {});
  ASSERT_TRUE(json);
  EXPECT_EQ((*json->object.object)["spec"]["replicas"], 4);
  auto smp =
      service_->patch(ms_, "default", "demo", PatchType::kStrategicMerge, Json::object(), Subresource::kNone, {});
  ASSERT_FALSE(smp);
  EXPECT_EQ(smp.error().code, 415);
  auto negative = service_->patch(ms_, "default", "demo", PatchType::kMerge, Json::parse(R"({"spec":{"replicas":-1}})"),
                                  Subresource::kNone, {});
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().code, 422);
  ASSERT_EQ(negative.error().causes.size(), 1u);
  EXPECT_EQ(negative.error().causes[0].field, "spec.replicas");
  EXPECT_EQ(negative.error().causes[0].message, "Invalid value: -1: should be a non-negative integer");
  auto stale = service_->patch(ms_, "default", "demo", PatchType::kMerge,
                               Json::parse(R"({"metadata":{"resourceVersion":"1"},"spec":{"replicas":5}})"),
                               Subresource::kNone, {});
  ASSERT_FALSE(stale);
  EXPECT_EQ(stale.error().code, 409);

  auto applied = service_->patch(ms_, "default", "fresh", PatchType::kApply, ms("fresh", 3), Subresource::kNone, {});
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_TRUE(applied->created);
  auto reapplied = service_->patch(ms_, "default", "fresh", PatchType::kApply, ms("fresh", 5), Subresource::kNone, {});
  ASSERT_TRUE(reapplied);
  EXPECT_FALSE(reapplied->created);
  EXPECT_EQ((*reapplied->object.object)["spec"]["replicas"], 5);

  ASSERT_TRUE(
      create(pod_, "default", Json::parse(R"({"metadata":{"name":"p"},"spec":{"containers":[{"name":"a","image":"1"},
                                      {"name":"b","image":"1"}]}})")));
  auto pod =
      service_->patch(pod_, "default", "p", PatchType::kStrategicMerge,
                      Json::parse(R"({"spec":{"containers":[{"name":"b","image":"2"}]}})"), Subresource::kNone, {});
  ASSERT_TRUE(pod) << pod.error().message;
  EXPECT_EQ((*pod->object.object)["spec"]["containers"].size(), 2u);
  EXPECT_EQ((*pod->object.object)["spec"]["containers"][1]["image"], "2");
}

// As kube-apiserver: a patch that renames an object or moves it to another namespace is refused (it was silently
// undone), and a kind or apiVersion that is not a string is not read as absent.
TEST_F(ObjectServiceTest, PatchesMayNotRenameOrMoveAndTypeMetaMustBeStrings) {
  ASSERT_TRUE(create(cm_, "default", Json::parse(R"({"metadata":{"name":"a"},"data":{"k":"v"}})")));
  for (auto [type, body] : {std::pair{PatchType::kMerge, R"({"metadata":{"name":"b"}})"},
                            std::pair{PatchType::kJson, R"([{"op":"replace","path":"/metadata/name","value":"b"}])"},
                            std::pair{PatchType::kStrategicMerge, R"({"metadata":{"name":"b"}})"}}) {
    auto renamed = service_->patch(cm_, "default", "a", type, Json::parse(body), Subresource::kNone, {});
    ASSERT_FALSE(renamed) << body;
    EXPECT_EQ(renamed.error().code, 400);
    EXPECT_EQ(renamed.error().message, "the name of the object (b) does not match the name on the URL (a)");
  }
  auto moved = service_->patch(cm_, "default", "a", PatchType::kMerge,
                               Json::parse(R"({"metadata":{"namespace":"team"}})"), Subresource::kNone, {});
  ASSERT_FALSE(moved);
  EXPECT_EQ(moved.error().code, 400);
  EXPECT_EQ(moved.error().message,
            "the namespace of the object (team) does not match the namespace on the URL (default)");
  EXPECT_FALSE(exists(cm_, "team", "a"));
  EXPECT_FALSE(exists(cm_, "default", "b"));
  // Restating the same name and namespace is no change.
  EXPECT_TRUE(service_->patch(cm_, "default", "a", PatchType::kMerge,
                              Json::parse(R"({"metadata":{"name":"a","namespace":"default"},"data":{"k":"w"}})"),
                              Subresource::kNone, {}));

  for (const char* body : {R"({"apiVersion":"v1","kind":5,"metadata":{"name":"c"}})",
                           R"({"apiVersion":5,"kind":"ConfigMap","metadata":{"name":"c"}})",
                           R"({"apiVersion":"v1","kind":{"k":"ConfigMap"},"metadata":{"name":"c"}})"}) {
    auto created = create(cm_, "default", Json::parse(body));
    ASSERT_FALSE(created) << body;
    EXPECT_EQ(created.error().code, 400);
    EXPECT_NE(created.error().message.find("must be a string"), std::string::npos) << created.error().message;
  }
  EXPECT_FALSE(exists(cm_, "default", "c"));
}

TEST_F(ObjectServiceTest, PatchesCannotGrowAnObjectPastTheStorageLimit) {
  ASSERT_TRUE(create(cm_, "default", Json{{"metadata", {{"name", "big"}}}, {"data", Json::object()}}));
  const std::string chunk(600 * 1024, 'x');
  for (const char* key : {"a", "b"}) {
    ASSERT_TRUE(service_->patch(cm_, "default", "big", PatchType::kMerge, Json{{"data", {{key, chunk}}}},
                                Subresource::kNone, {}));
  }
  auto third =
      service_->patch(cm_, "default", "big", PatchType::kMerge, Json{{"data", {{"c", chunk}}}}, Subresource::kNone, {});
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, 413);
  EXPECT_NE(third.error().message.find("limit is 1572864"), std::string::npos) << third.error().message;
  EXPECT_FALSE((*service_->get(cm_, "default", "big")->object)["data"].contains("c")) << "nothing of it is stored";
}

TEST_F(ObjectServiceTest, ScaleSubresourceReadsAndWritesReplicas) {
  ASSERT_TRUE(create(ms_, "default", ms("demo", 1)));
  auto status =
      service_->patch(ms_, "default", "demo", PatchType::kMerge,
                      Json::parse(R"({"status":{"replicas":1,"labelSelector":"app=demo"}})"), Subresource::kStatus, {});
  ASSERT_TRUE(status);
  auto scaled = service_->patch(ms_, "default", "demo", PatchType::kMerge, Json::parse(R"({"spec":{"replicas":3}})"),
                                Subresource::kScale, {});
  ASSERT_TRUE(scaled) << scaled.error().message;
  auto scale = service_->scale_of(ms_, scaled->object);
  ASSERT_TRUE(scale);
  EXPECT_EQ((*scale)["spec"]["replicas"], 3);
  EXPECT_EQ((*scale)["status"], Json::parse(R"({"replicas":1,"selector":"app=demo"})"));
  EXPECT_EQ((*scaled->object.object)["metadata"]["generation"], 2);

  Json stale = *scale;
  stale["metadata"]["resourceVersion"] = "2";
  auto conflict = service_->update(ms_, "default", "demo", stale, Subresource::kScale, {});
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, 409);
}

TEST_F(ObjectServiceTest, DryRunValidatesAndStoresNothing) {
  int64_t before = store_->resource_version();
  auto created = service_->create(ms_, "default", ms("dry", 1), {.dry_run = true});
  ASSERT_TRUE(created);
  EXPECT_FALSE(exists(ms_, "default", "dry"));
  EXPECT_EQ(store_->resource_version(), before);
  ASSERT_TRUE(create(ms_, "default", ms("real", 1)));
  auto deleted = service_->remove(ms_, "default", "real", {.dry_run = true});
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(exists(ms_, "default", "real"));
}

TEST_F(ObjectServiceTest, BackgroundDeletionCollectsDependentsAndOrphanKeepsThem) {
  auto owner = create(ms_, "default", ms("owner", 1));
  ASSERT_TRUE(owner);
  ASSERT_TRUE(create(cm_, "default", owned_cm("child", *owner->object.object)));
  auto grandchild_owner = service_->get(cm_, "default", "child");
  ASSERT_TRUE(create(cm_, "default", owned_cm("grandchild", *grandchild_owner->object)));

  auto deleted = service_->remove(ms_, "default", "owner", {.propagation = "Background"});
  ASSERT_TRUE(deleted);
  EXPECT_TRUE(deleted->gone);
  EXPECT_TRUE(exists(cm_, "default", "child"));
  while (gc_->collect_once() > 0) {
  }
  EXPECT_FALSE(exists(cm_, "default", "child"));
  EXPECT_FALSE(exists(cm_, "default", "grandchild"));

  auto second = create(ms_, "default", ms("owner2", 1));
  ASSERT_TRUE(create(cm_, "default", owned_cm("kept", *second->object.object)));
  ASSERT_TRUE(service_->remove(ms_, "default", "owner2", {.propagation = "Orphan"}));
  while (gc_->collect_once() > 0) {
  }
  auto kept = service_->get(cm_, "default", "kept");
  ASSERT_TRUE(kept);
  EXPECT_FALSE((*kept->object)["metadata"].contains("ownerReferences"));
}

TEST_F(ObjectServiceTest, ForegroundDeletionWaitsForDependentsAndFinalizersHoldObjects) {
  auto owner = create(ms_, "default", ms("owner", 1));
  ASSERT_TRUE(owner);
  Json held = owned_cm("held", *owner->object.object);
  held["metadata"]["finalizers"] = Json::array({"example.com/hold"});
  ASSERT_TRUE(create(cm_, "default", held));

  auto deleted = service_->remove(ms_, "default", "owner", {.propagation = "Foreground"});
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->gone);
  EXPECT_TRUE((*deleted->object.object)["metadata"].contains("deletionTimestamp"));
  while (gc_->collect_once() > 0) {
  }
  EXPECT_TRUE(exists(ms_, "default", "owner")) << "waits for its dependent";
  auto child = service_->get(cm_, "default", "held");
  ASSERT_TRUE(child);
  EXPECT_TRUE((*child->object)["metadata"].contains("deletionTimestamp"));

  auto adding =
      service_->patch(cm_, "default", "held", PatchType::kMerge,
                      Json::parse(R"({"metadata":{"finalizers":["example.com/hold","x"]}})"), Subresource::kNone, {});
  ASSERT_FALSE(adding);
  EXPECT_EQ(adding.error().code, 422);

  auto released = service_->patch(cm_, "default", "held", PatchType::kMerge,
                                  Json::parse(R"({"metadata":{"finalizers":null}})"), Subresource::kNone, {});
  ASSERT_TRUE(released) << released.error().message;
  EXPECT_FALSE(exists(cm_, "default", "held"));
  while (gc_->collect_once() > 0) {
  }
  EXPECT_FALSE(exists(ms_, "default", "owner"));
}

TEST_F(ObjectServiceTest, NamespacesTerminateAfterTheirContents) {
  ASSERT_TRUE(create(cm_, "team", Json{{"metadata", {{"name", "a"}}}}));
  auto protected_ns = service_->remove(ns_, "", "default", {});
  ASSERT_FALSE(protected_ns);
  EXPECT_EQ(protected_ns.error().code, 403);
  auto deleted = service_->remove(ns_, "", "team", {});
  ASSERT_TRUE(deleted);
  EXPECT_FALSE(deleted->gone);
  EXPECT_EQ((*deleted->object.object)["status"]["phase"], "Terminating");
  auto refused = create(cm_, "team", Json{{"metadata", {{"name", "b"}}}});
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, 403);
  while (gc_->collect_once() > 0) {
  }
  EXPECT_FALSE(exists(cm_, "team", "a"));
  EXPECT_FALSE(exists(ns_, "", "team"));
}

const Json* condition(const Json& ns, const std::string& type) {
  for (const Json& c : ns["status"]["conditions"]) {
    if (c["type"] == type) return &c;
  }
  return nullptr;
}

TEST_F(ObjectServiceTest, ATerminatingNamespaceSaysWhatHoldsIt) {
  ASSERT_TRUE(create(cm_, "team", Json{{"metadata", {{"name", "held"}, {"finalizers", {"example.com/x"}}}}}));
  ASSERT_TRUE(create(pod_, "team",
                     Json::parse(R"({"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"a"}]}})")));
  ASSERT_TRUE(create(cm_, "team", Json{{"metadata", {{"name", "free"}}}}));
  ASSERT_TRUE(service_->remove(ns_, "", "team", {}));
  while (gc_->collect_once() > 0) {
  }
  auto ns = service_->get(ns_, "", "team");
  ASSERT_TRUE(ns) << "the finalizer and the pod on its node keep it";
  const Json& object = *ns->object;
  EXPECT_EQ(object["status"]["phase"], "Terminating");
  ASSERT_EQ(object["status"]["conditions"].size(), 5u) << object.dump();
  const Json* remaining = condition(object, "NamespaceContentRemaining");
  ASSERT_NE(remaining, nullptr);
  EXPECT_EQ((*remaining)["status"], "True");
  EXPECT_EQ((*remaining)["reason"], "SomeResourcesRemain");
  EXPECT_EQ((*remaining)["message"],
            "Some resources are remaining: configmaps. has 1 resource instances, pods. has 1 resource instances");
  const Json* finalizers = condition(object, "NamespaceFinalizersRemaining");
  ASSERT_NE(finalizers, nullptr);
  EXPECT_EQ((*finalizers)["status"], "True");
  EXPECT_EQ((*finalizers)["reason"], "SomeFinalizersRemain");
  EXPECT_EQ((*finalizers)["message"],
            "Some content in the namespace has finalizers remaining: example.com/x in 1 resource instances");
  for (const char* ok : {"NamespaceDeletionDiscoveryFailure", "NamespaceDeletionGroupVersionParsingFailure",
                         "NamespaceDeletionContentFailure"}) {
    ASSERT_NE(condition(object, ok), nullptr) << ok;
    EXPECT_EQ((*condition(object, ok))["status"], "False") << ok;
  }
  EXPECT_EQ((*condition(object, "NamespaceDeletionContentFailure"))["reason"], "ContentDeleted");

  const int64_t rv = ns->rv;
  EXPECT_EQ(gc_->collect_once(), 0u);
  EXPECT_EQ(service_->get(ns_, "", "team")->rv, rv) << "nothing changed, nothing written";

  ASSERT_TRUE(service_->remove(pod_, "team", "p", {.grace_period_seconds = 0}));
  (void)gc_->collect_once();
  const Json& after = *service_->get(ns_, "", "team")->object;
  EXPECT_EQ((*condition(after, "NamespaceContentRemaining"))["message"],
            "Some resources are remaining: configmaps. has 1 resource instances");

  ASSERT_TRUE(service_->patch(cm_, "team", "held", PatchType::kMerge,
                              Json::parse(R"({"metadata":{"finalizers":null}})"), Subresource::kNone, {}));
  while (gc_->collect_once() > 0) {
  }
  EXPECT_FALSE(exists(ns_, "", "team"));
}

TEST_F(ObjectServiceTest, APodOnANodeWaitsForItsNodeAgent) {
  ASSERT_TRUE(create(pod_, "default",
                     Json::parse(R"({"metadata":{"name":"p"},"spec":{"nodeName":"n1","containers":[{"name":"a"}]}})")));
  auto first = service_->remove(pod_, "default", "p", {});
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->gone);
  EXPECT_EQ((*first->object.object)["metadata"]["deletionGracePeriodSeconds"], 30);
  auto forced = service_->remove(pod_, "default", "p", {.grace_period_seconds = 0});
  ASSERT_TRUE(forced);
  EXPECT_TRUE(forced->gone);
}

}  // namespace
}  // namespace kthena::apiserver
