// The fields an object sets, and the edits by field path that server-side apply needs, following the list rules of
// the kind's schema (list-type=map lists by their key, set lists by value, other lists as one field).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/json.h"
#include "apiserver/apply/field_set.h"
#include "apiserver/patch/strategic_merge_patch.h"

namespace kthena::apiserver {

enum class FieldScope {
  kObject,  // everything but status and the identity/server-owned metadata
  kStatus,  // only .status
};

// Every field `object` sets, as managedFields records them.
FieldSet fields_of(const Json& object, const ListRuleLookup& rules, FieldScope scope);
// The fields of `next` whose value is new or differs from `old`'s.
FieldSet changed_fields(const Json& old, const Json& next, const ListRuleLookup& rules, FieldScope scope);
// The value at `path` (elements "f:", "k:", "v:"), or nullopt where the object has nothing.
std::optional<Json> value_at(const Json& object, const std::vector<std::string>& path);
// Equal as JSON values, whatever the order of object keys (the document type keeps key order and compares with it).
bool same_value(const Json& a, const Json& b);
// Removes the field or list element at `path` (nothing when absent).
void remove_at(Json& object, const std::vector<std::string>& path);

}  // namespace kthena::apiserver
