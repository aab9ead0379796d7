#include "api/validation/autoscaling_policy_defaults.h"

#include "api/types/go_duration.h"
#include "api/validation/json_view.h"

namespace kthena::api {
namespace {

using validation::member;

// Upstream's defaults at HEAD, in the JSON its Go structs marshal to.
Json default_stable_policy() {
  return {
      {"instances", 4}, {"percent", 100}, {"period", "1m0s"}, {"selectPolicy", "Or"}, {"stabilizationWindow", "0s"}};
}

Json default_panic_policy() {
  return {{"percent", 0}, {"period", "0s"}, {"panicThresholdPercent", 200}, {"panicModeHold", "0s"}};
}

Json default_scale_down() {
  return {
      {"instances", 0}, {"percent", 100}, {"period", "1m0s"}, {"selectPolicy", "Or"}, {"stabilizationWindow", "5m0s"}};
}

Json default_scale_up() {
  return {{"stablePolicy", default_stable_policy()}, {"panicPolicy", default_panic_policy()}};
}

// The upstream webhook compares Go structs with their zero value. Pointer fields are non-zero as soon as they are
// present; plain fields (selectPolicy, panicPolicy.period) are non-zero only when they hold a non-zero value.
bool is_zero_stable_policy(const Json* p) {
  if (p == nullptr) return true;
  for (const char* pointer_field : {"instances", "percent", "period", "stabilizationWindow"}) {
    if (member(*p, pointer_field) != nullptr) return false;
  }
  return validation::string_or(member(*p, "selectPolicy")).empty();
}

bool is_zero_panic_policy(const Json* p) {
  if (p == nullptr) return true;
  for (const char* pointer_field : {"percent", "panicThresholdPercent", "panicModeHold"}) {
    if (member(*p, pointer_field) != nullptr) return false;
  }
  const Json* period = member(*p, "period");
  if (period == nullptr) return true;
  if (!period->is_string()) return false;
  auto d = parse_go_duration(period->get_ref<const std::string&>());
  return d && d->count() == 0;
}

bool is_zero_scale_up(const Json* p) {
  return p == nullptr ||
         (is_zero_stable_policy(member(*p, "stablePolicy")) && is_zero_panic_policy(member(*p, "panicPolicy")));
}

}  // namespace

void default_autoscaling_policy(Json& object) {
  if (!object.is_object()) return;
  auto spec_it = object.find("spec");
  if (spec_it == object.end() || !spec_it->is_object()) return;
  Json& spec = *spec_it;
  const Json* behavior = member(spec, "behavior");
  if (behavior != nullptr && !behavior->is_object()) return;  // a type error for validation to report
  if (behavior == nullptr ||
      (is_zero_scale_up(member(*behavior, "scaleUp")) && is_zero_stable_policy(member(*behavior, "scaleDown")))) {
    spec["behavior"] = {{"scaleUp", default_scale_up()}, {"scaleDown", default_scale_down()}};
    return;
  }
  Json& b = spec["behavior"];
  const Json* scale_down = member(b, "scaleDown");
  if (is_zero_stable_policy(scale_down)) {
    b["scaleDown"] = default_scale_down();
  } else if (scale_down->is_object() && member(*scale_down, "stabilizationWindow") == nullptr) {
    b["scaleDown"]["stabilizationWindow"] = "5m";
  }
  const Json* scale_up = member(b, "scaleUp");
  if (is_zero_scale_up(scale_up)) {
    b["scaleUp"] = default_scale_up();
    return;
  }
  if (!scale_up->is_object()) return;
  Json& up = b["scaleUp"];
  const Json* stable = member(up, "stablePolicy");
  if (is_zero_stable_policy(stable)) {
    up["stablePolicy"] = default_stable_policy();
  } else if (stable->is_object() && member(*stable, "stabilizationWindow") == nullptr) {
    up["stablePolicy"]["stabilizationWindow"] = "0s";
  }
  if (is_zero_panic_policy(member(up, "panicPolicy"))) up["panicPolicy"] = default_panic_policy();
}

}  // namespace kthena::api
