// One node of a structural schema (the OpenAPI v3 subset that Kubernetes CRDs use), compiled: `$ref`s resolved to
// pointers, patterns and CEL rules compiled once at load. Nodes are owned by their SchemaSet and immutable after
// loading, so any number of threads may read them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/json.h"
#include "api/schema/cel_program.h"
#include "api/schema/regex.h"

namespace kthena::api {

struct ValidationRule {
  std::string rule;
  std::string message;             // empty: "failed rule: <rule>"
  std::string message_expression;  // CEL producing the message; falls back to `message` on error
  std::string reason;      // FieldValueInvalid (default), FieldValueRequired, FieldValueForbidden, FieldValueDuplicate
  std::string field_path;  // ".replicas": where the error is reported, relative to the node
  CelProgram program;
  std::optional<CelProgram> message_program;
  bool transition = false;  // references oldSelf: runs only on update, where an old value correlates
};

struct Schema {
  std::string ref;   // the definition this node is, when it came from a `$ref` (OpenAPI output keeps the $ref)
  std::string type;  // "", "object", "array", "string", "integer", "number", "boolean"
  std::string format;
  std::string description;
  std::optional<Json> default_value;
  std::optional<Json> enum_values;  // array
  std::optional<Regex> pattern;
  std::optional<double> minimum, maximum;
  bool exclusive_minimum = false, exclusive_maximum = false;
  std::optional<int64_t> min_length, max_length, min_items, max_items, min_properties, max_properties;
  std::vector<std::string> required;
  std::vector<std::pair<std::string, const Schema*>> properties;  // in declaration order
  const Schema* additional_properties = nullptr;
  bool additional_properties_allowed = false;  // additionalProperties: true (any value)
  const Schema* items = nullptr;
  bool nullable = false;
  std::vector<const Schema*> any_of, all_of, one_of;
  const Schema* not_schema = nullptr;
  bool preserve_unknown_fields = false;
  bool embedded_resource = false;
  bool int_or_string = false;
  std::string list_type;  // atomic | set | map
  std::vector<std::string> list_map_keys;
  std::string map_type;  // atomic | granular
  std::vector<ValidationRule> validations;
  Json source;  // the node as written, refs unresolved (for CRD and OpenAPI rendering)

  const Schema* property(std::string_view name) const {
    for (const auto& [k, v] : properties) {
      if (k == name) return v;
    }
    return nullptr;
  }
  // The schema of a member `name` of an object value: a declared property, else additionalProperties.
  const Schema* member(std::string_view name) const {
    const Schema* p = property(name);
    return p ? p : additional_properties;
  }
  // Whether unknown members of an object here are kept (preserve-unknown-fields or additionalProperties).
  bool keeps_unknown_members() const {
    return preserve_unknown_fields || additional_properties != nullptr || additional_properties_allowed;
  }
};

}  // namespace kthena::api
