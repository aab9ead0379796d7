// Lenient reads of admitted objects for the webhook rules. The schema has already reported missing members and
// wrong types by the time a rule runs, so here a missing member, a null and a value of the wrong type all read as
// "not set": a rule never reports a type error twice and never throws on input the schema let through.
#pragma once

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"

namespace kthena::api::validation {

// The member `key` of `object`, or nullptr when `object` is not an object or the member is absent or null.
inline const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

inline const Json* member(const Json* object, std::string_view key) {
  return object == nullptr ? nullptr : member(*object, key);
}

// Follows a chain of member names; nullptr as soon as one is missing.
template <class... Keys>
const Json* path(const Json* object, Keys... keys) {
  const Json* v = object;
  ((v = member(v, keys)), ...);
  return v;
}

template <class... Keys>
const Json* path(const Json& object, Keys... keys) {
  return path(&object, keys...);
}

// The string value, or `fallback` when `v` is not a string (Go's zero value for an absent string is "").
inline std::string string_or(const Json* v, std::string_view fallback = {}) {
  if (v != nullptr && v->is_string()) return v->get<std::string>();
  return std::string(fallback);
}

// An integral JSON number (an integer, or a float with no fractional part), else nullopt.
inline std::optional<int64_t> integer(const Json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_unsigned()) {
    auto u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
    return static_cast<int64_t>(u);
  }
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  return std::nullopt;
}

inline bool is_true(const Json* v) {
  return v != nullptr && v->is_boolean() && v->get<bool>();
}

// Number of elements of an array member, 0 when absent or not an array.
inline size_t array_size(const Json* v) {
  return v != nullptr && v->is_array() ? v->size() : 0;
}

inline size_t object_size(const Json* v) {
  return v != nullptr && v->is_object() ? v->size() : 0;
}

}  // namespace kthena::api::validation
