// `kthena apply` and `kthena delete -f`: the objects of manifest text (multi-document YAML or JSON, `kind: List`
// expanded) and what happens to each on the server. Apply is server-side apply (PATCH application/apply-patch+yaml,
// field manager "kthena", force), which the embedded API server implements as create-or-merge (docs/apiserver.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "ctl/resource_kinds.h"
#include "kube/client.h"

namespace kthena::ctl {

struct ManifestObject {
  std::string source;  // file name, or "<stdin>"
  int document = 1;    // 1-based index of the YAML document (items of a List share their document's)
  int line = 1;        // where the document starts
  Json object;
  ResolvedKind kind;
  std::string ns;  // the namespace it goes to (cluster-scoped: "")
  std::string name;
};

// The objects of one manifest text, each resolved to its resource and namespace (`default_ns` when it names none).
// Errors name the source, the document and the field: "app.yaml: document 2 (ModelBooster): metadata.name:
// Required value". With `explicit_ns`, an object naming another namespace is an error, as kubectl's.
Result<std::vector<ManifestObject>> manifest_objects(std::string_view text, std::string_view source,
                                                     std::string_view default_ns, bool explicit_ns);

// "modelbooster.workload.serving.volcano.sh/demo", as kubectl names objects in its messages ("pod/p" for core).
std::string object_reference(const ResolvedKind& kind, std::string_view name);

enum class ApplyOutcome { kCreated, kConfigured, kUnchanged };
std::string_view to_string(ApplyOutcome outcome);

// Applies one object. "unchanged" when the server kept its resourceVersion. Errors: the server's, prefixed with the
// object's source and document.
Result<ApplyOutcome> apply_object(kube::KubeClient& client, const ManifestObject& object);

// Deletes one object (background propagation). False when it was not there.
Result<bool> delete_object(kube::KubeClient& client, const ResolvedKind& kind, std::string_view ns,
                           std::string_view name);

}  // namespace kthena::ctl
