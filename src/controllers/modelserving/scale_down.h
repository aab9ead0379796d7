// Which ServingGroups or role instances go first when a ModelServing scales down: upstream's "bin-pack scale down"
// (spec kthena-workload.md §3.6, proposal docs/proposal/bin-pack-scale-down.md). Users steer it with the pod
// annotation controller.kubernetes.io/pod-deletion-cost, as for a ReplicaSet, to empty the nodes they want freed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "api/json.h"

namespace kthena::controllers::modelserving {

// A ServingGroup or a role instance that may be deleted.
struct ScaleDownCandidate {
  std::string name;
  int ordinal = 0;
  bool running = false;  // status Running; Creating, Scaling, Deleting and unknown count as not running
  int64_t deletion_cost = 0;

  bool operator==(const ScaleDownCandidate&) const = default;
};

// Σ over `pods` of the annotation controller.kubernetes.io/pod-deletion-cost, read as Go's strconv.Atoi reads it
// (optional sign, decimal digits, within int64); missing or invalid counts as 0. The sum saturates instead of
// overflowing. Null pointers are skipped.
int64_t deletion_cost(std::span<const std::shared_ptr<const Json>> pods);

// The `count` candidates to delete, in deletion order. Order: not running first, then deletion cost ascending, then
// ordinal descending. The `partition` candidates with the lowest ordinals are protected: chosen only when the others
// do not suffice, and then in the same order. Returns fewer than `count` when there are fewer candidates.
std::vector<ScaleDownCandidate> choose_scale_down(std::vector<ScaleDownCandidate> candidates, size_t count,
                                                  size_t partition);

// An int-or-percent (a JSON integer or "N%", as in rolloutStrategy) scaled against `total`
// (intstr.GetScaledValueFromIntOrPercent): integers as they are, percentages rounded up or down. Null gives
// `absent`, and so does a value that is neither (admission rejects those).
int32_t scaled_value(const Json& int_or_percent, int32_t total, bool round_up, int32_t absent);

}  // namespace kthena::controllers::modelserving
