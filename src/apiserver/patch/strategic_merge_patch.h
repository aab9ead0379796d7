// Strategic merge patch: what kubectl sends to built-in kinds (client-side apply, `kubectl patch` by default). Like
// a merge patch, except that lists of objects with a merge key (containers by name, ports by containerPort) merge
// element by element, set-like lists of scalars (finalizers) take the union, and the patch may carry directives:
// `$patch: replace|delete|merge`, `$retainKeys`, `$setElementOrder/<field>` and `$deleteFromPrimitiveList/<field>`.
// Directives are never stored.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "api/json.h"
#include "common/result.h"

namespace kthena::apiserver {

struct ListMergeRule {
  enum class Kind {
    kReplace,     // the patch's list replaces the stored one (x-kubernetes-list-type atomic, or none)
    kMergeByKey,  // elements with the same `key` merge; others are appended (list-type map)
    kUnion,       // scalars: the union, in order (list-type set)
  };
  Kind kind = Kind::kReplace;
  std::string key;
};

// The rule for the list at `path`, given as field names from the object's root (list elements add nothing:
// {"spec", "containers", "env"}).
using ListRuleLookup = std::function<ListMergeRule(const std::vector<std::string>& path)>;

// kBadRequest for a malformed patch (unknown directive, an element without its merge key).
Result<Json> apply_strategic_merge_patch(const Json& original, const Json& patch, const ListRuleLookup& rules);

}  // namespace kthena::apiserver
