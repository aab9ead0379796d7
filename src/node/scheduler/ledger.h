// One scheduling pass's account of the node: what is free of every resource and which device IDs are taken. A trial
// (a gang's minimum) works on a copy and is committed by assigning it back, so a gang that does not fit leaves no
// trace.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "node/scheduler/scheduler.h"

namespace kthena::node {

using DeviceMap = std::map<std::string, std::vector<std::string>>;

// A resource a request is short of, with the numbers for the message.
struct Shortfall {
  std::string resource;
  int64_t need = 0;
  int64_t free = 0;
  int64_t allocatable = 0;
};

class Ledger {
 public:
  explicit Ledger(const NodeState& node);

  // Resources of declared devices are counted in IDs: their allocatable is the number of IDs the node declares.
  bool is_device(const std::string& resource) const { return node_->devices.contains(resource); }
  int64_t allocatable(const std::string& resource) const;
  int64_t free(const std::string& resource) const;

  // Every resource `requests` is short of, in name order (kube-scheduler names them all too); empty when it fits.
  std::vector<Shortfall> shortfalls(const ResourceList& requests) const;

  // Charges a pod already bound here. `recorded` is its kDevicesAnnotation: those IDs are taken as they are (the
  // container already sees them), even past the node's count, so that nothing else is handed them. Returns the
  // device resources it requests without a record, to be adopted once every record is known.
  std::vector<std::string> hold_bound(const ResourceList& requests, const DeviceMap& recorded);
  // Takes the lowest free IDs for `resource`, `milli` worth (whole devices, rounded up).
  std::vector<std::string> take_devices(const std::string& resource, int64_t milli);
  // Charges a pod being bound now and hands out its devices. Call only after shortfalls() said it fits.
  DeviceMap take(const ResourceList& requests);

 private:
  const NodeState* node_;
  ResourceList used_;                                   // counted resources
  std::map<std::string, std::set<std::string>> taken_;  // device resource -> IDs in use
};

// Whole devices in a request: extended resources are integers, "1" being 1000 milli.
int64_t device_count(int64_t milli);
// Saturating sum, so that absurd requests compare as too large instead of wrapping.
int64_t add_sat(int64_t a, int64_t b);
// "Insufficient nvidia.com/gpu: need 2, free 1, node allocatable 8", one per resource joined by ", " (`what_needs`
// names who needs it, if not "need").
std::string shortfall_text(const std::vector<Shortfall>& shortfalls, const std::string& what_needs = "need");
// A milli amount as Kubernetes prints the resource: "500m", "2", "16Gi" for memory-like resources.
std::string format_amount(const std::string& resource, int64_t milli);

}  // namespace kthena::node
