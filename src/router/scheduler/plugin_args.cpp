#include "router/scheduler/plugin_args.h"

#include <cmath>

#include "http/header.h"

namespace kthena::router {

const Json* PluginArgs::find(std::string_view name) const {
  if (!args_.is_object()) return nullptr;
  const Json* found = nullptr;
  for (auto it = args_.begin(); it != args_.end(); ++it) {
    // Go's decoder prefers an exact match and otherwise takes a case-insensitive one.
    if (it.key() == name) return &it.value();
    if (found == nullptr && http::iequals(it.key(), name)) found = &it.value();
  }
  return found;
}

Result<std::optional<int64_t>> PluginArgs::get_int(std::string_view name) const {
  const Json* v = find(name);
  if (v == nullptr || v->is_null()) return std::optional<int64_t>();
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  if (v->is_number_float()) {
    double d = v->get<double>();
    if (std::isfinite(d) && d == std::trunc(d)) return std::optional<int64_t>(static_cast<int64_t>(d));
  }
  return fail(ErrorCode::kInvalid, "must be an integer, got " + v->dump(), field(name));
}

Result<std::optional<double>> PluginArgs::get_double(std::string_view name) const {
  const Json* v = find(name);
  if (v == nullptr || v->is_null()) return std::optional<double>();
  if (v->is_number()) return std::optional<double>(v->get<double>());
  return fail(ErrorCode::kInvalid, "must be a number, got " + v->dump(), field(name));
}

}  // namespace kthena::router
