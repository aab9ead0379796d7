// A few resources for tests of the object service, shaped as the kind registry describes them.
#pragma once

#include <map>
#include <string>

#include "apiserver/resource_info.h"

namespace kthena::apiserver::testing {

inline ResourceInfo namespaces_resource() {
  return {"",    "v1", "namespaces", "namespace", "Namespace", "NamespaceList",
          false, true, std::nullopt, true,        {"ns"},      {}};
}
inline ResourceInfo configmaps_resource() {
  return {"",   "v1",  "configmaps", "configmap", "ConfigMap", "ConfigMapList",
          true, false, std::nullopt, true,        {"cm"},      {}};
}
inline ResourceInfo pods_resource() {
  return {"", "v1", "pods", "pod", "Pod", "PodList", true, true, std::nullopt, true, {"po"}, {"all"}};
}
inline ResourceInfo modelservings_resource() {
  return {"workload.serving.volcano.sh",
          "v1alpha1",
          "modelservings",
          "modelserving",
          "ModelServing",
          "ModelServingList",
          true,
          true,
          ScaleInfo{".spec.replicas", ".status.replicas", ".status.labelSelector"},
          false,
          {},
          {}};
}

inline ResourceInfo leases_resource() {
  return {"coordination.k8s.io", "v1", "leases", "lease", "Lease", "LeaseList", true, false,
          std::nullopt,          true, {},       {}};
}

struct TestResources {
  std::map<std::pair<std::string, std::string>, ResourceInfo> by_key;
  TestResources() {
    for (auto r :
         {namespaces_resource(), configmaps_resource(), pods_resource(), modelservings_resource(), leases_resource()}) {
      by_key[{r.group, r.resource}] = r;
    }
  }
  const ResourceInfo* find(const std::string& group, const std::string& resource) const {
    auto it = by_key.find({group, resource});
    return it == by_key.end() ? nullptr : &it->second;
  }
};

}  // namespace kthena::apiserver::testing
