// The conditions a terminating Namespace's status carries, as Kubernetes' namespace controller writes them: what
// still blocks its removal (content remaining, by resource; finalizers remaining, by finalizer), and that discovery,
// group-version parsing and content deletion did not fail (they cannot here: every kind is served in-process).
#pragma once

#include <map>
#include <string>

#include "api/json.h"

namespace kthena::apiserver {

struct NamespaceContent {
  std::map<std::string, size_t> by_resource;   // "pods." or "modelservings.workload.serving.volcano.sh" -> count
  std::map<std::string, size_t> by_finalizer;  // "example.com/x" -> objects holding it
};

// The five conditions for `content`, in kube's order. A condition whose status, reason and message are unchanged
// from `old_conditions` keeps its lastTransitionTime; others get `now`.
Json namespace_deletion_conditions(const NamespaceContent& content, const Json& old_conditions, const std::string& now);

}  // namespace kthena::apiserver
