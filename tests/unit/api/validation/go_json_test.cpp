// How Go's fmt and encoding/json render the values that webhook messages embed.
#include <gtest/gtest.h>

#include "api/validation/go_json.h"

namespace kthena::api::validation {
namespace {

TEST(GoJson, SprintsLikeGo) {
  EXPECT_EQ(go_sprint(Json(9000)), "9000");
  EXPECT_EQ(go_sprint(Json(9000.0)), "9000");
  EXPECT_EQ(go_sprint(Json(8000.5)), "8000.5");
  EXPECT_EQ(go_sprint(Json(1e6)), "1e+06");
  EXPECT_EQ(go_sprint(Json(123456.0)), "123456");
  EXPECT_EQ(go_sprint(Json(1234567.0)), "1.234567e+06");
  EXPECT_EQ(go_sprint(Json(0.0001)), "0.0001");
  EXPECT_EQ(go_sprint(Json(0.00001)), "1e-05");
  EXPECT_EQ(go_sprint(Json(-2.5)), "-2.5");
  EXPECT_EQ(go_sprint(Json(nullptr)), "<nil>");
  EXPECT_EQ(go_sprint(Json(true)), "true");
  EXPECT_EQ(go_sprint(Json("9000")), "9000");
}

TEST(GoJson, NamesTypesLikePercentT) {
  EXPECT_EQ(go_type_name(Json(1)), "float64");
  EXPECT_EQ(go_type_name(Json::object()), "map[string]interface {}");
  EXPECT_EQ(go_type_name(Json::array()), "[]interface {}");
  EXPECT_EQ(go_type_name(Json(false)), "bool");
}

TEST(GoJson, UnmarshalsObjectsOnly) {
  EXPECT_EQ(go_unmarshal_object(R"({"a": 1})").value(), Json::parse(R"({"a": 1})"));
  EXPECT_EQ(go_unmarshal_object("null").value(), Json::object());
  EXPECT_EQ(go_unmarshal_object("[1]").error().message,
            "json: cannot unmarshal array into Go value of type map[string]interface {}");
  EXPECT_EQ(go_unmarshal_object("  ").error().message, "unexpected end of JSON input");
  EXPECT_EQ(go_unmarshal_object(R"({"a": )").error().message, "unexpected end of JSON input");
  EXPECT_EQ(go_unmarshal_object("x").error().message, "invalid character 'x' looking for beginning of value");
}

}  // namespace
}  // namespace kthena::api::validation
