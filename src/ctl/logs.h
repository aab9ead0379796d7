// `kthena logs`: a pod's container log over the API server's pods/log subresource, as kubectl reads it, and which
// pod `model-booster/NAME` or `model-serving/NAME` means (the first Running pod, as kubectl picks for
// deployment/NAME).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "kube/client.h"

namespace kthena::ctl {

struct LogOptions {
  std::string container;
  bool follow = false;
  bool previous = false;
  std::optional<int64_t> tail_lines;
};

// "/api/v1/namespaces/NS/pods/NAME/log?container=..&follow=true&previous=true&tailLines=N".
std::string log_path(std::string_view ns, std::string_view pod, const LogOptions& options);

// Pure: which of `pods` to read: the first Running one by name, else the first by name; "" when there is none.
std::string choose_pod(const std::vector<Json>& pods);

// The pod an argument names: "POD", "pod/POD", "model-booster/NAME" (the pods of its ModelServings),
// "model-serving/NAME". Errors say when a booster or serving has no pod.
Result<std::string> resolve_log_pod(kube::KubeClient& client, std::string_view argument, std::string_view ns);

// Writes the log to `out`; with follow, until the server ends it. Errors: the server's (a missing pod or
// container, a server that does not serve pods/log).
Result<void> write_logs(kube::KubeClient& client, std::string_view ns, std::string_view pod, const LogOptions& options,
                        std::ostream& out);

}  // namespace kthena::ctl
