#include "controllers/modelserving/scale_down.h"

#include <gtest/gtest.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace kthena::controllers::modelserving {
namespace {

std::shared_ptr<const Json> pod(std::optional<Json> cost) {
  Json object = {{"metadata", {{"name", "p"}}}};
  if (cost) object["metadata"]["annotations"]["controller.kubernetes.io/pod-deletion-cost"] = *cost;
  return std::make_shared<const Json>(std::move(object));
}

int64_t cost_of(std::vector<std::shared_ptr<const Json>> pods) {
  return deletion_cost(pods);
}

// upstream's TestCalculateRoleScoreSuccess and TestCalculateServingGroupScoreSuccess, and strconv.Atoi's rules.
TEST(ScaleDown, DeletionCostSumsTheAnnotation) {
  EXPECT_EQ(cost_of({pod(Json("5")), pod(Json("3"))}), 8);
  EXPECT_EQ(cost_of({pod(Json("4")), pod(Json("6"))}), 10);
  EXPECT_EQ(cost_of({}), 0);
  EXPECT_EQ(cost_of({pod(std::nullopt), pod(Json("2"))}), 2);
  EXPECT_EQ(cost_of({nullptr, pod(Json("2"))}), 2);
  EXPECT_EQ(cost_of({std::make_shared<const Json>(Json::object())}), 0);

  struct Case {
    const char* value;
    int64_t cost;
  };
  const Case cases[] = {
      {"7", 7},
      {"+7", 7},
      {"-3", -3},
      {"007", 7},
      {"0", 0},
      {"", 0},
      {"abc", 0},
      {" 5", 0},
      {"5 ", 0},
      {"1.5", 0},
      {"1e3", 0},
      {"+-1", 0},
      {"-", 0},
      {"+", 0},
      {"0x10", 0},
      {"1_000", 0},
      {"9223372036854775807", std::numeric_limits<int64_t>::max()},
      {"9223372036854775808", 0},
      {"-9223372036854775808", std::numeric_limits<int64_t>::min()},
  };
  for (const Case& c : cases) EXPECT_EQ(cost_of({pod(Json(c.value))}), c.cost) << '"' << c.value << '"';
  EXPECT_EQ(cost_of({pod(Json(5))}), 0) << "annotations are strings; a number is invalid";
}

TEST(ScaleDown, DeletionCostSaturates) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  EXPECT_EQ(cost_of({pod(Json(std::to_string(kMax))), pod(Json("1"))}), kMax);
  EXPECT_EQ(cost_of({pod(Json(std::to_string(kMin))), pod(Json("-1"))}), kMin);
  EXPECT_EQ(cost_of({pod(Json(std::to_string(kMax))), pod(Json(std::to_string(kMax))), pod(Json("-5"))}), kMax - 5);
}

ScaleDownCandidate running(int ordinal, int64_t cost = 0) {
  return {"g-" + std::to_string(ordinal), ordinal, true, cost};
}
ScaleDownCandidate creating(int ordinal, int64_t cost = 0) {
  return {"g-" + std::to_string(ordinal), ordinal, false, cost};
}

std::vector<int> ordinals(const std::vector<ScaleDownCandidate>& chosen) {
  std::vector<int> out;
  for (const auto& c : chosen) out.push_back(c.ordinal);
  return out;
}

// The bin-pack order of spec §3.6 and upstream's scaleDownServingGroups / scaleDownRoles scenarios.
TEST(ScaleDown, ChoosesInBinPackOrder) {
  struct Case {
    const char* name;
    std::vector<ScaleDownCandidate> candidates;
    size_t count;
    size_t partition;
    std::vector<int> deleted;
  };
  const Case cases[] = {
      {"equal scores: highest ordinals first", {running(0), running(1), running(2), running(3)}, 2, 0, {3, 2}},
      {"not running first", {running(0), creating(1), running(2), running(3)}, 2, 0, {1, 3}},
      {"every not-running before any running", {creating(0), running(1), creating(2), running(3)}, 3, 0, {2, 0, 3}},
      {"cheapest first", {running(0, 5), running(1, 0), running(2, 10), running(3, 0)}, 4, 0, {3, 1, 0, 2}},
      {"negative costs go first", {running(0), running(1, -1), running(2)}, 1, 0, {1}},
      {"status outranks cost", {running(0, 0), running(1, 0), creating(2, 100)}, 1, 0, {2}},
      {"cost orders within the not-running", {creating(0, 3), creating(1, 1), running(2)}, 2, 0, {1, 0}},
      {"partition protects the lowest ordinals", {running(0), running(1), running(2), running(3)}, 1, 2, {3}},
      {"protected only when the others do not suffice",
       {running(0), running(1), running(2), running(3)},
       3,
       2,
       {3, 2, 1}},
      {"protected ones in the same order", {creating(0), running(1), running(2), running(3)}, 3, 2, {3, 2, 0}},
      {"protection does not reorder the others", {running(0), running(1), creating(2, 9), running(3, 1)}, 2, 1, {2, 1}},
      {"partition larger than the list", {running(0), running(1, 4), running(2)}, 2, 5, {2, 0}},
      {"partition counts positions, not ordinals", {running(5), running(1), running(3)}, 2, 1, {5, 3}},
      {"more requested than there are", {running(0), running(1)}, 5, 0, {1, 0}},
      {"nothing requested", {running(0), running(1)}, 0, 0, {}},
      {"no candidates", {}, 2, 1, {}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(ordinals(choose_scale_down(c.candidates, c.count, c.partition)), c.deleted);
  }
}

TEST(ScaleDown, ChosenCandidatesKeepTheirFields) {
  auto chosen = choose_scale_down({running(0), creating(4, -7)}, 1, 0);
  ASSERT_EQ(chosen.size(), 1u);
  EXPECT_EQ(chosen[0], (ScaleDownCandidate{"g-4", 4, false, -7}));
}

TEST(ScaleDown, ScaledValueOfIntOrPercent) {
  struct Case {
    Json value;
    int32_t total;
    bool round_up;
    int32_t expected;
  };
  const Case cases[] = {
      {Json(), 4, true, -1},         {Json(3), 10, false, 3},     {Json(7), 2, true, 7},
      {Json(0), 2, true, 0},         {Json("50%"), 5, true, 3},   {Json("50%"), 5, false, 2},
      {Json("0%"), 8, true, 0},      {Json("100%"), 4, false, 4}, {Json("25%"), 3, true, 1},
      {Json("25%"), 3, false, 0},    {Json("150%"), 2, false, 3}, {Json("abc"), 4, true, -1},
      {Json("5"), 4, true, -1},      {Json(1.5), 4, true, -1},    {Json(int64_t{1} << 40), 4, true, -1},
      {Json::object(), 4, true, -1},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(scaled_value(c.value, c.total, c.round_up, -1), c.expected)
        << c.value.dump() << " of " << c.total << (c.round_up ? " rounded up" : " rounded down");
  }
}

}  // namespace
}  // namespace kthena::controllers::modelserving
