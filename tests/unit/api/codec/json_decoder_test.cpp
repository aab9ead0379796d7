#include "api/codec/json_decoder.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

TEST(JsonDecoder, ParsesWithJsonNumbers) {
  auto v = decode_json(R"({"a": 1, "b": 1.0, "c": 18446744073709551615, "d": "x"})", "t.json");
  ASSERT_TRUE(v.has_value());
  EXPECT_TRUE((*v)["a"].is_number_integer());
  EXPECT_TRUE((*v)["b"].is_number_float());
  EXPECT_TRUE((*v)["c"].is_number_unsigned());
}

TEST(JsonDecoder, DuplicateKeysNameThePosition) {
  auto v = decode_json("{\n  \"a\": 1,\n  \"b\": {\"a\": 2},\n  \"a\": 3\n}", "t.json");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().to_string(), "t.json:4:3: duplicate field \"a\"");
}

TEST(JsonDecoder, SyntaxErrorsNameThePosition) {
  auto v = decode_json("{\n  \"a\": tru\n}", "t.json");
  ASSERT_FALSE(v.has_value());
  EXPECT_EQ(v.error().field.rfind("t.json:2:", 0), 0u) << v.error().to_string();
  EXPECT_NE(v.error().message.find("syntax error"), std::string::npos);
}

TEST(JsonDecoder, BoundsNesting) {
  std::string deep(kMaxNestingDepth + 10, '[');
  auto v = decode_json(deep, "t.json");
  ASSERT_FALSE(v.has_value());
  EXPECT_NE(v.error().message.find("nesting"), std::string::npos);
  EXPECT_EQ(v.error().field, "t.json:1:" + std::to_string(kMaxNestingDepth + 1));
}

}  // namespace
}  // namespace kthena::api
