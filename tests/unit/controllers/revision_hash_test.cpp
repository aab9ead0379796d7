#include "controllers/revision_hash.h"

#include <gtest/gtest.h>

namespace kthena::controllers {
namespace {

TEST(Fnv1Test, MatchesPublishedVectors) {
  EXPECT_EQ(fnv1_32(""), 0x811c9dc5u);  // the offset basis
  EXPECT_EQ(fnv1_32("a"), 0x050c5d7eu);
  EXPECT_EQ(fnv1_32("foobar"), 0x31f0b262u);
}

TEST(CanonicalJsonTest, SortsKeysAtEveryLevelAndDropsWhitespace) {
  Json value = Json::parse(R"({"b": [ {"z": 1, "a": null} ], "a": {"y": true, "x": "s"}})");
  EXPECT_EQ(canonical_json(value), R"({"a":{"x":"s","y":true},"b":[{"a":null,"z":1}]})");
}

TEST(RevisionHashTest, EncodesTheDecimalHashInUpstreamsAlphabet) {
  // fnv1_32 of "{"a":1,"b":[true,null,"x"]}" is 3174490712; each digit d maps to "456789bcdf"[d].
  EXPECT_EQ(revision_hash(Json::parse(R"({"b":[true,null,"x"],"a":1})")), "75c88f4c56");
}

TEST(RevisionHashTest, IgnoresKeyOrderButNotValues) {
  const Json a = Json::parse(R"({"name":"b1","workers":[{"type":"server","replicas":1}]})");
  const Json reordered = Json::parse(R"({"workers":[{"replicas":1,"type":"server"}],"name":"b1"})");
  const Json changed = Json::parse(R"({"name":"b1","workers":[{"type":"server","replicas":2}]})");
  const Json list_reordered = Json::parse(R"({"name":"b1","workers":[{"type":"server","replicas":1},{}]})");
  EXPECT_EQ(revision_hash(a), revision_hash(reordered));
  EXPECT_NE(revision_hash(a), revision_hash(changed));
  EXPECT_NE(revision_hash(a), revision_hash(list_reordered));
  // An integer and a float of the same value are different inputs.
  EXPECT_NE(revision_hash(Json::parse(R"({"r":1})")), revision_hash(Json::parse(R"({"r":1.0})")));
}

TEST(RevisionHashTest, LooksLikeUpstreamsLabels) {
  for (int i = 0; i < 200; ++i) {
    const std::string h = revision_hash(Json{{"i", i}});
    EXPECT_GE(h.size(), 1u);
    EXPECT_LE(h.size(), 10u);
    EXPECT_EQ(h.find_first_not_of("456789bcdf"), std::string::npos) << h;
  }
}

}  // namespace
}  // namespace kthena::controllers
