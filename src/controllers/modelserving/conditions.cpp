#include "controllers/modelserving/conditions.h"

#include <algorithm>
#include <map>

#include "api/json_fields.h"

namespace kthena::controllers::modelserving {

using api::lenient::member;
using api::lenient::str;
namespace {

constexpr std::string_view kAvailable = "Available";
constexpr std::string_view kProgressing = "Progressing";
constexpr std::string_view kUpdateInProgress = "UpdateInProgress";
constexpr std::string_view kTrue = "True";

std::string string_field(const Json& object, std::string_view key) {
  const Json& value = member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

// Upstream's exclusiveConditionTypes (after LeaderWorkerSet's).
bool exclusive(std::string_view a, std::string_view b) {
  auto pair = [&](std::string_view x, std::string_view y) { return (a == x && b == y) || (a == y && b == x); };
  return pair(kAvailable, kProgressing) || pair(kAvailable, kUpdateInProgress);
}

// metav1.Condition's field order, with any other field the caller set (observedGeneration) kept.
Json ordered_condition(Json condition, std::string_view now) {
  Json out = Json::object();
  if (!condition.is_object()) condition = Json::object();
  for (std::string_view key : {"type", "status", "observedGeneration"}) {
    auto it = condition.find(key);
    if (it != condition.end()) out[std::string(key)] = std::move(*it);
  }
  out["lastTransitionTime"] = now;
  for (auto& [key, value] : condition.items()) {
    if (!out.contains(key) && key != "lastTransitionTime") out[key] = std::move(value);
  }
  return out;
}

}  // namespace

bool set_condition(Json& status, Json condition, std::string_view now) {
  if (!status.is_object()) status = Json::object();
  Json& conditions = status["conditions"];
  if (!conditions.is_array()) conditions = Json::array();
  const std::string type = string_field(condition, "type");
  const std::string state = string_field(condition, "status");
  condition = ordered_condition(std::move(condition), now);

  bool changed = false;
  bool found = false;
  for (Json& current : conditions) {
    const std::string current_type = string_field(current, "type");
    if (current_type == type) {
      found = true;
      if (string_field(current, "status") != state) {
        current = condition;
        changed = true;
      }
    } else if (exclusive(current_type, type) && state == kTrue && string_field(current, "status") == kTrue) {
      // Upstream flips only the status and keeps the old lastTransitionTime; a transition gets its time here
      // (docs/compatibility.md).
      current["status"] = "False";
      current["lastTransitionTime"] = now;
      changed = true;
    }
  }
  if (!found) {
    conditions.push_back(std::move(condition));
    changed = true;
  }
  return changed;
}

std::string scale_label_selector(const Json& ms) {
  std::string selector =
      "modelserving.volcano.sh/entry=true,modelserving.volcano.sh/name=" + string_field(member(ms, "metadata"), "name");
  const Json& roles = member(member(member(ms, "spec"), "template"), "roles");
  if (roles.is_array() && !roles.empty()) {
    std::string first_role = string_field(roles.front(), "name");
    selector += ",modelserving.volcano.sh/role=" + first_role;
    selector += ",modelserving.volcano.sh/role-id=" + first_role + "-0";
  }
  return selector;
}

std::string choose_current_revision(std::string_view existing, std::string_view update_revision,
                                    std::span<const std::string> non_updated_group_revisions) {
  if (non_updated_group_revisions.empty()) return std::string(update_revision);
  std::map<std::string_view, size_t> counts;
  for (const std::string& revision : non_updated_group_revisions) ++counts[revision];
  if (!existing.empty() && counts.contains(existing)) return std::string(existing);
  // The map iterates in byte order and max_element keeps the first maximum: the smallest revision wins a tie.
  auto most =
      std::max_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
  return std::string(most->first);
}

}  // namespace kthena::controllers::modelserving
