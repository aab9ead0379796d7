// Reading members of API objects that may be missing or of the wrong type (objects built in code skip the schema's
// defaults, caches hold whatever was written): a missing member reads as null, a non-string as "". Shared by the
// controllers and the node agent.
#pragma once

#include <string>
#include <string_view>

#include "api/json.h"

// Their own namespace: api::member (types/field_reader.h) already names a pointer-returning lookup.
namespace kthena::api::lenient {

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

}  // namespace kthena::api::lenient
