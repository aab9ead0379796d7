#include "api/validation/config_data_rules.h"

#include <algorithm>

#include "common/base64.h"

namespace kthena::api {
namespace {

constexpr const char* kImmutableDetail = "field is immutable when `immutable` is set";

const Json& field_or_null(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

bool is_immutable(const Json* object) {
  if (object == nullptr) return false;
  const Json& flag = field_or_null(*object, "immutable");
  return flag.is_boolean() && flag.get<bool>();
}

// An absent map and an empty one are the same data.
bool same_map(const Json& a, const Json& b) {
  bool a_empty = a.is_null() || (a.is_object() && a.empty());
  bool b_empty = b.is_null() || (b.is_object() && b.empty());
  return (a_empty && b_empty) || a == b;
}

void check_frozen(const Json& now, const Json& old, std::initializer_list<const char*> fields, FieldErrors& errors) {
  for (const char* field : fields) {
    if (!same_map(field_or_null(now, field), field_or_null(old, field))) {
      errors.push_back(forbidden(FieldPath(field), kImmutableDetail));
    }
  }
  if (!is_immutable(&now)) errors.push_back(forbidden(FieldPath("immutable"), kImmutableDetail));
}

}  // namespace

void merge_secret_string_data(Json& secret) {
  if (!secret.is_object()) return;
  auto it = secret.find("stringData");
  if (it == secret.end()) return;
  if (it->is_object()) {
    Json& data = secret["data"];
    if (!data.is_object()) data = Json::object();
    for (const auto& [key, value] : it->items()) {
      if (value.is_string()) data[key] = base64_encode(value.get<std::string>());
    }
  }
  // A stringData that is not a map of strings stays for the schema to refuse with its path.
  if (it->is_object() && std::all_of(it->begin(), it->end(), [](const Json& v) { return v.is_string(); })) {
    secret.erase(it);
  }
}

FieldErrors validate_secret(const Json& secret, const Json* old_secret) {
  FieldErrors errors;
  if (old_secret == nullptr) return errors;
  const Json& type = field_or_null(secret, "type");
  const Json& old_type = field_or_null(*old_secret, "type");
  if (!old_type.is_null() && type != old_type) errors.push_back(invalid(FieldPath("type"), type, "field is immutable"));
  if (is_immutable(old_secret)) check_frozen(secret, *old_secret, {"data"}, errors);
  return errors;
}

FieldErrors validate_config_map(const Json& config_map, const Json* old_config_map) {
  FieldErrors errors;
  if (is_immutable(old_config_map)) check_frozen(config_map, *old_config_map, {"data", "binaryData"}, errors);
  return errors;
}

}  // namespace kthena::api
