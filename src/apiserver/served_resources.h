// The resources this API server serves, indexed for the request path: built once at start from the kind registry
// (src/api), read-only afterwards, so every request thread reads it without locks.
#pragma once

#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "apiserver/resource_info.h"
#include "apiserver/table/table_column.h"

namespace kthena::apiserver {

struct ServedResource {
  ResourceInfo info;
  std::vector<PrinterColumnSpec> printer_columns;  // a CRD's additionalPrinterColumns; empty for built-in kinds
  std::vector<TableColumn> columns;                // what `kubectl get` shows (computed from the above)
};

class ServedResources {
 public:
  // Groups are listed in discovery in the order their first resource appears here.
  explicit ServedResources(std::vector<ServedResource> resources);

  const ServedResource* find(const std::string& group, const std::string& version, const std::string& plural) const;
  // By (group, plural), whatever the version: how stored objects and owner references are resolved.
  const ServedResource* find(const std::string& group, const std::string& plural) const;
  const ServedResource* find_kind(const std::string& group, const std::string& kind) const;
  const std::vector<ServedResource>& all() const { return resources_; }
  // Groups in discovery order ("" first when served), each with its versions (preferred first).
  const std::vector<std::pair<std::string, std::vector<std::string>>>& groups() const { return groups_; }

 private:
  std::vector<ServedResource> resources_;
  std::map<std::tuple<std::string, std::string, std::string>, size_t> by_gvr_;
  std::map<std::pair<std::string, std::string>, size_t> by_gr_;
  std::map<std::pair<std::string, std::string>, size_t> by_kind_;
  std::vector<std::pair<std::string, std::vector<std::string>>> groups_;
};

}  // namespace kthena::apiserver
