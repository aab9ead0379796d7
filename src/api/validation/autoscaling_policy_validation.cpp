#include "api/validation/autoscaling_policy_validation.h"

#include <chrono>
#include <cmath>
#include <optional>
#include <set>
#include <string>

#include <fmt/format.h>

#include "api/types/go_duration.h"
#include "api/validation/json_view.h"
#include "api/values/quantity.h"

namespace kthena::api {
namespace {

using validation::integer;
using validation::member;
using validation::string_or;

constexpr std::string_view kTargetValueMessage = "metric target value must be greater than 0 and not equal to infinity";

// The name a metric goes by: `name`, or v0.2.0's `metricName`.
std::string metric_name(const Json& metric) {
  if (const Json* name = member(metric, "name")) return string_or(name);
  return string_or(member(metric, "metricName"));
}

FieldPath metric_name_path(const Json& metric, const FieldPath& path) {
  return path.child(member(metric, "name") == nullptr && member(metric, "metricName") != nullptr ? "metricName"
                                                                                                 : "name");
}

Json or_null(const Json* v) {
  return v != nullptr ? *v : Json();
}

std::optional<Quantity> quantity(const Json* v) {
  if (v == nullptr) return std::nullopt;
  auto q = Quantity::from_json(*v);
  if (!q) return std::nullopt;
  return *q;
}

bool positive_finite(const Json* value) {
  std::optional<Quantity> q = quantity(value);
  if (!q) return false;
  double d = q->as_double();
  return d > 0 && !std::isinf(d);
}

// A duration field bounded to [0, 30m]; absent fields are fine.
void check_duration(const Json* value, const FieldPath& path, std::string_view what, FieldErrors& errs) {
  if (value == nullptr || !value->is_string()) return;
  auto d = parse_go_duration(value->get_ref<const std::string&>());
  if (!d) {
    errs.push_back(invalid(path, *value, d.error().message));
    return;
  }
  if (d->count() < 0 || *d > std::chrono::minutes(30)) {
    errs.push_back(invalid(path, *value, fmt::format("{} must be between 0 and 30 minutes", what)));
  }
}

void check_stable_policy(const Json* policy, const FieldPath& path, FieldErrors& errs) {
  check_duration(member(policy, "period"), path.child("period"), "stable policy period", errs);
  check_duration(member(policy, "stabilizationWindow"), path.child("stabilizationWindow"),
                 "stable policy stabilization window", errs);
}

void check_target_ref(const Json* ref, const FieldPath& path, FieldErrors& errs) {
  std::string kind = string_or(member(ref, "kind"));
  if (!kind.empty() && kind != "ModelServing") {
    errs.push_back(invalid(path.child("kind"), kind, "targetRef.kind must be ModelServing, but got " + kind));
  }
  std::string name = string_or(member(ref, "name"));
  if (name.empty()) errs.push_back(invalid(path.child("name"), name, "targetRef.name must be set, but got empty"));
}

// v0.2.0 policies name metrics with metricName and leave the target to an AutoscalingPolicyBinding.
bool is_v020_policy(const Json* metrics) {
  if (validation::array_size(metrics) == 0) return false;
  for (const Json& m : *metrics) {
    if (member(m, "name") != nullptr || member(m, "metricName") == nullptr) return false;
  }
  return true;
}

void check_targets(const Json& spec, FieldErrors& errs) {
  FieldPath spec_path("spec");
  const Json* homogeneous = member(spec, "homogeneousTarget");
  const Json* heterogeneous = member(spec, "heterogeneousTarget");
  const Json* disaggregated = member(spec, "disaggregatedTarget");
  int count = (homogeneous != nullptr) + (heterogeneous != nullptr) + (disaggregated != nullptr);
  if (count == 0 && is_v020_policy(member(spec, "metrics"))) return;
  if (count != 1) {
    errs.push_back(invalid(
        spec_path, count, "exactly one of homogeneousTarget, heterogeneousTarget, or disaggregatedTarget must be set"));
    return;
  }
  if (homogeneous != nullptr) {
    check_target_ref(validation::path(*homogeneous, "target", "targetRef"),
                     spec_path.child("homogeneousTarget").child("target").child("targetRef"), errs);
  } else if (heterogeneous != nullptr) {
    if (const Json* params = member(*heterogeneous, "params"); params != nullptr && params->is_array()) {
      for (size_t i = 0; i < params->size(); ++i) {
        check_target_ref(
            validation::path((*params)[i], "target", "targetRef"),
            spec_path.child("heterogeneousTarget").child("params").index(i).child("target").child("targetRef"), errs);
      }
    }
  } else {
    check_target_ref(member(*disaggregated, "targetRef"), spec_path.child("disaggregatedTarget").child("targetRef"),
                     errs);
  }
}

// A role whose bounds pin it to one size needs no metrics: the autoscaler never computes a recommendation for it.
bool is_fixed_role(const Json& role) {
  auto min = integer(member(role, "minReplicas")).value_or(0);
  auto max = integer(member(role, "maxReplicas")).value_or(0);
  return max > 0 && min == max;
}

void check_disaggregated(const Json& spec, FieldErrors& errs) {
  const Json* target = member(spec, "disaggregatedTarget");
  if (target == nullptr) return;
  FieldPath path = FieldPath("spec").child("disaggregatedTarget");
  const Json* roles = member(*target, "roles");
  const Json* top_metrics = member(spec, "metrics");
  if (roles != nullptr && roles->is_object()) {
    for (auto it = roles->begin(); it != roles->end(); ++it) {
      const std::string& role_name = it.key();
      const Json& role = it.value();
      if (role_name.empty()) {
        errs.push_back(invalid(path.child("roles"), role_name,
                               "role name must refer to a ModelServing.spec.template.roles[].name and must not be "
                               "empty"));
        continue;
      }
      FieldPath role_path = path.child("roles").key(role_name);
      bool fixed = is_fixed_role(role);
      auto min = integer(member(role, "minReplicas")).value_or(0);
      auto max = integer(member(role, "maxReplicas")).value_or(0);
      if (min > max) errs.push_back(invalid(role_path.child("minReplicas"), min, "minReplicas must be <= maxReplicas"));
      const Json* role_metrics = member(role, "metrics");
      size_t role_metric_count = validation::array_size(role_metrics);
      if (!fixed && role_metric_count == 0 && validation::array_size(top_metrics) == 0) {
        errs.push_back(required(role_path.child("metrics"),
                                "metrics must be set on every non-fixed role when spec.metrics is empty"));
      }
      std::set<std::string> effective;
      if (role_metric_count == 0 && !fixed && top_metrics != nullptr && top_metrics->is_array()) {
        for (const Json& m : *top_metrics) effective.insert(metric_name(m));
      }
      std::set<std::string> seen;
      for (size_t i = 0; i < role_metric_count; ++i) {
        const Json& m = (*role_metrics)[i];
        FieldPath metric_path = role_path.child("metrics").index(i);
        if (!positive_finite(member(m, "targetValue"))) {
          errs.push_back(invalid(metric_path.child("targetValue"), or_null(member(m, "targetValue")),
                                 std::string(kTargetValueMessage)));
        }
        std::string name = metric_name(m);
        if (!seen.insert(name).second) {
          errs.push_back(invalid(metric_name_path(m, metric_path), name,
                                 fmt::format("duplicate metric name {} is not allowed", name)));
        }
        effective.insert(name);
      }
      if (fixed) continue;
      const Json* sources = member(role, "metricSources");
      size_t source_count = validation::object_size(sources);
      if (source_count == 0 && !effective.empty()) {
        errs.push_back(invalid(role_path.child("metricSources"), source_count,
                               "metricSources must be set on every non-fixed role when metrics are configured"));
        continue;
      }
      if (sources != nullptr && sources->is_object()) {
        for (auto s = sources->begin(); s != sources->end(); ++s) {
          if (effective.count(s.key()) == 0) {
            errs.push_back(invalid(role_path.child("metricSources").key(s.key()), s.key(),
                                   "metricSources key must match an effective metric name"));
          }
        }
      }
    }
  }

  const Json* ratio = member(*target, "ratioConstraint");
  if (ratio == nullptr) return;
  FieldPath ratio_path = path.child("ratioConstraint");
  std::string numerator = string_or(member(*ratio, "numeratorRole"));
  std::string denominator = string_or(member(*ratio, "denominatorRole"));
  if (numerator == denominator) {
    errs.push_back(
        invalid(ratio_path.child("denominatorRole"), denominator, "numeratorRole and denominatorRole must differ"));
  }
  const Json* num = member(roles, numerator);
  const Json* den = member(roles, denominator);
  if (num == nullptr) {
    errs.push_back(invalid(ratio_path.child("numeratorRole"), numerator, "numeratorRole must exist in roles"));
  }
  if (den == nullptr) {
    errs.push_back(invalid(ratio_path.child("denominatorRole"), denominator, "denominatorRole must exist in roles"));
  }
  const Json* min_ratio_value = member(*ratio, "minRatio");
  const Json* max_ratio_value = member(*ratio, "maxRatio");
  Quantity min_quantity = quantity(min_ratio_value).value_or(Quantity());
  Quantity max_quantity = quantity(max_ratio_value).value_or(Quantity());
  double min_ratio = min_quantity.as_double();
  double max_ratio = max_quantity.as_double();
  if (min_quantity > max_quantity) {
    errs.push_back(invalid(ratio_path.child("minRatio"), or_null(min_ratio_value), "minRatio must be <= maxRatio"));
  }
  if (num == nullptr || den == nullptr) return;
  auto num_min = integer(member(*num, "minReplicas")).value_or(0);
  auto num_max = integer(member(*num, "maxReplicas")).value_or(0);
  auto den_min = integer(member(*den, "minReplicas")).value_or(0);
  auto den_max = integer(member(*den, "maxReplicas")).value_or(0);
  if ((num_min == 0) != (den_min == 0)) {
    errs.push_back(invalid(ratio_path, "scale-to-zero bounds", "ratio roles must be scalable-to-zero together"));
  }
  if (std::isnan(min_ratio) || std::isnan(max_ratio) || std::isinf(min_ratio) || std::isinf(max_ratio)) {
    errs.push_back(invalid(ratio_path, "ratio", "ratio values must be finite"));
  } else if (min_ratio < 0 || max_ratio <= 0) {
    errs.push_back(invalid(ratio_path, "ratio", "minRatio must be >= 0 and maxRatio must be > 0"));
  } else {
    if (den_max > 0 && static_cast<double>(num_min) / static_cast<double>(den_max) > max_ratio) {
      errs.push_back(invalid(ratio_path, "bounds", "ratioConstraint is not achievable within role replica bounds"));
    }
    if (den_min > 0 && static_cast<double>(num_max) / static_cast<double>(den_min) < min_ratio) {
      errs.push_back(invalid(ratio_path, "bounds", "ratioConstraint is not achievable within role replica bounds"));
    }
  }
}

}  // namespace

void validate_policy_metrics(const Json* metrics, const FieldPath& path, FieldErrors& errs) {
  if (metrics == nullptr || !metrics->is_array()) return;
  std::set<std::string> seen;
  for (size_t i = 0; i < metrics->size(); ++i) {
    const Json& m = (*metrics)[i];
    FieldPath metric_path = path.index(i);
    if (!positive_finite(member(m, "targetValue"))) {
      errs.push_back(invalid(metric_path.child("targetValue"), or_null(member(m, "targetValue")),
                             std::string(kTargetValueMessage)));
    }
    std::string name = metric_name(m);
    if (!seen.insert(name).second) {
      errs.push_back(invalid(metric_name_path(m, metric_path), name,
                             fmt::format("duplicate metric name {} is not allowed", name)));
    }
  }
}

void validate_policy_behavior(const Json* behavior, const FieldPath& path, FieldErrors& errs) {
  check_stable_policy(member(behavior, "scaleDown"), path.child("scaleDown"), errs);
  const Json* scale_up = member(behavior, "scaleUp");
  FieldPath up = path.child("scaleUp");
  check_stable_policy(member(scale_up, "stablePolicy"), up.child("stablePolicy"), errs);
  const Json* panic = member(scale_up, "panicPolicy");
  check_duration(member(panic, "period"), up.child("panicPolicy").child("period"), "panic policy period", errs);
  check_duration(member(panic, "panicModeHold"), up.child("panicPolicy").child("panicModeHold"),
                 "panic policy panic mode hold", errs);
}

FieldErrors validate_autoscaling_policy(const Json& object, const Json* /*old_object*/) {
  FieldErrors errs;
  const Json* spec = member(object, "spec");
  static const Json kEmpty = Json::object();
  const Json& s = spec != nullptr ? *spec : kEmpty;
  const Json* metrics = member(s, "metrics");
  validate_policy_metrics(metrics, FieldPath("spec").child("metrics"), errs);
  check_targets(s, errs);
  if ((member(s, "homogeneousTarget") != nullptr || member(s, "heterogeneousTarget") != nullptr) &&
      validation::array_size(metrics) == 0) {
    errs.push_back(required(FieldPath("spec").child("metrics"), "at least one metric must be set"));
  }
  check_disaggregated(s, errs);
  validate_policy_behavior(member(s, "behavior"), FieldPath("spec").child("behavior"), errs);
  return errs;
}

}  // namespace kthena::api
