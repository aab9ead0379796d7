#include "api/validation/pod_rules.h"

#include <algorithm>
#include <climits>
#include <string>

namespace kthena::api {
namespace {

const Json& member(const Json& object, const char* key) {
  static const Json kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

void set_default(Json& object, const char* key, Json value) {
  if (!object.contains(key) || object[key].is_null()) object[key] = std::move(value);
}

// kube's rule (pkg/apis/core/v1/defaults.go): Always for the tag `latest` or no tag (and no digest), else
// IfNotPresent.
std::string pull_policy_for(const std::string& image) {
  if (image.find('@') != std::string::npos) return "IfNotPresent";
  size_t slash = image.rfind('/');
  size_t colon = image.rfind(':');
  bool tagged = colon != std::string::npos && (slash == std::string::npos || colon > slash);
  if (!tagged || image.substr(colon + 1) == "latest") return "Always";
  return "IfNotPresent";
}

void default_containers(Json& spec, const char* key) {
  if (!spec.contains(key) || !spec[key].is_array()) return;
  for (Json& container : spec[key]) {
    if (!container.is_object()) continue;
    const Json& image = member(container, "image");
    if (image.is_string()) set_default(container, "imagePullPolicy", pull_policy_for(image.get<std::string>()));
    set_default(container, "terminationMessagePath", "/dev/termination-log");
    set_default(container, "terminationMessagePolicy", "File");
  }
}

void default_spec(Json& spec) {
  set_default(spec, "restartPolicy", "Always");
  set_default(spec, "terminationGracePeriodSeconds", 30);
  set_default(spec, "dnsPolicy", "ClusterFirst");
  set_default(spec, "securityContext", Json::object());
  set_default(spec, "schedulerName", "default-scheduler");
  set_default(spec, "enableServiceLinks", true);
  set_default(spec, "preemptionPolicy", "PreemptLowerPriority");
  set_default(spec, "priority", 0);
  // serviceAccount is the deprecated alias: each defaults from the other (the ServiceAccount admission plugin then
  // names `default`).
  const Json& account = member(spec, "serviceAccountName");
  const Json& alias = member(spec, "serviceAccount");
  std::string name = account.is_string() && !account.get<std::string>().empty() ? account.get<std::string>()
                     : alias.is_string() && !alias.get<std::string>().empty()   ? alias.get<std::string>()
                                                                                : "default";
  set_default(spec, "serviceAccountName", name);
  set_default(spec, "serviceAccount", name);
  default_containers(spec, "containers");
  default_containers(spec, "initContainers");
}

constexpr const char* kUpdatableFields =
    "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,"
    "`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),"
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)";

// Containers keep their number (and each its name); only the image may change, and not to empty.
void check_containers(const Json& now, const Json& old, const FieldPath& path, FieldErrors& errors, Json& munged,
                      const char* key) {
  if (!now.is_array() || !old.is_array()) return;
  if (now.size() != old.size()) {
    errors.push_back(forbidden(path, "pod updates may not add or remove containers"));
    return;
  }
  for (size_t i = 0; i < now.size(); ++i) {
    const Json& image = member(now[i], "image");
    if (!image.is_string() || image.get<std::string>().empty()) {
      errors.push_back(required(path.index(i).child("image"), ""));
    }
    if (munged[key][i].is_object() && old[i].is_object()) {
      if (old[i].contains("image")) {
        munged[key][i]["image"] = old[i]["image"];
      } else {
        munged[key][i].erase("image");
      }
    }
  }
}

void check_active_deadline(const Json& now, const Json& old, const FieldPath& path, FieldErrors& errors) {
  if (now.is_number_integer()) {
    int64_t seconds = now.get<int64_t>();
    if (seconds <= 0 || seconds > INT32_MAX) {
      errors.push_back(invalid(path, now, "must be between 1 and 2147483647, inclusive"));
    } else if (old.is_number_integer() && old.get<int64_t>() < seconds) {
      errors.push_back(invalid(path, now, "must be less than or equal to previous value"));
    }
  } else if (old.is_number_integer()) {
    errors.push_back(invalid(path, nullptr, "must not update from a positive integer to nil value"));
  }
}

// Every existing toleration stays (a NoExecute one may lower its tolerationSeconds).
void check_tolerations(const Json& now, const Json& old, const FieldPath& path, FieldErrors& errors) {
  if (!old.is_array()) return;
  for (size_t i = 0; i < old.size(); ++i) {
    bool kept = now.is_array() && std::any_of(now.begin(), now.end(), [&](const Json& t) {
                  if (t == old[i]) return true;
                  Json a = t, b = old[i];
                  if (!a.is_object() || !b.is_object() || member(a, "effect") != "NoExecute") return false;
                  const Json& seconds = member(a, "tolerationSeconds");
                  const Json& before = member(b, "tolerationSeconds");
                  bool lowered = seconds.is_number_integer() &&
                                 (!before.is_number_integer() || seconds.get<int64_t>() <= before.get<int64_t>());
                  a.erase("tolerationSeconds");
                  b.erase("tolerationSeconds");
                  return lowered && a == b;
                });
    if (!kept) {
      errors.push_back(
          forbidden(path.index(i), "existing toleration can not be modified except its tolerationSeconds"));
    }
  }
}

void check_scheduling_gates(const Json& now, const Json& old, const FieldPath& path, FieldErrors& errors) {
  if (!now.is_array()) return;
  for (const Json& gate : now) {
    bool existed = old.is_array() && std::find(old.begin(), old.end(), gate) != old.end();
    if (!existed) {
      errors.push_back(forbidden(path, "only deletion is allowed, but found new scheduling gate '" +
                                           member(gate, "name").get<std::string>() + "'"));
    }
  }
}

// The changed top-level fields, old then new, after kube's message (whose diff is Go's cmp.Diff of the structs).
std::string spec_diff(const Json& old, const Json& munged) {
  std::string out = "\n  PodSpec{\n";
  std::vector<std::string> keys;
  for (const auto& [key, value] : old.items()) keys.push_back(key);
  for (const auto& [key, value] : munged.items()) {
    if (!old.contains(key)) keys.push_back(key);
  }
  for (const std::string& key : keys) {
    const Json& a = member(old, key.c_str());
    const Json& b = member(munged, key.c_str());
    if (a == b) continue;
    if (!a.is_null()) out += "- \t" + key + ": " + a.dump() + ",\n";
    if (!b.is_null()) out += "+ \t" + key + ": " + b.dump() + ",\n";
  }
  return out + "  }\n";
}

}  // namespace

void default_pod(Json& pod) {
  if (!pod.is_object() || !pod.contains("spec") || !pod["spec"].is_object()) return;
  default_spec(pod["spec"]);
}

FieldErrors validate_pod(const Json& pod, const Json* old_pod) {
  FieldErrors errors;
  if (old_pod == nullptr || !old_pod->is_object()) return errors;
  Json old = *old_pod;
  default_pod(old);
  const Json& now_spec = member(pod, "spec");
  const Json& old_spec = member(old, "spec");
  if (!now_spec.is_object() || !old_spec.is_object() || now_spec == old_spec) return errors;
  const FieldPath spec_path("spec");

  Json munged = now_spec;
  check_containers(member(now_spec, "containers"), member(old_spec, "containers"), spec_path.child("containers"),
                   errors, munged, "containers");
  check_containers(member(now_spec, "initContainers"), member(old_spec, "initContainers"),
                   spec_path.child("initContainers"), errors, munged, "initContainers");
  check_active_deadline(member(now_spec, "activeDeadlineSeconds"), member(old_spec, "activeDeadlineSeconds"),
                        spec_path.child("activeDeadlineSeconds"), errors);
  check_tolerations(member(now_spec, "tolerations"), member(old_spec, "tolerations"), spec_path.child("tolerations"),
                    errors);
  check_scheduling_gates(member(now_spec, "schedulingGates"), member(old_spec, "schedulingGates"),
                         spec_path.child("schedulingGates"), errors);
  if (!errors.empty()) return errors;

  for (const char* key : {"activeDeadlineSeconds", "tolerations", "schedulingGates"}) {
    if (old_spec.contains(key)) {
      munged[key] = old_spec[key];
    } else {
      munged.erase(key);
    }
  }
  const Json& grace = member(munged, "terminationGracePeriodSeconds");
  const Json& old_grace = member(old_spec, "terminationGracePeriodSeconds");
  if (old_grace.is_number_integer() && old_grace.get<int64_t>() < 0 && grace == 1) {
    munged["terminationGracePeriodSeconds"] = old_grace;
  }
  if (munged != old_spec) errors.push_back(forbidden(spec_path, kUpdatableFields + spec_diff(old_spec, munged)));
  return errors;
}

}  // namespace kthena::api
