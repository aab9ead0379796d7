#include "http/query_params.h"

#include <gtest/gtest.h>

namespace kthena::http {
namespace {

TEST(QueryParamsTest, DecodesSelectorsAndRejectsBadValues) {
  auto q = QueryParams::parse("labelSelector=app%3Ddemo%2Ctier+in+(a,b)&watch=1&limit=500&x");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->get("labelSelector"), "app=demo,tier in (a,b)");
  EXPECT_TRUE(*q->flag("watch"));
  EXPECT_EQ(**q->integer("limit"), 500);
  EXPECT_TRUE(q->has("x"));
  EXPECT_FALSE(*q->integer("missing"));
  EXPECT_FALSE(QueryParams::parse("a=%zz"));
  EXPECT_FALSE(QueryParams::parse("limit=abc")->integer("limit"));
  EXPECT_FALSE(QueryParams::parse("watch=maybe")->flag("watch"));
}

TEST(QueryParamsTest, IntegersMayBeNegativeForTheCallerToJudge) {
  auto q = QueryParams::parse("tailLines=-1&limitBytes=&sinceSeconds=1x");
  ASSERT_TRUE(q);
  EXPECT_EQ(**q->integer("tailLines"), -1);
  EXPECT_FALSE(*q->integer("limitBytes"));
  auto bad = q->integer("sinceSeconds");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "invalid value for sinceSeconds: \"1x\"");
}

}  // namespace
}  // namespace kthena::http
