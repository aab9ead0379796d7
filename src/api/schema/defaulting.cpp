#include "api/schema/defaulting.h"

namespace kthena::api {

void apply_defaults(Json& value, const Schema& schema) {
  if (value.is_array()) {
    if (schema.items) {
      for (Json& item : value) apply_defaults(item, *schema.items);
    }
    return;
  }
  if (!value.is_object()) return;
  for (const auto& [name, prop] : schema.properties) {
    auto it = value.find(name);
    bool absent = it == value.end();
    bool null_not_allowed = !absent && it->is_null() && !prop->nullable;
    if (prop->default_value && (absent || null_not_allowed)) {
      value[name] = *prop->default_value;
    } else if (null_not_allowed) {
      value.erase(name);
    }
  }
  for (auto it = value.begin(); it != value.end(); ++it) {
    const Schema* member = schema.member(it.key());
    if (member) apply_defaults(it.value(), *member);
  }
}

}  // namespace kthena::api
