#include "kube/event_recorder.h"

#include <chrono>

#include <fmt/format.h>

#include "api/values/rfc3339_time.h"
#include "common/log.h"
#include "common/rng.h"

namespace kthena::kube {

EventRecorder::EventRecorder(std::shared_ptr<KubeClient> client, std::string component)
    : client_(std::move(client)), component_(std::move(component)) {}

void EventRecorder::record(const Json& object, std::string_view type, std::string_view reason,
                           std::string_view message) {
  const Json& meta = object.at("metadata");
  std::string ns = meta.value("namespace", std::string("default"));
  std::string name = meta.value("name", std::string());
  auto now = std::chrono::system_clock::now();
  std::string stamp = api::format_rfc3339(std::chrono::time_point_cast<std::chrono::nanoseconds>(now));
  // client-go names an Event "<object>.<unix nanoseconds in hex>"; a random suffix keeps two recorders apart.
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
  Json event = {
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", fmt::format("{}.{:x}{:04x}", name, nanos, random_seed() & 0xffff)}, {"namespace", ns}}},
      {"involvedObject",
       {{"apiVersion", object.value("apiVersion", std::string())},
        {"kind", object.value("kind", std::string())},
        {"name", name},
        {"namespace", ns},
        {"uid", meta.value("uid", std::string())},
        {"resourceVersion", meta.value("resourceVersion", std::string())}}},
      {"reason", reason},
      {"message", message},
      {"source", {{"component", component_}}},
      {"firstTimestamp", stamp},
      {"lastTimestamp", stamp},
      {"count", 1},
      {"type", type},
      {"reportingComponent", component_},
  };
  auto created = client_->create(resources::events(), ns, event);
  if (!created) spdlog::warn("event {} on {}/{} not recorded: {}", reason, ns, name, created.error().to_string());
}

}  // namespace kthena::kube
