// The webhooks' validateIntOrPercent.
#include <gtest/gtest.h>

#include "api/validation/int_or_percent.h"

namespace kthena::api::validation {
namespace {

std::string errors_of(const Json& v) {
  std::string out;
  for (const FieldError& e : validate_int_or_percent(v, FieldPath("f"))) out += e.to_string() + "\n";
  return out;
}

TEST(IntOrPercent, AcceptsCountsAndPercentages) {
  for (const Json& ok : {Json(0), Json(5), Json("0%"), Json("100%"), Json("007%")}) EXPECT_EQ(errors_of(ok), "") << ok;
}

TEST(IntOrPercent, RejectsWithUpstreamMessages) {
  EXPECT_EQ(errors_of(Json(-1)), "f: Invalid value: -1: must be a non-negative integer\n");
  EXPECT_EQ(errors_of(Json("101%")), "f: Invalid value: \"101%\": must be a valid percent value (0-100)\n");
  EXPECT_EQ(errors_of(Json("99999999999999999999%")),
            "f: Invalid value: \"99999999999999999999%\": must be a valid percent value (0-100)\n");
  EXPECT_EQ(errors_of(Json("5")),
            "f: Invalid value: \"5\": a valid percent string must be a numeric string followed by an ending '%' (e.g. "
            "'1%',  or '93%', regex used for validation is '[0-9]+%')\n");
  EXPECT_EQ(errors_of(Json(true)), "f: Invalid value: true: must be an int or percent\n");
}

}  // namespace
}  // namespace kthena::api::validation
