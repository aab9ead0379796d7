// What a person sees while models come up (`kthena apply --wait`, `kthena up -f`): one line per tracked
// ModelBooster (or ModelServing) with its phase — children created, pods scheduled n/m, starting (ready n/m),
// Active, or Failed with the condition's message. On a terminal the lines are redrawn in place (cursor up, clear
// line); otherwise a plain line is printed whenever one changes, so a log file reads as a history.
//
// The phase is computed by pure functions from the objects (progress_snapshot(), progress_text()), so every
// transition is a table test; BoosterProgress only fetches the objects and draws.
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "kube/client.h"

namespace kthena::ctl {

enum class ProgressPhase {
  kWaiting,           // the object does not exist (yet)
  kCreatingChildren,  // a booster whose ModelServing, ModelServer or ModelRoute is missing
  kChildrenCreated,   // children exist, no pod yet
  kScheduling,        // some pods have no node (spec.nodeName) yet
  kStarting,          // every pod is bound, not every pod is ready
  kReady,             // every pod ready, the booster not Active yet (its reconcile is behind)
  kActive,            // booster: Active=True; ModelServing: Available=True
  kFailed,            // booster: Failed=True
};

struct ProgressSnapshot {
  std::string kind;  // "ModelBooster" or "ModelServing"
  std::string ns;
  std::string name;
  ProgressPhase phase = ProgressPhase::kWaiting;
  int pods_expected = 0;  // from the ModelServings' specs (replicas x roles x (1 + workers))
  int pods_scheduled = 0;
  int pods_ready = 0;
  std::vector<std::string> missing_children;  // "ModelServing", "ModelServer", "ModelRoute"
  std::string message;                        // Failed's message
};

// The objects one snapshot is computed from; null/empty when absent.
struct ProgressObjects {
  Json target;                 // the ModelBooster or ModelServing, or null
  std::vector<Json> servings;  // for a booster: its ModelServings; for a ModelServing: itself
  bool has_server = false;     // a booster's ModelServer exists
  bool has_route = false;      // a booster's ModelRoute exists
  std::vector<Json> pods;      // the pods of the servings
};

// Pure: the snapshot of `kind` ns/name from its objects.
ProgressSnapshot progress_snapshot(std::string_view kind, std::string_view ns, std::string_view name,
                                   const ProgressObjects& objects);
// Pure: the phase as the line shows it ("pods scheduled 1/2", "starting, ready 0/2", "Active", "Failed: ...").
std::string progress_text(const ProgressSnapshot& snapshot);
// Pure: ModelServing pods a spec asks for: replicas x sum over roles of role.replicas x (1 + workerReplicas).
int expected_pods(const Json& serving);

// Not thread-safe: one thread tracks and runs. The client is borrowed and must outlive this.
class BoosterProgress {
 public:
  BoosterProgress(kube::KubeClient& client, std::ostream& out, bool terminal);

  // Adds a ModelBooster to follow until it is Active.
  void track(std::string ns, std::string name);
  // Adds a ModelServing to follow until it is Available.
  void track_serving(std::string ns, std::string name);

  // Refreshes and redraws until every tracked object is Active/Available (success), one is Failed (an error with
  // its message), or `deadline` passes (kTimeout naming what is not Active and its phase). Polls twice a second.
  Result<void> run_until_active(std::chrono::steady_clock::time_point deadline);

  // One refresh and redraw; true when every tracked object is Active/Available. Errors: the API server's.
  Result<bool> poll_once();

  const std::vector<ProgressSnapshot>& snapshots() const { return snapshots_; }

 private:
  struct Target {
    std::string kind;
    std::string ns;
    std::string name;
  };
  Result<ProgressObjects> fetch(const Target& target);
  void draw();

  kube::KubeClient& client_;
  std::ostream& out_;
  bool terminal_;
  std::vector<Target> targets_;
  std::vector<ProgressSnapshot> snapshots_;
  std::vector<std::string> printed_;  // the text last printed per target
  int drawn_lines_ = 0;               // terminal: lines drawn so far, to move the cursor back over
};

}  // namespace kthena::ctl
