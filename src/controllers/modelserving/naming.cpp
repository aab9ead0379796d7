#include "controllers/modelserving/naming.h"

#include <charconv>

#include <fmt/format.h>

namespace kthena::controllers::modelserving {

std::string group_name(std::string_view ms, int group) {
  return fmt::format("{}-{}", ms, group);
}

std::string role_id(std::string_view role, int instance) {
  return fmt::format("{}-{}", role, instance);
}

std::string pod_name(std::string_view group_name, std::string_view role_id, int index) {
  return fmt::format("{}-{}-{}", group_name, role_id, index);
}

std::string revision_name(std::string_view ms, std::string_view revision) {
  return fmt::format("{}-{}", ms, revision);
}

std::optional<int> ordinal_of(std::string_view name) {
  size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash + 1 == name.size()) return std::nullopt;
  std::string_view digits = name.substr(dash + 1);
  int value = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc() || end != digits.data() + digits.size()) return std::nullopt;
  return value;
}

}  // namespace kthena::controllers::modelserving
