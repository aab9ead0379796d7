#include "controllers/modelbooster/go_format.h"

#include <gtest/gtest.h>

namespace kthena::controllers::modelbooster {
namespace {

// Expected values are what Go prints with fmt.Sprintf("%v", float64(x)).
TEST(GoFormatNumberTest, FloatsPrintAsGosShortestG) {
  const std::pair<double, const char*> cases[] = {
      {32768, "32768"},       {0.9, "0.9"},
      {1000000, "1e+06"},     {2097152, "2.097152e+06"},
      {123456, "123456"},     {999999, "999999"},
      {999999.5, "999999.5"}, {0.0001, "0.0001"},
      {0.00001, "1e-05"},     {0.000123, "0.000123"},
      {1.5e-7, "1.5e-07"},    {0, "0"},
      {-1000000, "-1e+06"},   {128, "128"},
      {0.35, "0.35"},         {1e21, "1e+21"},
      {1.5e300, "1.5e+300"},  {100000.25, "100000.25"},
      {-0.5, "-0.5"},
  };
  for (const auto& [value, expected] : cases) EXPECT_EQ(go_format_number(Json(value), false), expected) << value;
}

TEST(GoFormatNumberTest, IntegersPrintInDecimalUnlessTheyWentThroughFloat64) {
  EXPECT_EQ(go_format_number(Json(8900), false), "8900");
  EXPECT_EQ(go_format_number(Json(1000000), false), "1000000");
  EXPECT_EQ(go_format_number(Json(1000000), true), "1e+06");
  EXPECT_EQ(go_format_number(Json(-3), true), "-3");
  EXPECT_EQ(go_format_number(Json(0.5), false), "0.5");
}

TEST(GoParseBoolTest, AcceptsExactlyStrconvsSpellings) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) {
    bool out = false;
    EXPECT_TRUE(go_parse_bool(t, out)) << t;
    EXPECT_TRUE(out) << t;
  }
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) {
    bool out = true;
    EXPECT_TRUE(go_parse_bool(f, out)) << f;
    EXPECT_FALSE(out) << f;
  }
  for (const char* bad : {"", "yes", "on", "tRUE", " true", "2"}) {
    bool out = false;
    EXPECT_FALSE(go_parse_bool(bad, out)) << bad;
  }
}

}  // namespace
}  // namespace kthena::controllers::modelbooster
