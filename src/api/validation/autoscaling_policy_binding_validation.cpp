#include "api/validation/autoscaling_policy_binding_validation.h"

#include <string>

#include "api/validation/json_view.h"

namespace kthena::api {
namespace {

using validation::integer;
using validation::member;
using validation::string_or;

void check_bounds(const Json& target, const FieldPath& path, FieldErrors& errs) {
  auto min = integer(member(target, "minReplicas")).value_or(0);
  auto max = integer(member(target, "maxReplicas")).value_or(0);
  if (min > max) errs.push_back(invalid(path.child("minReplicas"), min, "minReplicas must be <= maxReplicas"));
}

void check_target_ref(const Json* target, const FieldPath& path, std::string_view what, FieldErrors& errs) {
  const Json* ref = member(target, "targetRef");
  std::string kind = string_or(member(ref, "kind"));
  if (!kind.empty() && kind != "ModelServing") {
    errs.push_back(invalid(path.child("targetRef").child("kind"), kind,
                           std::string(what) + ".targetRef.kind must be ModelServing, but got " + kind));
  }
  if (string_or(member(ref, "name")).empty()) {
    errs.push_back(invalid(path.child("targetRef").child("name"), "",
                           std::string(what) + ".targetRef.name must be set, but got empty"));
  }
}

}  // namespace

FieldErrors validate_autoscaling_policy_binding(const Json& object, const Json* /*old_object*/) {
  FieldErrors errs;
  const Json* spec = member(object, "spec");
  FieldPath spec_path("spec");
  if (string_or(validation::path(spec, "policyRef", "name")).empty()) {
    errs.push_back(required(spec_path.child("policyRef").child("name"), "policyRef.name must be set"));
  }
  if (const Json* homogeneous = member(spec, "homogeneousTarget")) {
    FieldPath path = spec_path.child("homogeneousTarget");
    const Json* target = member(*homogeneous, "target");
    check_target_ref(target, path.child("target"), "homogeneousTarget", errs);
    if (const Json* sub = member(target, "subTargets")) {
      FieldPath sub_path = path.child("target").child("subTargets");
      std::string kind = string_or(member(*sub, "kind"));
      if (!kind.empty() && kind != "Role") {
        errs.push_back(invalid(sub_path.child("kind"), kind,
                               "homogeneousTarget.targetRef.subTarget.kind must be `Role`, but got " + kind));
      }
      if (string_or(member(*sub, "name")).empty()) {
        errs.push_back(invalid(sub_path.child("name"), "",
                               "homogeneousTarget.targetRef.subTarget.name must be set, but got empty"));
      }
    }
    check_bounds(*homogeneous, path, errs);
  }
  if (const Json* heterogeneous = member(spec, "heterogeneousTarget")) {
    const Json* params = member(*heterogeneous, "params");
    for (size_t i = 0; i < validation::array_size(params); ++i) {
      const Json& param = (*params)[i];
      FieldPath path = spec_path.child("heterogeneousTarget").child("params").index(i);
      const Json* target = member(param, "target");
      check_target_ref(target, path.child("target"), "heterogeneousTarget.params[]", errs);
      if (const Json* sub = member(target, "subTargets")) {
        errs.push_back(invalid(path.child("target").child("subTargets"), *sub,
                               "heterogeneousTarget.params[].targetRef.subTarget must be empty"));
      }
      check_bounds(param, path, errs);
    }
  }
  return errs;
}

}  // namespace kthena::api
