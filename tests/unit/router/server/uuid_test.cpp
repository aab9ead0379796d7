#include <array>
#include <regex>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "router/server/worker.h"

namespace kthena::router {
namespace {

TEST(UuidV4, HasTheVersionAndVariantBitsInTheCanonicalForm) {
  Rng rng(42);
  const std::regex form("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::array<char, 36> text;
    uuid_v4(rng, text);
    std::string id(text.data(), text.size());
    ASSERT_TRUE(std::regex_match(id, form)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

}  // namespace
}  // namespace kthena::router
