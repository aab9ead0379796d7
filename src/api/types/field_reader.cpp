#include "api/types/field_reader.h"

#include <fmt/format.h>

namespace kthena::api {

const Json* member(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

tl::unexpected<Error> type_error(const FieldPath& path, const Json& value, std::string_view expected) {
  return fail(ErrorCode::kInvalid,
              fmt::format("Invalid value: {}: must be of type {}", render_bad_value(value), expected), path.str());
}

Result<std::optional<std::string>> read_string(const Json& object, std::string_view key, const FieldPath& path) {
  const Json* v = member(object, key);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->is_string()) return type_error(path.child(key), *v, "string");
  return std::optional<std::string>(v->get<std::string>());
}

Result<std::string> read_required_string(const Json& object, std::string_view key, const FieldPath& path) {
  auto v = read_string(object, key, path);
  if (!v) return fail(v.error());
  if (!v->has_value()) return fail(ErrorCode::kInvalid, "Required value", path.child(key).str());
  return std::move(**v);
}

Result<std::optional<int64_t>> read_int(const Json& object, std::string_view key, const FieldPath& path) {
  const Json* v = member(object, key);
  if (v == nullptr) return std::optional<int64_t>();
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  return type_error(path.child(key), *v, "integer");
}

Result<std::optional<bool>> read_bool(const Json& object, std::string_view key, const FieldPath& path) {
  const Json* v = member(object, key);
  if (v == nullptr) return std::optional<bool>();
  if (!v->is_boolean()) return type_error(path.child(key), *v, "boolean");
  return std::optional<bool>(v->get<bool>());
}

Result<Labels> read_string_map(const Json& object, std::string_view key, const FieldPath& path) {
  Labels out;
  const Json* v = member(object, key);
  if (v == nullptr) return out;
  FieldPath here = path.child(key);
  if (!v->is_object()) return type_error(here, *v, "object");
  for (auto it = v->begin(); it != v->end(); ++it) {
    if (!it.value().is_string()) return type_error(here.key(it.key()), it.value(), "string");
    out.emplace(it.key(), it.value().get<std::string>());
  }
  return out;
}

Result<void> expect_object(const Json& value, const FieldPath& path, bool allow_null) {
  if (value.is_object() || (allow_null && value.is_null())) return {};
  return type_error(path, value, "object");
}

}  // namespace kthena::api
