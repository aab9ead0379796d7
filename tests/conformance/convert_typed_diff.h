// Compares generated objects with upstream's golden files the way upstream's Go tests do: both sides decoded into
// the typed struct (sigs.k8s.io/yaml), so unknown fields are dropped, keys match case-insensitively (the golden's
// `envfrom` is `envFrom`) and a zero-valued status equals no status; `resources: {}` counts as absent, and revision
// labels are masked because upstream's hash is Go-specific. What remains is listed field by field, so that a test
// can assert each difference is one we chose.
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "api/json.h"
#include "api/registry/kind_registry.h"
#include "api/schema/schema.h"

namespace kthena::testing {

// One field that differs: its path ("spec.template.roles[0].name") and each side's value, "<absent>" when missing.
struct FieldDiff {
  std::string path;
  std::string expected;
  std::string actual;

  bool operator==(const FieldDiff&) const = default;
};

inline std::ostream& operator<<(std::ostream& os, const FieldDiff& d) {
  return os << d.path << ": expected " << d.expected << ", got " << d.actual;
}

namespace typed_diff_detail {

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// The property of `schema` that encoding/json would decode member `key` into: the exact name, else the first
// case-insensitive match.
inline const std::pair<std::string, const api::Schema*>* property(const api::Schema& schema, std::string_view key) {
  for (const auto& p : schema.properties) {
    if (p.first == key) return &p;
  }
  for (const auto& p : schema.properties) {
    if (iequals(p.first, key)) return &p;
  }
  return nullptr;
}

inline bool all_zero(const Json& v) {
  if (v.is_object() || v.is_array()) return std::all_of(v.begin(), v.end(), [](const Json& e) { return all_zero(e); });
  if (v.is_number()) return v == 0;
  if (v.is_string()) return v.get_ref<const std::string&>().empty();
  if (v.is_boolean()) return !v.get<bool>();
  return v.is_null();
}

}  // namespace typed_diff_detail

// `value` as upstream's typed decode sees it under `schema`: unknown members dropped, keys renamed to the declared
// spelling. Members under preserve-unknown-fields or additionalProperties are kept as they are.
inline Json typed_view(const Json& value, const api::Schema* schema) {
  if (schema == nullptr) return value;
  if (value.is_object() && !schema->properties.empty()) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (const auto* p = typed_diff_detail::property(*schema, it.key())) {
        out[p->first] = typed_view(it.value(), p->second);
      } else if (schema->additional_properties != nullptr) {
        out[it.key()] = typed_view(it.value(), schema->additional_properties);
      } else if (schema->keeps_unknown_members()) {
        out[it.key()] = it.value();
      }
    }
    return out;
  }
  if (value.is_object() && schema->additional_properties != nullptr) {
    Json out = Json::object();
    for (auto it = value.begin(); it != value.end(); ++it) {
      out[it.key()] = typed_view(it.value(), schema->additional_properties);
    }
    return out;
  }
  if (value.is_array() && schema->items != nullptr) {
    Json out = Json::array();
    for (const Json& e : value) out.push_back(typed_view(e, schema->items));
    return out;
  }
  return value;
}

// Masks revision labels, drops `resources: {}` and a status whose every field is a zero value.
inline void normalize(Json& value, bool top = true) {
  if (value.is_object()) {
    if (top && value.contains("status") && typed_diff_detail::all_zero(value["status"])) value.erase("status");
    for (const char* label : {"workload.serving.volcano.sh/revision", "modelserving.volcano.sh/revision"}) {
      if (value.contains(label) && value[label].is_string()) value[label] = "<masked>";
    }
    if (value.contains("resources") && value["resources"].is_object() && value["resources"].empty()) {
      value.erase("resources");
    }
    for (auto& [k, v] : value.items()) normalize(v, false);
  } else if (value.is_array()) {
    for (Json& e : value) normalize(e, false);
  }
}

inline void diff_into(const Json& expected, const Json& actual, const std::string& path, std::vector<FieldDiff>& out) {
  auto text = [](const Json* v) { return v == nullptr ? std::string("<absent>") : v->dump(); };
  if (expected.is_object() && actual.is_object()) {
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      const std::string child = path.empty() ? it.key() : path + "." + it.key();
      if (actual.contains(it.key())) {
        diff_into(it.value(), actual.at(it.key()), child, out);
      } else {
        out.push_back({child, text(&it.value()), "<absent>"});
      }
    }
    for (auto it = actual.begin(); it != actual.end(); ++it) {
      if (!expected.contains(it.key())) {
        out.push_back({path.empty() ? it.key() : path + "." + it.key(), "<absent>", text(&it.value())});
      }
    }
    return;
  }
  if (expected.is_array() && actual.is_array() && expected.size() == actual.size()) {
    for (size_t i = 0; i < expected.size(); ++i) {
      diff_into(expected[i], actual[i], path + "[" + std::to_string(i) + "]", out);
    }
    return;
  }
  if (expected != actual) out.push_back({path, text(&expected), text(&actual)});
}

// Every difference between the golden `expected` and our `actual`, both decoded as upstream's typed `kind`.
inline std::vector<FieldDiff> typed_diff(const Json& expected, const Json& actual) {
  const std::string api_version = expected.value("apiVersion", "");
  const std::string kind = expected.value("kind", "");
  const api::KindInfo* info = api::KindRegistry::builtin().find_by_api_version(api_version, kind);
  const api::Schema* schema = info != nullptr ? info->schema : nullptr;
  Json e = typed_view(expected, schema);
  Json a = typed_view(actual, schema);
  normalize(e);
  normalize(a);
  std::vector<FieldDiff> out;
  diff_into(e, a, "", out);
  return out;
}

}  // namespace kthena::testing
