// The PodGroup status Volcano's scheduler writes (its gang plugin's OnSessionClose and the session's job status).
#include "node/scheduler/scheduler.h"

namespace kthena::node {

PodGroupStatus pod_group_status(const GangOutcome& outcome) {
  PodGroupStatus status;
  switch (outcome.phase) {
    case GangPhase::kPending:
      status.phase = "Pending";
      break;
    case GangPhase::kInqueue:
      status.phase = "Inqueue";
      break;
    case GangPhase::kRunning:
      status.phase = "Running";
      break;
  }
  if (outcome.scheduled) {
    // Volcano's text, reason and all, so that tools reading PodGroups see what they know.
    status.condition = {
        {"type", "Scheduled"}, {"status", "True"}, {"reason", "tasks in gang are ready to be scheduled"}};
  } else {
    status.condition = {
        {"type", "Unschedulable"}, {"status", "True"}, {"reason", outcome.reason}, {"message", outcome.message}};
  }
  return status;
}

}  // namespace kthena::node
