// How `kthena validate` and `kthena convert` name an object in their messages, and the checks that must pass
// before an object can be named or admitted at all. A manifest is outside input: any member may have any JSON type
// (`kind: 5`, `name: [a]`), and nothing here assumes otherwise.
#pragma once

#include <optional>
#include <string>

#include "api/json.h"
#include "api/registry/kind_registry.h"

namespace kthena::cli {

// "Kind/namespace/name", with the namespace kubectl would use ("default" when unset), or "Kind/name" when `kind`
// is known to be cluster-scoped. A member of another type than string is shown as JSON (`Kind/default/["a"]`), so
// that the label still points at what the user wrote.
std::string object_label(const Json& object, const api::KindInfo* kind);

// The error, as a field error ("kind: Invalid value: 5: must be a string"), when `apiVersion` or `kind` is present
// but not a string: kubectl cannot decode such an object, and admission would call it missing.
std::optional<std::string> type_meta_error(const Json& object);

// `object[key]` when it is a string, else nullptr.
const std::string* string_member(const Json& object, const char* key);

}  // namespace kthena::cli
