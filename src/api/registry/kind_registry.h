// Every kind the platform knows, loaded from the schema files (src/api/schemas/*.yaml, embedded into the binary
// at build time): names, scope, subresources, printer columns and the compiled schema of the whole object. The
// API server's discovery and OpenAPI, admission, `kthena validate` and `kthena crds` all read this one registry.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/schema/schema_set.h"
#include "common/result.h"

namespace kthena::api {

struct PrinterColumn {
  std::string name;
  std::string type;  // integer, number, string, boolean, date
  std::string format;
  std::string description;
  std::string json_path;
  int priority = 0;
};

struct ScaleSubresource {
  std::string spec_replicas_path;    // ".spec.replicas"
  std::string status_replicas_path;  // ".status.replicas"
  std::string label_selector_path;   // may be empty
};

struct KindInfo {
  std::string group;  // "" for the core group
  std::string version;
  std::string kind;
  std::string list_kind;
  std::string plural;
  std::string singular;
  bool namespaced = true;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;
  bool crd = false;  // a CustomResourceDefinition ships for it (deploy/crds/)
  bool status_subresource = false;
  std::optional<ScaleSubresource> scale;
  std::vector<PrinterColumn> printer_columns;
  const Schema* schema = nullptr;  // the whole object
  Json schema_source;              // the `schema:` node as written (usually a $ref)
  std::string schema_name;         // the definition the schema refers to, if it is a $ref

  // "v1" for the core group, "group/version" otherwise.
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "modelservings.workload.serving.volcano.sh" (plural alone for the core group).
  std::string resource_name() const { return group.empty() ? plural : plural + "." + group; }
};

// One file of schema text: its name (for errors) and content.
struct SchemaSource {
  std::string name;
  std::string_view text;
};

class KindRegistry {
 public:
  // Parses the files (each may hold `definitions:` and `kinds:`, either may be absent or empty), compiles every
  // schema and indexes the kinds. Errors name the file and the node.
  static Result<KindRegistry> load(const std::vector<SchemaSource>& sources);

  // The registry of the schemas embedded in this binary, loaded on first use (thread-safe) and never changed.
  // The embedded schemas are part of the program: if they do not load, that is a bug, and this aborts with the
  // error (a unit test loads them on every build).
  static const KindRegistry& builtin();

  const KindInfo* find(std::string_view group, std::string_view version, std::string_view kind) const;
  // By "apiVersion" and "kind" as written in a manifest.
  const KindInfo* find_by_api_version(std::string_view api_version, std::string_view kind) const;
  const KindInfo* find_resource(std::string_view group, std::string_view version, std::string_view plural) const;
  // A kubectl resource argument: plural, singular, short name or kind (case-insensitive), optionally qualified
  // with ".group" ("ms", "modelservings", "modelserving.workload.serving.volcano.sh").
  const KindInfo* find_by_name(std::string_view name) const;

  const std::vector<KindInfo>& kinds() const { return state_->kinds; }
  // Every "group/version" (or "v1") that has kinds, core first, then by group name.
  std::vector<std::string> group_versions() const;
  const SchemaSet& schemas() const { return state_->schemas; }

 private:
  struct State {
    SchemaSet schemas;
    std::vector<KindInfo> kinds;
  };
  explicit KindRegistry(std::unique_ptr<State> state) : state_(std::move(state)) {}
  std::unique_ptr<State> state_;
};

// The schema files compiled into this binary (generated from src/api/schemas/*.yaml by CMake).
std::vector<SchemaSource> embedded_schema_sources();

}  // namespace kthena::api
