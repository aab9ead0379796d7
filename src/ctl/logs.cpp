#include "ctl/logs.h"

#include <algorithm>

#include "api/json_fields.h"
#include "ctl/resource_kinds.h"
#include "kube/api_error.h"
#include "kube/watch_stream.h"

namespace kthena::ctl {
namespace {

using api::lenient::member;
using api::lenient::str;

std::string name_of(const Json& object) {
  return str(member(object, "metadata"), "name");
}

Result<std::vector<Json>> pods_of_serving(kube::KubeClient& client, std::string_view ns, std::string_view serving) {
  kube::ListOptions options;
  options.label_selector = std::string(kServingNameLabel) + "=" + std::string(serving);
  auto pods = client.list(kube::resources::pods(), ns, options);
  if (!pods) return fail(pods.error());
  std::vector<Json> out;
  for (Json& pod : (*pods)["items"]) out.push_back(std::move(pod));
  return out;
}

}  // namespace

std::string log_path(std::string_view ns, std::string_view pod, const LogOptions& options) {
  std::string path = kube::resources::pods().path(ns, pod, "log");
  std::string query;
  auto add = [&](std::string_view key, const std::string& value) {
    query += (query.empty() ? "?" : "&") + std::string(key) + "=" + kube::query_escape(value);
  };
  if (!options.container.empty()) add("container", options.container);
  if (options.follow) add("follow", "true");
  if (options.previous) add("previous", "true");
  if (options.tail_lines) add("tailLines", std::to_string(*options.tail_lines));
  return path + query;
}

std::string choose_pod(const std::vector<Json>& pods) {
  std::vector<const Json*> sorted;
  for (const Json& pod : pods) sorted.push_back(&pod);
  std::sort(sorted.begin(), sorted.end(), [](const Json* a, const Json* b) { return name_of(*a) < name_of(*b); });
  for (const Json* pod : sorted) {
    if (str(member(*pod, "status"), "phase") == "Running") return name_of(*pod);
  }
  return sorted.empty() ? std::string() : name_of(*sorted.front());
}

Result<std::string> resolve_log_pod(kube::KubeClient& client, std::string_view argument, std::string_view ns) {
  const size_t slash = argument.find('/');
  if (slash == std::string_view::npos) return std::string(argument);
  auto kind = resolve_kind(argument.substr(0, slash));
  if (!kind) return fail(kind.error());
  const std::string name(argument.substr(slash + 1));
  if (name.empty()) return fail(ErrorCode::kInvalid, "expected TYPE/NAME, got \"" + std::string(argument) + "\"");
  if (kind->resource.plural == "pods" && kind->resource.group.empty()) return name;
  std::vector<std::string> servings;
  if (kind->kthena == KthenaKind::kModelServing) {
    servings.push_back(name);
  } else if (kind->kthena == KthenaKind::kModelBooster) {
    auto booster = client.get(kind->resource, ns, name);
    if (!booster) return fail(booster.error());
    kube::ListOptions children;
    children.label_selector = std::string(kModelNameLabel) + "=" + name;
    auto list = client.list(kube::resources::model_servings(), ns, children);
    if (!list) return fail(list.error());
    for (const Json& serving : (*list)["items"]) servings.push_back(name_of(serving));
    if (servings.empty()) {
      return fail(ErrorCode::kNotFound, "model-booster/" + name + " has no ModelServing yet, so no pods");
    }
  } else {
    return fail(ErrorCode::kInvalid,
                "logs reads pods, model-booster/NAME or model-serving/NAME, not " + kind->type_name + "/" + name);
  }
  std::vector<Json> pods;
  for (const std::string& serving : servings) {
    auto found = pods_of_serving(client, ns, serving);
    if (!found) return fail(found.error());
    for (Json& pod : *found) pods.push_back(std::move(pod));
  }
  std::string pod = choose_pod(pods);
  if (pod.empty()) return fail(ErrorCode::kNotFound, kind->type_name + "/" + name + " has no pods yet");
  return pod;
}

Result<void> write_logs(kube::KubeClient& client, std::string_view ns, std::string_view pod, const LogOptions& options,
                        std::ostream& out) {
  const std::string target = log_path(ns, pod, options);
  if (!options.follow) {
    auto response = client.request("GET", target);
    if (!response) return fail(response.error());
    if (response->status < 200 || response->status >= 300) {
      return fail(kube::error_from_response(response->status, response->body));
    }
    out << response->body;
    out.flush();
    return {};
  }
  auto stream = client.stream(target);
  if (!stream) return fail(stream.error());
  for (;;) {
    auto event = (*stream)->next(std::chrono::seconds(1));
    if (!event) {
      if (!(*stream)->ended()) continue;
      if (auto error = (*stream)->error()) return fail(*error);
      return {};
    }
    if (event->object.is_string()) {
      out << event->object.get_ref<const std::string&>();
      out.flush();
    }
  }
}

}  // namespace kthena::ctl
