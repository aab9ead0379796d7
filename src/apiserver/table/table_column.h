// One column of a `kubectl get` table (meta.k8s.io/v1 Table): its definition as the server announces it and how
// a cell is computed from an object.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "api/json.h"
#include "apiserver/resource_info.h"

namespace kthena::apiserver {

struct TableColumn {
  std::string name;
  std::string type;  // string, integer, number, boolean, date
  std::string format;
  std::string description;
  int priority = 0;  // > 0: shown only with -o wide
  std::function<Json(const Json& object, std::chrono::system_clock::time_point now)> cell;
};

// A CRD printer column (`additionalPrinterColumns`): the value at `json_path`.
struct PrinterColumnSpec {
  std::string name;
  std::string type;
  std::string format;
  std::string description;
  int priority = 0;
  std::string json_path;
};

// The columns of `resource`: Name, then the built-in kind's own columns (the real API server's, see
// kubectl-protocol.md §6) or the CRD's printer columns (Age when it declares none).
std::vector<TableColumn> table_columns(const ResourceInfo& resource,
                                       const std::vector<PrinterColumnSpec>& printer_columns);

// The columns of a built-in kind, or empty when `resource` is not one that has its own printer.
std::vector<TableColumn> builtin_columns(const ResourceInfo& resource);

TableColumn name_column();
TableColumn age_column();

}  // namespace kthena::apiserver
