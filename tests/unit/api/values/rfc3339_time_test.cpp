#include "api/values/rfc3339_time.h"

#include <gtest/gtest.h>

namespace kthena::api {
namespace {

TEST(Rfc3339Time, ParsesAndFormats) {
  auto t = parse_rfc3339("2024-02-29T23:59:58Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(format_rfc3339(*t), "2024-02-29T23:59:58Z");
  auto offset = parse_rfc3339("2024-01-01T01:30:00.25+02:00");
  ASSERT_TRUE(offset.has_value());
  EXPECT_EQ(format_rfc3339(*offset), "2023-12-31T23:30:00Z");
  EXPECT_EQ(format_rfc3339_micro(*offset), "2023-12-31T23:30:00.250000Z");
  EXPECT_EQ(format_rfc3339_nano(*offset), "2023-12-31T23:30:00.25Z");
  EXPECT_EQ(format_rfc3339_nano(*t), "2024-02-29T23:59:58Z");
  auto epoch = parse_rfc3339("1970-01-01T00:00:00Z");
  EXPECT_EQ(epoch->time_since_epoch().count(), 0);
}

TEST(Rfc3339Time, Errors) {
  auto a = parse_rfc3339("2024-13-01T00:00:00Z");
  ASSERT_FALSE(a.has_value());
  EXPECT_EQ(a.error().message, "parsing time \"2024-13-01T00:00:00Z\": month out of range");
  EXPECT_EQ(parse_rfc3339("2023-02-29T00:00:00Z").error().message,
            "parsing time \"2023-02-29T00:00:00Z\": day out of range");
  EXPECT_EQ(parse_rfc3339("yesterday").error().message,
            "parsing time \"yesterday\" as \"2006-01-02T15:04:05Z07:00\": cannot parse \"yesterday\" as \"2006\"");
  EXPECT_FALSE(parse_rfc3339("2024-01-01T00:00:00").has_value());
  EXPECT_FALSE(parse_rfc3339("2024-01-01T00:00:00Zjunk").has_value());
}

}  // namespace
}  // namespace kthena::api
