// What the scheduler reads from a pod, extracted once per pass, and the node predicates (nodeSelector, required node
// affinity, taints) in their one-node sense.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/values/rfc3339_time.h"
#include "node/scheduler/ledger.h"

namespace kthena::node {

inline constexpr const char* kGroupNameAnnotation = "scheduling.k8s.io/group-name";

struct PodView {
  enum class State {
    kBound,      // on this node and not finished: holds resources (also while being deleted)
    kElsewhere,  // bound to another node: counts for its gang, holds nothing here
    kFinished,   // Succeeded or Failed: holds nothing
    kPending,    // ours to bind
    kIgnored,    // pending for another scheduler, or deleted before it was bound
  };

  const Json* object = nullptr;
  std::string key;  // "<namespace>/<name>"
  std::string ns;
  api::Time created{};
  State state = State::kIgnored;
  bool deleting = false;
  bool succeeded = false;
  std::string group;  // the PodGroup's name (same namespace), "" for none
  ResourceList requests;
  DeviceMap recorded;  // kDevicesAnnotation of a bound pod

  const Json& labels() const;
  // Placed for its gang (Volcano's allocated or succeeded tasks): bound and staying, or done.
  bool placed() const { return (state == State::kBound && !deleting) || state == State::kElsewhere || succeeded; }
};

// Creation order: creationTimestamp, then "<namespace>/<name>", so that equal timestamps (whole seconds) still give
// one order.
bool created_before(const PodView& a, const PodView& b);

std::vector<PodView> view_pods(const NodeState& node, const std::vector<kube::ObjectPtr>& pods);

// Why the node does not suit the pod whatever its resources, in kube-scheduler's words ("node(s) didn't match Pod's
// node affinity/selector", "node(s) had untolerated taint {gpu: true}"), or nullopt.
std::optional<std::string> node_mismatch(const Json& pod, const NodeState& node);

// Why a single pod cannot be bound now, kube-scheduler style with the numbers: "0/1 nodes are available: 1
// Insufficient nvidia.com/gpu: need 2, free 1, node allocatable 8.", or nullopt when it fits.
std::optional<std::string> unfit_message(const PodView& pod, const NodeState& node, const Ledger& ledger);

}  // namespace kthena::node
