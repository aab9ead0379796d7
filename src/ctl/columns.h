// `kthena get`'s tables (spec kthena-workload.md §6): upstream's columns and STATUS rules for the five kinds, the
// NAME filter, and kubectl's table layout.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "ctl/resource_kinds.h"

namespace kthena::ctl {

struct Table {
  std::vector<std::string> headers;
  std::vector<std::vector<std::string>> rows;
};

// kubectl's layout (text/tabwriter, minimum cell width 6, padding 3): every column but the last padded to its
// widest cell.
void print_table(std::ostream& out, const Table& table);

// STATUS of a ModelBooster: Failed (Failed=True) > Active > Initialized > Unknown.
std::string booster_status(const Json& booster);
// STATUS of a ModelServing: Available > Updating (UpdateInProgress=True) > Progressing > Unknown.
std::string serving_status(const Json& serving);
// READY of a ModelServing: "status.availableReplicas/spec.replicas" (spec.replicas defaults to 1).
std::string serving_ready(const Json& serving);
// AGE: kubectl's HumanDuration of metadata.creationTimestamp at `now`.
std::string object_age(const Json& object, std::chrono::system_clock::time_point now);

// Upstream's name filter: items whose metadata.name contains `filter`, ignoring case ("" keeps all).
std::vector<Json> filter_by_name(const std::vector<Json>& items, std::string_view filter);

// The table of `kind`: NAME STATUS AGE, NAME READY STATUS AGE, NAME MODEL RULES AGE, NAME ENGINE PORT AGE or
// NAME AGE; NAMESPACE first when `all_namespaces`.
Table kind_table(KthenaKind kind, const std::vector<Json>& items, bool all_namespaces,
                 std::chrono::system_clock::time_point now);

}  // namespace kthena::ctl
