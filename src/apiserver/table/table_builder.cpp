#include "apiserver/table/table_builder.h"

namespace kthena::apiserver {

Json table_column_definitions(const std::vector<TableColumn>& columns) {
  Json definitions = Json::array();
  for (const auto& c : columns) {
    definitions.push_back({{"name", c.name},
                           {"type", c.type},
                           {"format", c.format},
                           {"description", c.description},
                           {"priority", c.priority}});
  }
  return definitions;
}

Json table_row(const std::vector<TableColumn>& columns, const Json& object, std::chrono::system_clock::time_point now) {
  Json cells = Json::array();
  for (const auto& c : columns) cells.push_back(c.cell(object, now));
  Json metadata = object.contains("metadata") ? object["metadata"] : Json::object();
  metadata.erase("managedFields");
  return Json{
      {"cells", std::move(cells)},
      {"object",
       {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(metadata)}}}};
}

Json make_table(const std::vector<TableColumn>& columns, const std::vector<const Json*>& objects,
                const std::string& resource_version, const std::string& continue_token, bool with_definitions) {
  Json metadata = {{"resourceVersion", resource_version}};
  if (!continue_token.empty()) metadata["continue"] = continue_token;
  Json table = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", std::move(metadata)}};
  table["columnDefinitions"] = with_definitions ? table_column_definitions(columns) : Json::array();
  Json rows = Json::array();
  auto now = std::chrono::system_clock::now();
  for (const Json* object : objects) rows.push_back(table_row(columns, *object, now));
  table["rows"] = std::move(rows);
  return table;
}

}  // namespace kthena::apiserver
