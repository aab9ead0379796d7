#include "api/values/int_or_string.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

namespace kthena::api {
namespace {

TEST(IntOrString, ScalesPercentages) {
  EXPECT_EQ(*IntOrString(3).scaled_value(10, true), 3);
  EXPECT_EQ(*IntOrString("25%").scaled_value(10, true), 3);
  EXPECT_EQ(*IntOrString("25%").scaled_value(10, false), 2);
  EXPECT_EQ(*IntOrString("0%").scaled_value(10, true), 0);
  EXPECT_EQ(*IntOrString("100%").scaled_value(7, false), 7);
  EXPECT_EQ(*IntOrString("-10%").scaled_value(10, true), -1);
}

TEST(IntOrString, ErrorsAsApimachinery) {
  auto a = IntOrString("5").scaled_value(10, true);
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().message, "invalid value for IntOrString: invalid type: string is not a percentage");
  auto b = IntOrString("x%").scaled_value(10, true);
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().message,
            "invalid value for IntOrString: invalid value \"x%\": strconv.Atoi: parsing \"x\": invalid syntax");
}

TEST(IntOrString, FromJson) {
  EXPECT_TRUE(IntOrString::from_json(Json(5))->is_int());
  EXPECT_EQ(IntOrString::from_json(Json("5%"))->str_value(), "5%");
  EXPECT_FALSE(IntOrString::from_json(Json(1.5)).has_value());
  EXPECT_FALSE(IntOrString::from_json(Json(int64_t{1} << 40)).has_value());
  EXPECT_EQ(IntOrString("x").to_json(), Json("x"));
}

TEST(IntOrString, PropertyPercentScaling) {
  EXPECT_TRUE(rc::check("floor <= exact <= ceil, within one", [] {
    int percent = *rc::gen::inRange(0, 101);
    int64_t total = *rc::gen::inRange<int64_t>(0, 1'000'000);
    IntOrString v(std::to_string(percent) + "%");
    int64_t up = *v.scaled_value(total, true);
    int64_t down = *v.scaled_value(total, false);
    RC_ASSERT(down <= up);
    RC_ASSERT(up - down <= 1);
    RC_ASSERT(down <= total);
    RC_ASSERT(down * 100 <= percent * total);
    RC_ASSERT(up * 100 >= percent * total);
    RC_ASSERT((up == down) == ((percent * total) % 100 == 0));
    RC_ASSERT(*IntOrString(static_cast<int32_t>(percent)).scaled_value(total, true) == percent);
  }));
}

}  // namespace
}  // namespace kthena::api
