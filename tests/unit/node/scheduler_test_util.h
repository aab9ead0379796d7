// Pods, nodes and an agent stand-in for the scheduler's table tests: passes are applied as the agent would (nodeName
// and the devices annotation), so that multi-pass stories read like the node's life.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "node/scheduler/scheduler.h"

namespace kthena::node::testing {

// A pending pod in "default" with one container requesting `requests`, created `second` seconds into the test day.
inline Json pod(const std::string& name, int second, Json requests = Json::object()) {
  char ts[32];
  std::snprintf(ts, sizeof ts, "2026-01-01T00:%02d:%02dZ", second / 60, second % 60);
  return Json{
      {"apiVersion", "v1"},
      {"kind", "Pod"},
      {"metadata", {{"name", name}, {"namespace", "default"}, {"creationTimestamp", ts}}},
      {"spec",
       {{"containers",
         Json::array({{{"name", "main"}, {"image", "busybox"}, {"resources", {{"requests", std::move(requests)}}}}})}}},
      {"status", {{"phase", "Pending"}}}};
}

inline Json in_group(Json p, const std::string& group) {
  p["metadata"]["annotations"]["scheduling.k8s.io/group-name"] = group;
  p["spec"]["schedulerName"] = "volcano";
  return p;
}

inline Json bound(Json p, const std::string& node = "node-1") {
  p["spec"]["nodeName"] = node;
  p["status"]["phase"] = "Running";
  return p;
}

inline Json pod_group(const std::string& name, int min_member, Json min_resources = Json::object()) {
  return Json{{"apiVersion", "scheduling.volcano.sh/v1beta1"},
              {"kind", "PodGroup"},
              {"metadata", {{"name", name}, {"namespace", "default"}}},
              {"spec", {{"minMember", min_member}, {"minResources", std::move(min_resources)}}}};
}

inline NodeState node(ResourceList allocatable, std::map<std::string, std::vector<std::string>> devices = {}) {
  NodeState n;
  n.name = "node-1";
  n.allocatable = std::move(allocatable);
  n.devices = std::move(devices);
  return n;
}

inline std::vector<std::string> ids(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(std::to_string(i));
  return out;
}

inline std::vector<kube::ObjectPtr> ptrs(const std::vector<Json>& objects) {
  std::vector<kube::ObjectPtr> out;
  for (const Json& o : objects) out.push_back(std::make_shared<const Json>(o));
  return out;
}

inline std::string key(const Json& p) {
  return p["metadata"]["namespace"].get<std::string>() + "/" + p["metadata"]["name"].get<std::string>();
}

// What the agent does with a pass: annotate and bind.
inline void apply_pass(const Decisions& d, std::vector<Json>& pods, const std::string& node_name = "node-1") {
  auto record = [&](const Binding& b, bool bind) {
    for (Json& p : pods) {
      if (key(p) != b.pod_key) continue;
      Json devices = Json::object();
      for (const auto& [r, list] : b.devices) devices[r] = list;
      if (!b.devices.empty()) p["metadata"]["annotations"][kDevicesAnnotation] = devices.dump();
      if (bind) p = bound(p, node_name);
    }
  };
  for (const Binding& b : d.bindings) record(b, true);
  for (const Binding& b : d.adopted) record(b, false);
}

inline std::set<std::string> bound_keys(const Decisions& d) {
  std::set<std::string> out;
  for (const Binding& b : d.bindings) out.insert(b.pod_key);
  return out;
}

inline const Waiting* waiting_for(const Decisions& d, const std::string& pod_key) {
  for (const Waiting& w : d.waiting) {
    if (w.pod_key == pod_key) return &w;
  }
  return nullptr;
}

// Every device ID held by a pod bound to the node, checked for sharing as a device plugin would refuse it.
inline void expect_no_shared_device(const std::vector<Json>& pods) {
  std::set<std::string> seen;
  for (const Json& p : pods) {
    if (!p["spec"].contains("nodeName")) continue;
    const Json& annotations = p["metadata"].value("annotations", Json::object());
    if (!annotations.contains(kDevicesAnnotation)) continue;
    Json devices = Json::parse(annotations[kDevicesAnnotation].get<std::string>());
    for (const auto& [r, list] : devices.items()) {
      for (const Json& id : list) {
        EXPECT_TRUE(seen.insert(r + "/" + id.get<std::string>()).second) << r << " " << id << " shared, " << key(p);
      }
    }
  }
}

}  // namespace kthena::node::testing
