#include "ctl/wait.h"

#include <algorithm>
#include <thread>

#include "api/json_fields.h"
#include "ctl/conditions.h"
#include "kube/watch_stream.h"

namespace kthena::ctl {
namespace {

bool met(const Json& object, const WaitCondition& condition) {
  if (condition.for_delete) return false;
  const std::string status = condition_status(object, condition.type);
  if (status.empty()) return false;
  // kubectl compares condition values case-insensitively.
  return std::equal(status.begin(), status.end(), condition.value.begin(), condition.value.end(), [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  });
}

}  // namespace

Result<WaitCondition> parse_wait_condition(std::string_view text) {
  WaitCondition condition;
  if (text == "delete") {
    condition.for_delete = true;
    return condition;
  }
  constexpr std::string_view kPrefix = "condition=";
  if (!text.starts_with(kPrefix) || text.size() == kPrefix.size()) {
    return fail(ErrorCode::kInvalid, "expected condition=TYPE[=VALUE] or delete, got \"" + std::string(text) + "\"",
                "--for");
  }
  std::string_view rest = text.substr(kPrefix.size());
  const size_t eq = rest.find('=');
  condition.type = std::string(rest.substr(0, eq));
  if (eq != std::string_view::npos) condition.value = std::string(rest.substr(eq + 1));
  if (condition.type.empty() || condition.value.empty()) {
    return fail(ErrorCode::kInvalid, "expected condition=TYPE[=VALUE], got \"" + std::string(text) + "\"", "--for");
  }
  return condition;
}

Result<void> wait_for(kube::KubeClient& client, const ResolvedKind& kind, std::string_view ns, std::string_view name,
                      const WaitCondition& condition, std::chrono::steady_clock::time_point deadline) {
  const std::string who = kind.type_name + "/" + std::string(name);
  for (;;) {
    auto current = client.get(kind.resource, ns, name);
    std::string version;
    if (current) {
      if (met(*current, condition)) return {};
      version = api::lenient::str(api::lenient::member(*current, "metadata"), "resourceVersion");
    } else if (current.error().code == ErrorCode::kNotFound) {
      if (condition.for_delete) return {};
    } else if (current.error().code != ErrorCode::kIo && current.error().code != ErrorCode::kUnavailable) {
      return fail(current.error());
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return fail(ErrorCode::kTimeout, "timed out waiting for the condition on " + who);
    }
    kube::WatchOptions options;
    options.field_selector = "metadata.name=" + std::string(name);
    options.resource_version = version;
    auto stream = client.watch(kind.resource, ns, options);
    if (!stream) {
      std::this_thread::sleep_until(std::min(deadline, std::chrono::steady_clock::now() + std::chrono::seconds(1)));
      continue;
    }
    for (;;) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return fail(ErrorCode::kTimeout, "timed out waiting for the condition on " + who);
      auto event = (*stream)->next(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now));
      if (!event) {
        if (!(*stream)->ended()) continue;
        // The server closed the watch: read the object again and watch anew, unless it refused the watch itself.
        auto why = (*stream)->error();
        if (why && why->code != ErrorCode::kIo && why->code != ErrorCode::kTimeout && why->code != ErrorCode::kGone &&
            why->code != ErrorCode::kUnavailable) {
          return fail(*why);
        }
        break;
      }
      if (event->type == "DELETED" && condition.for_delete) return {};
      if (event->type == "ERROR") break;  // 410 Expired and the like: start over from a fresh read
      if ((event->type == "ADDED" || event->type == "MODIFIED") && met(event->object, condition)) return {};
    }
  }
}

}  // namespace kthena::ctl
