#include "api/validation/model_serving_validation.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "api/validation/image_reference.h"
#include "api/validation/int_or_percent.h"
#include "api/validation/json_view.h"
#include "api/values/int_or_string.h"
#include "api/values/name_validation.h"

namespace kthena::api {
namespace {

using validation::integer;
using validation::member;
using validation::string_or;

FieldPath roles_path() {
  return FieldPath("spec").child("template").child("roles");
}

Json or_null(const Json* v) {
  return v != nullptr ? *v : Json();
}

std::string join_messages(const Messages& messages) {
  std::string out;
  for (const std::string& m : messages) out += (out.empty() ? "" : "; ") + m;
  return out;
}

// intstr.GetScaledValueFromIntOrPercent on a JSON value.
Result<int64_t> scale_int_or_percent(const Json& value, int64_t total, bool round_up) {
  auto v = IntOrString::from_json(value);
  if (!v) return fail(v.error());
  return v->scaled_value(total, round_up);
}

// Rule 1: pod and service names are built from these parts, and must stay DNS-1035 labels.
void check_generated_names(const Json& object, const Json* roles, FieldErrors& errs) {
  std::string name = string_or(validation::path(object, "metadata", "name"));
  int64_t replicas = integer(validation::path(object, "spec", "replicas")).value_or(1);
  for (size_t i = 0; i < validation::array_size(roles); ++i) {
    const Json& role = (*roles)[i];
    std::string generated =
        fmt::format("{}-{}-{}-{}-{}", name, replicas, string_or(member(role, "name")),
                    integer(member(role, "replicas")).value_or(1), integer(member(role, "workerReplicas")).value_or(0));
    auto problems = is_dns1035_label(generated);
    if (!problems.empty()) {
      errs.push_back(invalid(FieldPath("metadata").child("name"), name, "invalid name: " + join_messages(problems)));
    }
  }
}

// Rule 2: stricter than the CRD pattern, which allows upper case. Upstream also demands a leading letter; we accept
// a leading digit too (v0.2.0's multi-node example names its role "405b"), since a role name only ever appears
// inside generated names that start with the ModelServing's own name.
void check_role_names(const Json* roles, FieldErrors& errs) {
  for (size_t i = 0; i < validation::array_size(roles); ++i) {
    std::string name = string_or(member((*roles)[i], "name"));
    auto problems = is_dns1035_label(name);
    if (!problems.empty() && !is_dns1123_label(name).empty()) {
      errs.push_back(invalid(roles_path().index(i).child("name"), name,
                             "role name must be a valid DNS-1035 label (lowercase alphanumeric characters or '-', "
                             "must start with a letter): " +
                                 join_messages(problems)));
    }
  }
}

// Rule 3.
void check_template_images(const Json* pod_template, const FieldPath& path, FieldErrors& errs) {
  const Json* containers = validation::path(pod_template, "spec", "containers");
  for (size_t j = 0; j < validation::array_size(containers); ++j) {
    std::string image = string_or(member((*containers)[j], "image"));
    if (auto problem = validation::serving_image_problem(image)) {
      errs.push_back(invalid(path.child("spec").child("containers").index(j).child("image"), image,
                             "invalid container image reference: " + *problem));
    }
  }
}

// Rule 4.
void check_replicas(const Json* spec, const Json* roles, FieldErrors& errs) {
  auto replicas = integer(member(spec, "replicas"));
  if (!replicas || *replicas < 0) {
    errs.push_back(invalid(FieldPath("spec").child("replicas"), or_null(member(spec, "replicas")),
                           "replicas must be a non-negative integer"));
  }
  if (validation::array_size(roles) == 0) {
    errs.push_back(invalid(roles_path(), roles != nullptr ? *roles : Json::array(), "roles must be specified"));
    return;
  }
  for (size_t i = 0; i < roles->size(); ++i) {
    const Json* r = member((*roles)[i], "replicas");
    auto role_replicas = integer(r);
    if (!role_replicas || *role_replicas < 0) {
      errs.push_back(
          invalid(roles_path().index(i).child("replicas"), or_null(r), "role replicas must be a non-negative integer"));
    }
  }
}

// Rule 5, and v0.2.0's maxSurge.
void check_rolling_update_configuration(const Json* spec, FieldErrors& errs) {
  const Json* strategy = member(spec, "rolloutStrategy");
  const Json* config = member(strategy, "rollingUpdateConfiguration");
  if (config == nullptr) return;
  FieldPath path = FieldPath("spec").child("rolloutStrategy").child("rollingUpdateConfiguration");
  if (string_or(member(*strategy, "type")) == "RoleRollingUpdate") {
    errs.push_back(forbidden(
        path, "rollingUpdateConfiguration is only valid when rolloutStrategy.type is ServingGroupRollingUpdate"));
    return;
  }
  const Json* max_unavailable = member(*config, "maxUnavailable");
  if (max_unavailable != nullptr) {
    auto e = validation::validate_int_or_percent(*max_unavailable, path.child("maxUnavailable"));
    errs.insert(errs.end(), e.begin(), e.end());
  }
  if (const Json* partition = member(*config, "partition")) {
    auto e = validation::validate_int_or_percent(*partition, path.child("partition"));
    errs.insert(errs.end(), e.begin(), e.end());
  }
  if (const Json* max_surge = member(*config, "maxSurge")) {
    auto e = validation::validate_int_or_percent(*max_surge, path.child("maxSurge"));
    errs.insert(errs.end(), e.begin(), e.end());
  }
  auto replicas = integer(member(spec, "replicas"));
  if (replicas && max_unavailable != nullptr) {
    auto scaled = scale_int_or_percent(*max_unavailable, *replicas, /*round_up=*/false);
    if (!scaled) {
      errs.push_back(
          invalid(path.child("maxUnavailable"), *max_unavailable, "invalid maxUnavailable: " + scaled.error().message));
    } else if (*scaled == 0) {
      errs.push_back(invalid(path, "", "maxUnavailable cannot be 0"));
    }
  }
}

// Rule 6.
void check_role_rollout(const Json* spec, const Json* roles, FieldErrors& errs) {
  bool role_rolling = string_or(validation::path(spec, "rolloutStrategy", "type")) == "RoleRollingUpdate";
  for (size_t i = 0; i < validation::array_size(roles); ++i) {
    const Json& role = (*roles)[i];
    FieldPath role_path = roles_path().index(i);
    if (const Json* partition = member(role, "partition")) {
      auto e = validation::validate_int_or_percent(*partition, role_path.child("partition"));
      errs.insert(errs.end(), e.begin(), e.end());
      if (!role_rolling) {
        errs.push_back(forbidden(role_path.child("partition"),
                                 "partition is only valid when rolloutStrategy.type is RoleRollingUpdate"));
      }
    }
    const Json* max_unavailable = member(role, "maxUnavailable");
    if (!role_rolling || max_unavailable == nullptr) continue;
    FieldPath path = role_path.child("maxUnavailable");
    auto e = validation::validate_int_or_percent(*max_unavailable, path);
    errs.insert(errs.end(), e.begin(), e.end());
    int64_t replicas = integer(member(role, "replicas")).value_or(1);
    auto scaled = scale_int_or_percent(*max_unavailable, replicas, /*round_up=*/false);
    if (!scaled) {
      errs.push_back(invalid(path, *max_unavailable, "invalid maxUnavailable: " + scaled.error().message));
    } else if (*scaled == 0) {
      errs.push_back(invalid(path, *max_unavailable, "maxUnavailable cannot be 0"));
    } else if (*scaled > replicas) {
      errs.push_back(invalid(path, *max_unavailable,
                             fmt::format("maxUnavailable cannot be greater than replicas ({})", replicas)));
    }
  }
}

// Rule 7.
void check_gang_policy(const Json* spec, const Json* roles, FieldErrors& errs) {
  const Json* min_role_replicas = validation::path(spec, "template", "gangPolicy", "minRoleReplicas");
  if (min_role_replicas == nullptr || !min_role_replicas->is_object()) return;
  FieldPath path = FieldPath("spec").child("template").child("gangPolicy").child("minRoleReplicas");
  for (auto it = min_role_replicas->begin(); it != min_role_replicas->end(); ++it) {
    const std::string& role_name = it.key();
    const Json* role = nullptr;
    for (size_t i = 0; i < validation::array_size(roles); ++i) {
      if (string_or(member((*roles)[i], "name")) == role_name) role = &(*roles)[i];
    }
    if (role == nullptr) {
      errs.push_back(
          invalid(path.key(role_name), role_name, fmt::format("role {} does not exist in template.roles", role_name)));
      continue;
    }
    int64_t replicas = integer(member(*role, "replicas")).value_or(1);
    int64_t min = integer(&it.value()).value_or(0);
    if (min > replicas) {
      errs.push_back(invalid(
          path.key(role_name), min,
          fmt::format("minRoleReplicas ({}) for role {} cannot exceed replicas ({})", min, role_name, replicas)));
    }
    if (min < 0) {
      errs.push_back(invalid(path.key(role_name), min,
                             fmt::format("minRoleReplicas for role {} must be non-negative", role_name)));
    }
  }
}

// Rule 8.
void check_worker_replicas(const Json* roles, FieldErrors& errs) {
  for (size_t i = 0; i < validation::array_size(roles); ++i) {
    const Json& role = (*roles)[i];
    int64_t workers = integer(member(role, "workerReplicas")).value_or(0);
    if (workers < 0) {
      errs.push_back(invalid(roles_path().index(i).child("workerReplicas"), workers,
                             "workerReplicas must be a non-negative integer"));
    }
    if (workers > 0 && member(role, "workerTemplate") == nullptr) {
      errs.push_back(required(roles_path().index(i).child("workerTemplate"),
                              "workerTemplate is required when workerReplicas is greater than 0"));
    }
  }
}

// Rule 9: a ServingGroup rebuilt on failure cannot be updated one role at a time.
void check_recovery_and_rollout(const Json* spec, FieldErrors& errs) {
  std::string recovery = string_or(member(spec, "recoveryPolicy"), "RoleRecreate");
  if (recovery.empty()) recovery = "RoleRecreate";
  const Json* strategy = member(spec, "rolloutStrategy");
  std::string rollout = string_or(member(strategy, "type"), "ServingGroupRollingUpdate");
  if (rollout.empty()) rollout = "ServingGroupRollingUpdate";
  if (recovery != "ServingGroupRecreate" || rollout != "RoleRollingUpdate") return;
  FieldPath path = strategy != nullptr ? FieldPath("spec").child("rolloutStrategy").child("type")
                                       : FieldPath("spec").child("recoveryPolicy");
  errs.push_back(invalid(path, strategy != nullptr ? rollout : recovery,
                         fmt::format("incompatible recoveryPolicy and rolloutStrategy.type after applying defaults: "
                                     "recoveryPolicy={}, rolloutStrategy.type={}; valid pairs: "
                                     "(ServingGroupRecreate,ServingGroupRollingUpdate) or "
                                     "(RoleRecreate,RoleRollingUpdate)",
                                     recovery, rollout)));
}

}  // namespace

FieldErrors validate_model_serving(const Json& object, const Json* /*old_object*/) {
  FieldErrors errs;
  const Json* spec = member(object, "spec");
  const Json* roles = validation::path(object, "spec", "template", "roles");
  check_generated_names(object, roles, errs);
  check_role_names(roles, errs);
  for (size_t i = 0; i < validation::array_size(roles); ++i) {
    check_template_images(member((*roles)[i], "entryTemplate"), roles_path().index(i).child("entryTemplate"), errs);
    check_template_images(member((*roles)[i], "workerTemplate"), roles_path().index(i).child("workerTemplate"), errs);
  }
  check_replicas(spec, roles, errs);
  check_rolling_update_configuration(spec, errs);
  check_role_rollout(spec, roles, errs);
  check_gang_policy(spec, roles, errs);
  check_worker_replicas(roles, errs);
  check_recovery_and_rollout(spec, errs);
  return errs;
}

}  // namespace kthena::api
