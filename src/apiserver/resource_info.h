// What the API server needs to know about one resource it serves. Built from the kind registry (src/api) when the
// server starts; the REST layer, the object service and garbage collection read it, never write it.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace kthena::apiserver {

// The scale subresource of a custom resource: where replicas and the selector live (CRD `subresources.scale`).
struct ScaleInfo {
  std::string spec_replicas_path = ".spec.replicas";
  std::string status_replicas_path = ".status.replicas";
  std::string label_selector_path;  // may be empty
};

struct ResourceInfo {
  std::string group;      // "" for core
  std::string version;    // "v1alpha1"
  std::string resource;   // plural: "modelservings"
  std::string singular;   // "modelserving"
  std::string kind;       // "ModelServing"
  std::string list_kind;  // "ModelServingList"
  bool namespaced = true;
  bool status_subresource = false;
  std::optional<ScaleInfo> scale;
  // A built-in kind (core, apps, coordination): strategic merge patch is accepted. Custom resources answer it 415.
  bool builtin = false;
  std::vector<std::string> short_names;
  std::vector<std::string> categories;

  // "v1" or "workload.serving.volcano.sh/v1alpha1".
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
};

}  // namespace kthena::apiserver
