#include "controllers/workloads/workload_pods.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>

#include "api/json_fields.h"
#include "api/values/rfc3339_time.h"

namespace kthena::controllers::workloads {
namespace {

const Json& at(const Json& object, std::initializer_list<const char*> path) {
  const Json* node = &object;
  for (const char* part : path) node = &api::lenient::member(*node, part);
  return *node;
}

const Json* ready_condition(const Json& pod) {
  const Json& conditions = at(pod, {"status", "conditions"});
  if (!conditions.is_array()) return nullptr;
  for (const Json& c : conditions) {
    if (c.is_object() && c.value("type", std::string()) == "Ready") return &c;
  }
  return nullptr;
}

std::optional<Clock::time_point> ready_since(const Json& pod) {
  const Json* c = ready_condition(pod);
  if (c == nullptr || c->value("status", std::string()) != "True") return std::nullopt;
  auto t = api::parse_rfc3339(c->value("lastTransitionTime", std::string()));
  // A Ready condition without a time (written by hand) counts as ready since ever.
  if (!t) return Clock::time_point{};
  return std::chrono::time_point_cast<Clock::duration>(*t);
}

int phase_rank(const Json& pod) {
  std::string phase = at(pod, {"status", "phase"}).is_string() ? at(pod, {"status", "phase"}).get<std::string>() : "";
  if (phase == "Pending" || phase.empty()) return 0;
  if (phase == "Unknown") return 1;
  return 2;  // Running
}

int64_t restarts(const Json& pod) {
  int64_t n = 0;
  const Json& statuses = at(pod, {"status", "containerStatuses"});
  if (statuses.is_array()) {
    for (const Json& s : statuses) n = std::max(n, int_at(s, {"restartCount"}));
  }
  return n;
}

}  // namespace

const Json& field(const Json& object, std::initializer_list<const char*> path) {
  return at(object, path);
}

std::vector<std::string> controller_uid_index(const Json& object) {
  const Json& refs = at(object, {"metadata", "ownerReferences"});
  if (!refs.is_array()) return {};
  for (const Json& ref : refs) {
    if (ref.is_object() && ref.value("controller", false) && ref.contains("uid") && ref["uid"].is_string()) {
      return {ref["uid"].get<std::string>()};
    }
  }
  return {};
}

bool is_terminating(const Json& object) {
  const Json& t = at(object, {"metadata", "deletionTimestamp"});
  return !t.is_null();
}

bool pod_active(const Json& pod) {
  if (is_terminating(pod)) return false;
  const Json& phase = at(pod, {"status", "phase"});
  return !(phase == "Succeeded" || phase == "Failed");
}

bool pod_ready(const Json& pod) {
  const Json* c = ready_condition(pod);
  return c != nullptr && c->value("status", std::string()) == "True";
}

bool pod_available(const Json& pod, int64_t min_ready_seconds, Clock::time_point now) {
  return !until_available(pod, min_ready_seconds, now).has_value() && pod_ready(pod);
}

std::optional<Clock::duration> until_available(const Json& pod, int64_t min_ready_seconds, Clock::time_point now) {
  auto since = ready_since(pod);
  if (!since) return std::nullopt;
  if (min_ready_seconds <= 0) return std::nullopt;
  auto available_at = *since + std::chrono::seconds(min_ready_seconds);
  if (available_at <= now) return std::nullopt;
  return available_at - now;
}

void sort_for_deletion(std::vector<ObjectPtr>& pods) {
  auto key = [](const Json& pod) {
    bool scheduled =
        at(pod, {"spec", "nodeName"}).is_string() && !at(pod, {"spec", "nodeName"}).get<std::string>().empty();
    auto since = ready_since(pod);
    // Ready for less time sorts first: the later the transition, the smaller the key.
    int64_t ready_for = since ? -since->time_since_epoch().count() : 0;
    std::string created = str_at(pod, {"metadata", "creationTimestamp"});
    return std::tuple(scheduled, phase_rank(pod), since.has_value(), ready_for, -restarts(pod), created);
  };
  std::stable_sort(pods.begin(), pods.end(), [&](const ObjectPtr& a, const ObjectPtr& b) {
    auto ka = key(*a), kb = key(*b);
    // Newer first: compare creation times the other way round.
    if (std::get<0>(ka) != std::get<0>(kb)) return std::get<0>(ka) < std::get<0>(kb);
    if (std::get<1>(ka) != std::get<1>(kb)) return std::get<1>(ka) < std::get<1>(kb);
    if (std::get<2>(ka) != std::get<2>(kb)) return std::get<2>(ka) < std::get<2>(kb);
    if (std::get<3>(ka) != std::get<3>(kb)) return std::get<3>(ka) < std::get<3>(kb);
    if (std::get<4>(ka) != std::get<4>(kb)) return std::get<4>(ka) < std::get<4>(kb);
    return std::get<5>(ka) > std::get<5>(kb);
  });
}

Json controller_reference(const Json& owner, std::string_view kind) {
  return {{"apiVersion", "apps/v1"},
          {"kind", std::string(kind)},
          {"name", str_at(owner, {"metadata", "name"})},
          {"uid", str_at(owner, {"metadata", "uid"})},
          {"controller", true},
          {"blockOwnerDeletion", true}};
}

Json pod_from_template(const Json& tmpl, const Json& owner, std::string_view kind, const std::string& name) {
  Json meta = {{"name", name}, {"namespace", str_at(owner, {"metadata", "namespace"})}};
  for (const char* key : {"labels", "annotations", "finalizers"}) {
    const Json& value = at(tmpl, {"metadata", key});
    if (!value.is_null()) meta[key] = value;
  }
  meta["ownerReferences"] = Json::array({controller_reference(owner, kind)});
  const Json& spec = at(tmpl, {"spec"});
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", std::move(meta)},
          {"spec", spec.is_object() ? spec : Json::object()}};
}

std::string random_suffix(size_t n) {
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::random_device device;
  std::string out;
  for (size_t i = 0; i < n; ++i) out += kAlphabet[device() % kAlphabet.size()];
  return out;
}

int64_t scaled_value(const Json* value, int64_t total, bool round_up, int64_t fallback) {
  if (value == nullptr || value->is_null()) return fallback;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (!value->is_string()) return fallback;
  const std::string& s = value->get_ref<const std::string&>();
  if (s.size() < 2 || s.back() != '%') return fallback;
  int64_t percent = 0;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return fallback;
    percent = std::min<int64_t>(percent * 10 + (s[i] - '0'), 1000000);
  }
  double scaled = static_cast<double>(percent) * static_cast<double>(total) / 100.0;
  return static_cast<int64_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

int64_t spec_replicas(const Json& object) {
  return int_at(object, {"spec", "replicas"}, 1);
}

int64_t int_at(const Json& object, std::initializer_list<const char*> path, int64_t fallback) {
  const Json& v = at(object, path);
  return v.is_number_integer() ? v.get<int64_t>() : fallback;
}

std::string str_at(const Json& object, std::initializer_list<const char*> path) {
  const Json& v = at(object, path);
  return v.is_string() ? v.get<std::string>() : std::string();
}

}  // namespace kthena::controllers::workloads
