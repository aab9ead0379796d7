// meta.k8s.io/v1 Table answers for `kubectl get`: one row per object with its cells and its metadata (so that -A,
// --show-labels and -L work), and the column definitions.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "api/json.h"
#include "apiserver/table/table_column.h"

namespace kthena::apiserver {

Json table_column_definitions(const std::vector<TableColumn>& columns);
Json table_row(const std::vector<TableColumn>& columns, const Json& object, std::chrono::system_clock::time_point now);
// A whole Table. `continue_token` may be empty.
Json make_table(const std::vector<TableColumn>& columns, const std::vector<const Json*>& objects,
                const std::string& resource_version, const std::string& continue_token, bool with_definitions = true);

}  // namespace kthena::apiserver
