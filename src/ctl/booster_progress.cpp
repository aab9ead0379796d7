#include "ctl/booster_progress.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>

#include "api/json_fields.h"
#include "ctl/conditions.h"
#include "ctl/resource_kinds.h"

namespace kthena::ctl {
namespace {

using api::lenient::member;
using api::lenient::str;

constexpr auto kPollInterval = std::chrono::milliseconds(500);

int int_or(const Json& value, int fallback) {
  if (value.is_number_integer()) return static_cast<int>(value.get<int64_t>());
  return fallback;
}

bool pod_ready(const Json& pod) {
  return condition_true(pod, "Ready");
}

bool is_booster(std::string_view kind) {
  return kind == "ModelBooster";
}

// Transient failures of the API server (restarting, overloaded) are worth another poll; others are not.
bool transient(const Error& error) {
  return error.code == ErrorCode::kIo || error.code == ErrorCode::kTimeout || error.code == ErrorCode::kUnavailable ||
         error.code == ErrorCode::kTooManyRequests;
}

}  // namespace

int expected_pods(const Json& serving) {
  const Json& spec = member(serving, "spec");
  const int replicas = int_or(member(spec, "replicas"), 1);
  int per_group = 0;
  const Json& roles = member(member(spec, "template"), "roles");
  if (roles.is_array()) {
    for (const Json& role : roles) {
      per_group += int_or(member(role, "replicas"), 1) * (1 + int_or(member(role, "workerReplicas"), 0));
    }
  }
  return replicas * per_group;
}

ProgressSnapshot progress_snapshot(std::string_view kind, std::string_view ns, std::string_view name,
                                   const ProgressObjects& objects) {
  ProgressSnapshot s;
  s.kind = std::string(kind);
  s.ns = std::string(ns);
  s.name = std::string(name);
  if (objects.target.is_null()) return s;  // kWaiting
  for (const Json& serving : objects.servings) s.pods_expected += expected_pods(serving);
  s.pods_expected = std::max<int>(s.pods_expected, static_cast<int>(objects.pods.size()));
  for (const Json& pod : objects.pods) {
    if (!str(member(pod, "spec"), "nodeName").empty()) ++s.pods_scheduled;
    if (pod_ready(pod)) ++s.pods_ready;
  }
  if (is_booster(kind)) {
    if (condition_true(objects.target, "Failed")) {
      s.phase = ProgressPhase::kFailed;
      s.message = condition_message(objects.target, "Failed");
      return s;
    }
    if (condition_true(objects.target, "Active")) {
      s.phase = ProgressPhase::kActive;
      return s;
    }
    if (objects.servings.empty()) s.missing_children.push_back("ModelServing");
    if (!objects.has_server) s.missing_children.push_back("ModelServer");
    if (!objects.has_route) s.missing_children.push_back("ModelRoute");
    if (!s.missing_children.empty()) {
      s.phase = ProgressPhase::kCreatingChildren;
      return s;
    }
  } else if (condition_true(objects.target, "Available")) {
    s.phase = ProgressPhase::kActive;
    return s;
  }
  if (objects.pods.empty()) {
    s.phase = ProgressPhase::kChildrenCreated;
  } else if (s.pods_scheduled < s.pods_expected) {
    s.phase = ProgressPhase::kScheduling;
  } else if (s.pods_ready < s.pods_expected) {
    s.phase = ProgressPhase::kStarting;
  } else {
    s.phase = ProgressPhase::kReady;
  }
  return s;
}

std::string progress_text(const ProgressSnapshot& s) {
  const bool booster = is_booster(s.kind);
  switch (s.phase) {
    case ProgressPhase::kWaiting:
      return fmt::format("waiting for the {} to exist", s.kind);
    case ProgressPhase::kCreatingChildren: {
      std::string missing;
      for (const std::string& child : s.missing_children) missing += (missing.empty() ? "" : ", ") + child;
      return "creating children (waiting for " + missing + ")";
    }
    case ProgressPhase::kChildrenCreated:
      return booster ? "children created, no pods yet" : "no pods yet";
    case ProgressPhase::kScheduling:
      return fmt::format("pods scheduled {}/{}", s.pods_scheduled, s.pods_expected);
    case ProgressPhase::kStarting:
      return fmt::format("starting, ready {}/{}", s.pods_ready, s.pods_expected);
    case ProgressPhase::kReady:
      return fmt::format("ready {}/{}, waiting for {}", s.pods_ready, s.pods_expected,
                         booster ? "Active" : "Available");
    case ProgressPhase::kActive:
      return booster ? fmt::format("Active (ready {}/{})", s.pods_ready, s.pods_expected)
                     : fmt::format("Available (ready {}/{})", s.pods_ready, s.pods_expected);
    case ProgressPhase::kFailed:
      return "Failed: " + (s.message.empty() ? std::string("(no message)") : s.message);
  }
  return {};
}

BoosterProgress::BoosterProgress(kube::KubeClient& client, std::ostream& out, bool terminal)
    : client_(client), out_(out), terminal_(terminal) {}

void BoosterProgress::track(std::string ns, std::string name) {
  targets_.push_back({"ModelBooster", std::move(ns), std::move(name)});
  snapshots_.push_back(progress_snapshot("ModelBooster", targets_.back().ns, targets_.back().name, {}));
  printed_.emplace_back();
}

void BoosterProgress::track_serving(std::string ns, std::string name) {
  targets_.push_back({"ModelServing", std::move(ns), std::move(name)});
  snapshots_.push_back(progress_snapshot("ModelServing", targets_.back().ns, targets_.back().name, {}));
  printed_.emplace_back();
}

Result<ProgressObjects> BoosterProgress::fetch(const Target& target) {
  ProgressObjects objects;
  const bool booster = is_booster(target.kind);
  auto object = client_.get(booster ? kube::resources::model_boosters() : kube::resources::model_servings(), target.ns,
                            target.name);
  if (!object) {
    if (object.error().code == ErrorCode::kNotFound) return objects;
    return fail(object.error());
  }
  objects.target = std::move(*object);
  if (booster) {
    kube::ListOptions children;
    children.label_selector = std::string(kModelNameLabel) + "=" + target.name;
    auto servings = client_.list(kube::resources::model_servings(), target.ns, children);
    if (!servings) return fail(servings.error());
    for (Json& item : (*servings)["items"]) objects.servings.push_back(std::move(item));
    auto servers = client_.list(kube::resources::model_servers(), target.ns, children);
    if (!servers) return fail(servers.error());
    objects.has_server = !(*servers)["items"].empty();
    auto routes = client_.list(kube::resources::model_routes(), target.ns, children);
    if (!routes) return fail(routes.error());
    objects.has_route = !(*routes)["items"].empty();
  } else {
    objects.servings.push_back(objects.target);
  }
  for (const Json& serving : objects.servings) {
    kube::ListOptions pods_of;
    pods_of.label_selector = std::string(kServingNameLabel) + "=" + str(member(serving, "metadata"), "name");
    auto pods = client_.list(kube::resources::pods(), target.ns, pods_of);
    if (!pods) return fail(pods.error());
    for (Json& pod : (*pods)["items"]) objects.pods.push_back(std::move(pod));
  }
  return objects;
}

Result<bool> BoosterProgress::poll_once() {
  bool all_active = true;
  for (size_t i = 0; i < targets_.size(); ++i) {
    auto objects = fetch(targets_[i]);
    if (!objects) return fail(objects.error());
    snapshots_[i] = progress_snapshot(targets_[i].kind, targets_[i].ns, targets_[i].name, *objects);
    all_active = all_active && snapshots_[i].phase == ProgressPhase::kActive;
  }
  draw();
  return all_active;
}

void BoosterProgress::draw() {
  std::vector<std::string> lines;
  size_t width = 0;
  for (const ProgressSnapshot& s : snapshots_) width = std::max(width, s.kind.size() + s.ns.size() + s.name.size() + 3);
  for (const ProgressSnapshot& s : snapshots_) {
    std::string who = fmt::format("{} {}/{}", s.kind, s.ns, s.name);
    lines.push_back(fmt::format("{:<{}} {}", who + ":", width, progress_text(s)));
  }
  if (terminal_) {
    if (lines == printed_ && drawn_lines_ == static_cast<int>(lines.size())) return;
    if (drawn_lines_ > 0) out_ << "\x1b[" << drawn_lines_ << "A";
    for (const std::string& line : lines) out_ << "\r\x1b[2K" << line << "\n";
    drawn_lines_ = static_cast<int>(lines.size());
  } else {
    for (size_t i = 0; i < lines.size(); ++i) {
      if (lines[i] != printed_[i]) out_ << lines[i] << "\n";
    }
  }
  printed_ = std::move(lines);
  out_.flush();
}

Result<void> BoosterProgress::run_until_active(std::chrono::steady_clock::time_point deadline) {
  for (;;) {
    auto done = poll_once();
    if (!done && !transient(done.error())) return fail(done.error());
    if (done && *done) return {};
    for (const ProgressSnapshot& s : snapshots_) {
      if (s.phase == ProgressPhase::kFailed) {
        return fail(ErrorCode::kInvalid, fmt::format("{} {}/{} failed: {}", s.kind, s.ns, s.name, s.message));
      }
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      std::string pending;
      for (const ProgressSnapshot& s : snapshots_) {
        if (s.phase == ProgressPhase::kActive) continue;
        pending += fmt::format("{}{} {}/{} ({})", pending.empty() ? "" : "; ", s.kind, s.ns, s.name, progress_text(s));
      }
      if (!done) pending += (pending.empty() ? "" : "; ") + ("last error: " + done.error().to_string());
      return fail(ErrorCode::kTimeout, "timed out waiting for " + pending);
    }
    std::this_thread::sleep_until(std::min(now + kPollInterval, deadline));
  }
}

}  // namespace kthena::ctl
