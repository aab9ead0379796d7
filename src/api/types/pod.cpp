#include "api/types/pod.h"

namespace kthena::api {
namespace {

bool read_digits(std::string_view& s, size_t n, int& out) {
  if (s.size() < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  s.remove_prefix(n);
  return true;
}

bool expect(std::string_view& s, char c) {
  if (s.empty() || (s[0] != c && !(c == 'T' && s[0] == 't'))) return false;
  s.remove_prefix(1);
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<int64_t> parse_rfc3339_seconds(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!read_digits(s, 4, year) || !expect(s, '-') || !read_digits(s, 2, month) || !expect(s, '-') ||
      !read_digits(s, 2, day) || !expect(s, 'T') || !read_digits(s, 2, hour) || !expect(s, ':') ||
      !read_digits(s, 2, minute) || !expect(s, ':') || !read_digits(s, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  if (!s.empty() && s[0] == '.') {
    s.remove_prefix(1);
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') s.remove_prefix(1);
  }
  int64_t offset = 0;
  if (!s.empty() && (s[0] == 'Z' || s[0] == 'z')) {
    s.remove_prefix(1);
  } else if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    int sign = s[0] == '-' ? -1 : 1;
    s.remove_prefix(1);
    int oh, om;
    if (!read_digits(s, 2, oh) || !expect(s, ':') || !read_digits(s, 2, om)) return std::nullopt;
    offset = sign * (oh * 3600 + om * 60);
  } else {
    return std::nullopt;
  }
  if (!s.empty()) return std::nullopt;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  return days * 86400 + hour * 3600 + minute * 60 + second - offset;
}

std::string_view to_string(PodPhase phase) {
  switch (phase) {
    case PodPhase::kPending:
      return "Pending";
    case PodPhase::kRunning:
      return "Running";
    case PodPhase::kSucceeded:
      return "Succeeded";
    case PodPhase::kFailed:
      return "Failed";
    case PodPhase::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

bool pod_is_eligible(const Pod& pod, bool assume_running_when_absent) {
  if (pod.metadata.deleting || pod.pod_ip.empty()) return false;
  bool running = pod.phase ? *pod.phase == PodPhase::kRunning : assume_running_when_absent;
  bool ready = pod.ready ? *pod.ready : assume_running_when_absent;
  return running && ready;
}

Result<Pod> decode_pod(const Json& object) {
  Pod out;
  auto meta = decode_object_meta(object);
  if (!meta) return fail(meta.error());
  out.metadata = std::move(*meta);
  if (const Json* spec = member(object, "spec")) {
    auto node = read_string(*spec, "nodeName", FieldPath("spec"));
    if (!node) return fail(node.error());
    out.node_name = node->value_or("");
  }
  const Json* status = member(object, "status");
  if (status == nullptr) return out;
  FieldPath sp("status");
  if (auto ok = expect_object(*status, sp, false); !ok) return fail(ok.error());
  auto phase = read_string(*status, "phase", sp);
  if (!phase) return fail(phase.error());
  if (phase->has_value()) {
    const std::string& p = **phase;
    out.phase = p == "Running"     ? PodPhase::kRunning
                : p == "Pending"   ? PodPhase::kPending
                : p == "Succeeded" ? PodPhase::kSucceeded
                : p == "Failed"    ? PodPhase::kFailed
                                   : PodPhase::kUnknown;
  }
  auto ip = read_string(*status, "podIP", sp);
  if (!ip) return fail(ip.error());
  out.pod_ip = ip->value_or("");
  auto start = read_string(*status, "startTime", sp);
  if (!start) return fail(start.error());
  out.start_time = start->value_or("");
  if (const Json* conditions = member(*status, "conditions")) {
    FieldPath cp = sp.child("conditions");
    if (!conditions->is_array()) return type_error(cp, *conditions, "array");
    for (size_t i = 0; i < conditions->size(); ++i) {
      const Json& c = (*conditions)[i];
      auto type = read_string(c, "type", cp.index(i));
      if (!type) return fail(type.error());
      if (type->value_or("") != "Ready") continue;
      auto value = read_string(c, "status", cp.index(i));
      if (!value) return fail(value.error());
      out.ready = value->value_or("") == "True";
    }
  }
  if (const Json* containers = member(*status, "containerStatuses")) {
    if (containers->is_array()) {
      for (const Json& c : *containers) {
        const Json* state = member(c, "state");
        const Json* running = state ? member(*state, "running") : nullptr;
        const Json* started = running ? member(*running, "startedAt") : nullptr;
        if (started == nullptr || !started->is_string()) continue;
        auto seconds = parse_rfc3339_seconds(started->get<std::string>());
        if (seconds && (!out.newest_container_started_at || *seconds > *out.newest_container_started_at)) {
          out.newest_container_started_at = seconds;
        }
      }
    }
  }
  return out;
}

}  // namespace kthena::api
