// A container's environment and command line as the kubelet builds them: env values with $(VAR) expansion,
// fieldRef / resourceFieldRef / configMapKeyRef / secretKeyRef, envFrom, then $(VAR) in command and args.
// Pure: ConfigMaps and Secrets come through a lookup, so every rule is a table test.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/json.h"
#include "common/result.h"

namespace kthena::node {

using EnvList = std::vector<std::pair<std::string, std::string>>;

// Finds a ConfigMap or Secret of the pod's namespace ("configmaps" / "secrets", name); nullopt when missing.
// Secret values come decoded (the lookup base64-decodes `data`).
using ObjectLookup = std::function<std::optional<Json>(const std::string& kind, const std::string& name)>;

// Kubernetes' expansion (third_party/forked/golang/expansion): $(VAR) is replaced by VAR's value when VAR is
// defined, left as written otherwise; $$ is a literal $.
std::string expand(const std::string& text, const std::function<std::optional<std::string>(const std::string&)>& get);

// The environment of `container` in `pod` (with status.podIP / hostIP as given), in the kubelet's order: envFrom
// first, then env (later entries win). Errors name the entry: "env[2].valueFrom.configMapKeyRef: configmap
// \"x\" not found" (what the kubelet reports as CreateContainerConfigError).
Result<EnvList> container_env(const Json& pod, const Json& container, const std::string& pod_ip,
                              const std::string& host_ip, const ObjectLookup& lookup);

// command and args with $(VAR) expanded against `env`.
std::vector<std::string> expand_all(const Json& list, const EnvList& env);

}  // namespace kthena::node
