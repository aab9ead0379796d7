// The status of a ModelBooster (spec kthena-workload.md §2.2): the lifecycle the product promises, on
// status.conditions with upstream's types, reasons and messages, computed from what one reconcile found. Pure, so
// that every transition is a table test.
//
// Two decisions differ from upstream (docs/compatibility.md): Failed is cleared (status False, reason
// ModelRecovered) once a reconcile applies everything, and Active is the state of the world rather than "False at the
// start of every reconcile, True at its end", so an active booster does not flap. While Failed is True, Active's
// reason is ModelAbnormal, which the STATUS column of `kubectl get modelbooster` shows.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"

namespace kthena::controllers::modelbooster {

inline constexpr std::string_view kConditionInitialized = "Initialized";
inline constexpr std::string_view kConditionActive = "Active";
inline constexpr std::string_view kConditionFailed = "Failed";

struct ReconcileOutcome {
  std::optional<std::string> failure;  // why building or applying a child failed (the API server's message)
  bool serving_available = false;      // exactly one ModelServing of the booster, and it is Available
};

// The status `old_status` becomes after a reconcile of a booster at `generation` with `outcome`; `now` is an
// RFC 3339 time. lastTransitionTime moves only when a condition's status flips (meta.SetStatusCondition).
Json booster_status(const Json& old_status, int64_t generation, const ReconcileOutcome& outcome, std::string_view now);

}  // namespace kthena::controllers::modelbooster
