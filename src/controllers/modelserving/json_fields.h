// Reading members of API objects that may be missing or of the wrong type (objects built in code skip the schema's
// defaults): a missing member reads as null, a non-string as "".
#pragma once

#include <string>
#include <string_view>

#include "api/json.h"

namespace kthena::controllers::modelserving {

inline const Json& member(const Json& object, std::string_view key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

inline std::string str(const Json& object, std::string_view key) {
  const Json& value = member(object, key);
  return value.is_string() ? value.get<std::string>() : std::string();
}

}  // namespace kthena::controllers::modelserving
