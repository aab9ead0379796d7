#include "apiserver/table/table_column.h"

#include "api/values/human_duration.h"
#include "apiserver/table/json_path.h"
#include "common/log.h"

namespace kthena::apiserver {
namespace {

constexpr const char* kNameDescription =
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow "
    "a client to request the generation of an appropriate name automatically. Name is primarily intended for "
    "creation idempotence and configuration definition. Cannot be updated. More info: "
    "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names";
constexpr const char* kAgeDescription =
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not "
    "guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is "
    "represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: "
    "https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

Json cell_from_values(const std::vector<const Json*>& values, const std::string& type,
                      std::chrono::system_clock::time_point now) {
  if (values.empty()) return nullptr;
  if (values.size() == 1) {
    const Json& v = *values[0];
    if (type == "date" && v.is_string()) return api::age_of(v.get<std::string>(), now);
    if (v.is_string() || v.is_number() || v.is_boolean()) return v;
    return v.dump();
  }
  std::string joined;
  for (const Json* v : values) {
    if (!joined.empty()) joined += ",";
    joined += v->is_string() ? v->get<std::string>() : v->dump();
  }
  return joined;
}

}  // namespace

TableColumn name_column() {
  return {"Name", "string", "name", kNameDescription, 0, [](const Json& object, auto) -> Json {
            const auto& meta = object["metadata"];
            return meta.value("name", std::string());
          }};
}

TableColumn age_column() {
  return {"Age", "date", "", kAgeDescription, 0, [](const Json& object, auto now) -> Json {
            const auto& meta = object["metadata"];
            return api::age_of(meta.value("creationTimestamp", std::string()), now);
          }};
}

std::vector<TableColumn> table_columns(const ResourceInfo& resource,
                                       const std::vector<PrinterColumnSpec>& printer_columns) {
  std::vector<TableColumn> columns{name_column()};
  if (resource.builtin) {
    auto builtin = builtin_columns(resource);
    // Events name themselves last, and only with -o wide, as the real server's table does.
    if (resource.group.empty() && resource.resource == "events") return builtin;
    if (!builtin.empty()) {
      columns.insert(columns.end(), builtin.begin(), builtin.end());
      return columns;
    }
  }
  if (printer_columns.empty()) {
    columns.push_back(age_column());
    return columns;
  }
  for (const auto& spec : printer_columns) {
    auto path = JsonPath::parse(spec.json_path);
    if (!path) {
      spdlog::warn("printer column {} of {}: {}", spec.name, resource.resource, path.error().message);
      continue;
    }
    std::string type = spec.type;
    std::string description = spec.description;
    if (spec.json_path == ".metadata.creationTimestamp" && description.empty()) description = kAgeDescription;
    columns.push_back({spec.name, spec.type, spec.format, description, spec.priority,
                       [path = std::move(*path), type](const Json& object, auto now) {
                         return cell_from_values(path.evaluate(object), type, now);
                       }});
  }
  return columns;
}

}  // namespace kthena::apiserver
