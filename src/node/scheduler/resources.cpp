// Resource quantities as the scheduler adds them (milli-units, scheduler.h), and the device-plugin environment.
#include <algorithm>

#include "api/values/quantity.h"
#include "node/scheduler/scheduler.h"

namespace kthena::node {
namespace {

void add_list(ResourceList& into, const Json& list) {
  if (!list.is_object()) return;
  for (const auto& [name, value] : list.items()) {
    auto q = api::Quantity::from_json(value);
    if (q) into[name] += q->milli_value();
  }
}

// A container's requests; a limit stands for a request it does not state (the API server defaults it so).
ResourceList container_requests(const Json& container) {
  ResourceList out;
  const Json& resources = container.contains("resources") ? container["resources"] : Json::object();
  add_list(out, resources.value("requests", Json::object()));
  ResourceList limits;
  add_list(limits, resources.value("limits", Json::object()));
  for (const auto& [name, value] : limits) out.try_emplace(name, value);
  return out;
}

}  // namespace

ResourceList pod_requests(const Json& pod) {
  ResourceList sum;
  const Json& spec = pod.contains("spec") ? pod["spec"] : Json::object();
  for (const Json& c : spec.value("containers", Json::array())) {
    for (const auto& [name, value] : container_requests(c)) sum[name] += value;
  }
  for (const Json& c : spec.value("initContainers", Json::array())) {
    for (const auto& [name, value] : container_requests(c)) sum[name] = std::max(sum[name], value);
  }
  return sum;
}

std::vector<std::pair<std::string, std::string>> device_env(
    const std::map<std::string, std::vector<std::string>>& devices) {
  std::vector<std::pair<std::string, std::string>> env;
  for (const auto& [resource, ids] : devices) {
    std::string list;
    for (const std::string& id : ids) list += (list.empty() ? "" : ",") + id;
    if (resource.starts_with("huawei.com/")) {
      env.emplace_back("ASCEND_VISIBLE_DEVICES", list);
    } else if (resource == "nvidia.com/gpu") {
      env.emplace_back("CUDA_VISIBLE_DEVICES", list);
      env.emplace_back("NVIDIA_VISIBLE_DEVICES", list);
    }
  }
  return env;
}

}  // namespace kthena::node
