#include "controllers/modelserving/scale_down.h"

#include <algorithm>
#include <charconv>
#include <limits>
#include <optional>
#include <string_view>
#include <tuple>

#include "api/values/int_or_string.h"

namespace kthena::controllers::modelserving {
namespace {

constexpr std::string_view kDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost";

// strconv.Atoi: an optional sign, then decimal digits only, within int64.
std::optional<int64_t> go_atoi(std::string_view text) {
  if (text.starts_with('+')) {
    text.remove_prefix(1);
    if (text.empty() || text[0] < '0' || text[0] > '9') return std::nullopt;
  }
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

int64_t pod_deletion_cost(const Json& pod) {
  if (!pod.is_object()) return 0;
  auto metadata = pod.find("metadata");
  if (metadata == pod.end() || !metadata->is_object()) return 0;
  auto annotations = metadata->find("annotations");
  if (annotations == metadata->end() || !annotations->is_object()) return 0;
  auto cost = annotations->find(kDeletionCostAnnotation);
  if (cost == annotations->end() || !cost->is_string()) return 0;
  return go_atoi(cost->get_ref<const std::string&>()).value_or(0);
}

int64_t saturating_add(int64_t a, int64_t b) {
  int64_t sum = 0;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

// Deletion order: not running first, cheapest first, highest ordinal first. Names only break ties between
// candidates with the same ordinal, which the store never holds, so that the order is total.
bool deleted_before(const ScaleDownCandidate& a, const ScaleDownCandidate& b) {
  return std::tuple(a.running, a.deletion_cost, -int64_t{a.ordinal}, std::string_view(a.name)) <
         std::tuple(b.running, b.deletion_cost, -int64_t{b.ordinal}, std::string_view(b.name));
}

}  // namespace

int64_t deletion_cost(std::span<const std::shared_ptr<const Json>> pods) {
  int64_t total = 0;
  for (const auto& pod : pods) {
    if (pod) total = saturating_add(total, pod_deletion_cost(*pod));
  }
  return total;
}

std::vector<ScaleDownCandidate> choose_scale_down(std::vector<ScaleDownCandidate> candidates, size_t count,
                                                  size_t partition) {
  // The partition protects positions in the ordinal-sorted list, not ordinal values (upstream splits its sorted
  // group list at the partition index).
  std::sort(candidates.begin(), candidates.end(), [](const ScaleDownCandidate& a, const ScaleDownCandidate& b) {
    return std::tie(a.ordinal, a.name) < std::tie(b.ordinal, b.name);
  });
  auto split = candidates.begin() + static_cast<std::ptrdiff_t>(std::min(partition, candidates.size()));
  std::sort(candidates.begin(), split, deleted_before);
  std::sort(split, candidates.end(), deleted_before);

  std::vector<ScaleDownCandidate> chosen;
  chosen.reserve(std::min(count, candidates.size()));
  for (auto it = split; it != candidates.end() && chosen.size() < count; ++it) chosen.push_back(std::move(*it));
  for (auto it = candidates.begin(); it != split && chosen.size() < count; ++it) chosen.push_back(std::move(*it));
  return chosen;
}

int32_t scaled_value(const Json& int_or_percent, int32_t total, bool round_up, int32_t absent) {
  if (int_or_percent.is_null()) return absent;
  auto value = api::IntOrString::from_json(int_or_percent);
  if (!value) return absent;
  auto scaled = value->scaled_value(total, round_up);
  if (!scaled) return absent;
  return static_cast<int32_t>(
      std::clamp<int64_t>(*scaled, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
}

}  // namespace kthena::controllers::modelserving
