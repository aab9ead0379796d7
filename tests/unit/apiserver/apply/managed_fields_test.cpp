#include <gtest/gtest.h>

#include "apiserver/apply/managed_fields.h"

namespace kthena::apiserver {
namespace {

Json parse(std::string_view text) {
  return Json::parse(text);
}

// containers and ports merge by key, finalizers are a set; other lists are atomic.
ListMergeRule rules(const std::vector<std::string>& path) {
  if (!path.empty() && path.back() == "containers") return {ListMergeRule::Kind::kMergeByKey, "name"};
  if (!path.empty() && path.back() == "finalizers") return {ListMergeRule::Kind::kUnion, ""};
  return {};
}

const FieldManager kApplier{"apply-a", "v1", ""};
const FieldManager kOther{"other", "v1", ""};

TEST(FieldSetTest, RoundTripsFieldsV1AndComputesSetOperations) {
  Json v1 = parse(R"({"f:spec":{"f:replicas":{},"f:containers":{"k:{\"name\":\"a\"}":{".":{},"f:image":{}}}}})");
  FieldSet set = FieldSet::from_fields_v1(v1);
  EXPECT_TRUE(same_value(set.to_fields_v1(), v1)) << set.to_fields_v1().dump();
  FieldSet replicas = FieldSet::from_fields_v1(parse(R"({"f:spec":{"f:replicas":{}}})"));
  EXPECT_TRUE(same_value(set.minus(replicas).to_fields_v1(),
                         parse(R"({"f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{".":{},"f:image":{}}}}})")));
  EXPECT_EQ(set.intersect(replicas).to_fields_v1(), replicas.to_fields_v1());
  EXPECT_EQ(set.members().size(), 3u);  // replicas, the element, its image
  EXPECT_EQ(field_path_text({"f:spec", "f:containers", "k:{\"name\":\"a\"}", "f:image"}),
            ".spec.containers[name=\"a\"].image");
  EXPECT_TRUE(FieldSet::from_fields_v1(parse("[1,2]")).empty()) << "malformed input reads as nothing";
}

TEST(ObjectFieldsTest, FieldsFollowTheListRules) {
  Json pod = parse(R"({"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","uid":"u","labels":{"x":"1"},
    "finalizers":["f1"]},"spec":{"containers":[{"name":"a","image":"i","args":["1","2"]}]},"status":{"phase":"P"}})");
  Json fields = fields_of(pod, rules, FieldScope::kObject).to_fields_v1();
  EXPECT_TRUE(same_value(fields, parse(R"({"f:metadata":{"f:labels":{"f:x":{}},"f:finalizers":{"v:\"f1\"":{}}},
    "f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{".":{},"f:name":{},"f:image":{},"f:args":{}}}}})")))
      << fields.dump();
  EXPECT_EQ(fields_of(pod, rules, FieldScope::kStatus).to_fields_v1(), parse(R"({"f:status":{"f:phase":{}}})"));

  Json next = pod;
  next["spec"]["containers"][0]["image"] = "j";
  next["metadata"]["labels"]["y"] = "2";
  EXPECT_TRUE(same_value(changed_fields(pod, next, rules, FieldScope::kObject).to_fields_v1(),
                         parse(R"({"f:metadata":{"f:labels":{"f:y":{}}},
                                   "f:spec":{"f:containers":{"k:{\"name\":\"a\"}":{"f:image":{}}}}})")));
  EXPECT_EQ(value_at(next, {"f:spec", "f:containers", "k:{\"name\":\"a\"}", "f:image"}), Json("j"));
  EXPECT_FALSE(value_at(next, {"f:spec", "f:containers", "k:{\"name\":\"b\"}"}).has_value());
  remove_at(next, {"f:spec", "f:containers", "k:{\"name\":\"a\"}"});
  EXPECT_TRUE(next["spec"]["containers"].empty());
  remove_at(next, {"f:metadata", "f:finalizers", "v:\"f1\""});
  EXPECT_TRUE(next["metadata"]["finalizers"].empty());
}

TEST(ManagedFieldsTest, AnUpdateTakesTheFieldsItChanges) {
  Json created = parse(R"({"metadata":{"name":"c"},"data":{"a":"1","b":"2"}})");
  record_update(nullptr, created, kApplier, rules);
  ASSERT_EQ(created["metadata"]["managedFields"].size(), 1u);
  EXPECT_EQ(created["metadata"]["managedFields"][0]["operation"], "Update");
  Json next = created;
  next["data"]["a"] = "changed";
  next["data"].erase("b");
  record_update(&created, next, kOther, rules);
  const Json& entries = next["metadata"]["managedFields"];
  // The first manager lost a (taken) and b (gone): with nothing left, its entry goes.
  ASSERT_EQ(entries.size(), 1u) << entries.dump(2);
  EXPECT_EQ(entries[0]["manager"], "other");
  EXPECT_EQ(entries[0]["fieldsV1"], parse(R"({"f:data":{"f:a":{}}})"));
  // A write that changes nothing leaves the entries (and their times) alone.
  Json same = next;
  record_update(&next, same, kOther, rules);
  EXPECT_EQ(same["metadata"]["managedFields"], next["metadata"]["managedFields"]);
}

TEST(ManagedFieldsTest, ApplyConflictsForcesAndRemoves) {
  Json config = parse(R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"a":"1","b":"2"}})");
  auto created = server_side_apply(nullptr, config, kApplier, false, rules);
  ASSERT_TRUE(created);
  Json live = *created;
  // Another manager changes a.
  Json patched = live;
  patched["data"]["a"] = "9";
  record_update(&live, patched, kOther, rules);
  auto conflict = server_side_apply(&patched, config, kApplier, false, rules);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().code, 409);
  EXPECT_EQ(conflict.error().message, "Apply failed with 1 conflict: conflict with \"other\" using v1: .data.a");
  ASSERT_EQ(conflict.error().causes.size(), 1u);
  EXPECT_EQ(conflict.error().causes[0].reason, "FieldManagerConflict");
  EXPECT_EQ(conflict.error().causes[0].field, ".data.a");

  auto forced = server_side_apply(&patched, config, kApplier, true, rules);
  ASSERT_TRUE(forced);
  EXPECT_EQ((*forced)["data"]["a"], "1");
  for (const Json& e : (*forced)["metadata"]["managedFields"]) {
    if (e["manager"] == "other") FAIL() << "the forced field stayed with its manager: " << e.dump();
  }
  // b leaves the configuration: removed. a, shared with nobody, stays applied.
  Json smaller = config;
  smaller["data"].erase("b");
  auto removed = server_side_apply(&*forced, smaller, kApplier, false, rules);
  ASSERT_TRUE(removed);
  EXPECT_EQ((*removed)["data"], parse(R"({"a":"1"})"));
}

TEST(ManagedFieldsTest, ManagerNamesComeFromTheUserAgent) {
  EXPECT_EQ(manager_from_user_agent("kubectl/v1.32.0 (linux/amd64) kubernetes/abc"), "kubectl");
  EXPECT_EQ(manager_from_user_agent("kthena"), "kthena");
  EXPECT_EQ(manager_from_user_agent(std::string(300, 'x')).size(), 128u);
}

}  // namespace
}  // namespace kthena::apiserver
