#include "cli/object_identity.h"

#include "api/field_error.h"

namespace kthena::cli {
namespace {

// The member as a label shows it: the string itself, other types as JSON, "" when absent or null.
std::string label_text(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (it->is_string()) return it->get<std::string>();
  return it->dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

const std::string* string_member(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

std::string object_label(const Json& object, const api::KindInfo* kind) {
  static const Json kNoMetadata = Json::object();
  const Json* meta = &kNoMetadata;
  if (object.is_object()) {
    if (const auto it = object.find("metadata"); it != object.end()) meta = &*it;
  }
  std::string name = label_text(*meta, "name");
  if (name.empty()) name = label_text(*meta, "generateName");
  if (name.empty()) name = "<unnamed>";
  std::string kind_name = label_text(object, "kind");
  if (kind_name.empty()) kind_name = "<no kind>";
  if (kind && !kind->namespaced) return kind_name + "/" + name;
  const std::string ns = label_text(*meta, "namespace");
  return kind_name + "/" + (ns.empty() ? "default" : ns) + "/" + name;
}

std::optional<std::string> type_meta_error(const Json& object) {
  if (!object.is_object()) return std::nullopt;
  for (const char* key : {"apiVersion", "kind"}) {
    const auto it = object.find(key);
    if (it != object.end() && !it->is_null() && !it->is_string()) {
      return invalid(FieldPath(key), *it, "must be a string").to_string();
    }
  }
  return std::nullopt;
}

}  // namespace kthena::cli
