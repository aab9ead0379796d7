#include "node/scheduler/ledger.h"

#include <algorithm>
#include <limits>

#include "api/values/quantity.h"

namespace kthena::node {

int64_t device_count(int64_t milli) {
  return milli <= 0 ? 0 : milli / 1000 + (milli % 1000 != 0 ? 1 : 0);
}

int64_t add_sat(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? std::numeric_limits<int64_t>::max() : 0;
  return out;
}

std::string format_amount(const std::string& resource, int64_t milli) {
  bool bytes = resource == "memory" || resource == "ephemeral-storage" || resource.starts_with("hugepages-");
  if (bytes && milli % 1000 == 0) {
    return api::Quantity::from_int64(milli / 1000, api::Quantity::Format::kBinarySI).to_string();
  }
  return api::Quantity::from_milli(milli).to_string();
}

std::string shortfall_text(const std::vector<Shortfall>& shortfalls, const std::string& what_needs) {
  std::string out;
  for (const Shortfall& s : shortfalls) {
    out += (out.empty() ? "Insufficient " : ", Insufficient ") + s.resource + ": " + what_needs + " " +
           format_amount(s.resource, s.need) + ", free " + format_amount(s.resource, s.free) + ", node allocatable " +
           format_amount(s.resource, s.allocatable);
  }
  return out;
}

Ledger::Ledger(const NodeState& node) : node_(&node) {}

int64_t Ledger::allocatable(const std::string& resource) const {
  if (auto it = node_->devices.find(resource); it != node_->devices.end()) {
    return static_cast<int64_t>(it->second.size()) * 1000;
  }
  auto it = node_->allocatable.find(resource);
  return it == node_->allocatable.end() ? 0 : it->second;
}

int64_t Ledger::free(const std::string& resource) const {
  if (auto it = node_->devices.find(resource); it != node_->devices.end()) {
    int64_t n = 0;
    auto taken = taken_.find(resource);
    for (const std::string& id : it->second) {
      if (taken == taken_.end() || !taken->second.contains(id)) ++n;
    }
    return n * 1000;
  }
  auto used = used_.find(resource);
  return allocatable(resource) - (used == used_.end() ? 0 : used->second);
}

std::vector<Shortfall> Ledger::shortfalls(const ResourceList& requests) const {
  std::vector<Shortfall> out;
  for (const auto& [resource, amount] : requests) {
    if (amount <= 0) continue;
    // A device request is in whole devices: 1500m of a GPU holds two.
    int64_t need = is_device(resource) ? device_count(amount) * 1000 : amount;
    int64_t available = free(resource);
    if (need > available) out.push_back({resource, need, std::max<int64_t>(available, 0), allocatable(resource)});
  }
  return out;
}

std::vector<std::string> Ledger::hold_bound(const ResourceList& requests, const DeviceMap& recorded) {
  std::vector<std::string> unrecorded;
  for (const auto& [resource, amount] : requests) {
    if (!is_device(resource)) {
      used_[resource] = add_sat(used_[resource], amount);
    } else if (amount > 0 && !recorded.contains(resource)) {
      unrecorded.push_back(resource);
    }
  }
  for (const auto& [resource, ids] : recorded) {
    if (is_device(resource)) taken_[resource].insert(ids.begin(), ids.end());
  }
  return unrecorded;
}

std::vector<std::string> Ledger::take_devices(const std::string& resource, int64_t milli) {
  std::vector<std::string> ids;
  int64_t want = device_count(milli);
  auto& taken = taken_[resource];
  for (const std::string& id : node_->devices.at(resource)) {
    if (static_cast<int64_t>(ids.size()) >= want) break;
    if (taken.insert(id).second) ids.push_back(id);
  }
  return ids;
}

DeviceMap Ledger::take(const ResourceList& requests) {
  DeviceMap devices;
  for (const auto& [resource, amount] : requests) {
    if (amount <= 0) continue;
    if (is_device(resource)) {
      devices[resource] = take_devices(resource, amount);
    } else {
      used_[resource] = add_sat(used_[resource], amount);
    }
  }
  return devices;
}

}  // namespace kthena::node
