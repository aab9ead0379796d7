// Writes core/v1 Events about an object, as client-go's EventRecorder: what `kubectl describe` shows under
// "Events" and what tests and users wait for. Recording is best effort: a failed write is logged, never returned,
// because an Event must not make a reconcile fail.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "api/json.h"
#include "kube/client.h"

namespace kthena::kube {

// Thread-safe (the client is).
class EventRecorder {
 public:
  EventRecorder(std::shared_ptr<KubeClient> client, std::string component);

  // `object` is the involved object as read (apiVersion, kind, metadata); `type` is "Normal" or "Warning".
  void record(const Json& object, std::string_view type, std::string_view reason, std::string_view message);

 private:
  std::shared_ptr<KubeClient> client_;
  const std::string component_;
};

}  // namespace kthena::kube
