#include "api/validation/workload_rules.h"

#include <string>

#include "api/validation/int_or_percent.h"
#include "api/validation/json_view.h"
#include "api/values/selector.h"

namespace kthena::api {

using validation::integer;
using validation::member;
using validation::path;
using validation::string_or;

namespace {

// The rules every pod controller shares (ValidateDeploymentSpec / ValidateReplicaSetSpec / ValidateStatefulSetSpec):
// a selector that selects something and that the template's labels satisfy, and pods restarted Always.
void validate_selector_and_template(const Json& spec, const char* kind_noun, bool template_required,
                                    FieldErrors& errors) {
  const FieldPath spec_path("spec");
  const Json* selector = member(spec, "selector");
  if (selector == nullptr) {
    errors.push_back(required(spec_path.child("selector"), ""));
    return;
  }
  auto errs = validate_label_selector(*selector, spec_path.child("selector"));
  if (!errs.empty()) {
    errors.insert(errors.end(), errs.begin(), errs.end());
    return;
  }
  auto parsed = Selector::from_label_selector(*selector);
  if (!parsed || parsed->matches_everything()) {
    errors.push_back(
        invalid(spec_path.child("selector"), *selector, std::string("empty selector is invalid for ") + kind_noun));
    return;
  }
  const Json* tmpl = member(spec, "template");
  if (tmpl == nullptr) {
    if (template_required) errors.push_back(required(spec_path.child("template"), ""));
    return;
  }
  const Json* labels = path(*tmpl, "metadata", "labels");
  if (!parsed->matches_labels(labels == nullptr ? Json::object() : *labels)) {
    errors.push_back(invalid(spec_path.child("template").child("metadata").child("labels"),
                             labels == nullptr ? Json::object() : *labels,
                             "`selector` does not match template `labels`"));
  }
  if (const Json* policy = path(*tmpl, "spec", "restartPolicy"); policy != nullptr && *policy != "Always") {
    errors.push_back(
        not_supported(spec_path.child("template").child("spec").child("restartPolicy"), *policy, {"Always"}));
  }
}

void selector_unchanged(const Json& object, const Json* old_object, FieldErrors& errors) {
  if (old_object == nullptr) return;
  const Json* now = path(object, "spec", "selector");
  const Json* before = path(*old_object, "spec", "selector");
  if (now != nullptr && before != nullptr && *now != *before) {
    errors.push_back(invalid(FieldPath("spec").child("selector"), *now, "field is immutable"));
  }
}

// A percentage's value against 100 (an integer stays as it is); nullopt when it is neither.
std::optional<int64_t> amount(const Json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->is_string()) {
    const std::string& s = v->get_ref<const std::string&>();
    if (s.size() < 2 || s.back() != '%') return std::nullopt;
    try {
      return std::stoll(s.substr(0, s.size() - 1));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return integer(v);
}

}  // namespace

void default_deployment(Json& deployment) {
  if (!deployment.is_object() || !deployment["spec"].is_object()) return;
  // The type's default is here rather than in the schema: a $ref'd strategy cannot carry a default of its own.
  Json& strategy = deployment["spec"]["strategy"];
  if (strategy.is_null()) strategy = Json::object();
  if (!strategy.is_object()) return;
  if (!strategy.contains("type")) strategy["type"] = "RollingUpdate";
  if (strategy.value("type", "") != "RollingUpdate") return;
  Json& rolling = strategy["rollingUpdate"];
  if (rolling.is_null()) rolling = Json::object();
  if (!rolling.is_object()) return;
  if (!rolling.contains("maxUnavailable")) rolling["maxUnavailable"] = "25%";
  if (!rolling.contains("maxSurge")) rolling["maxSurge"] = "25%";
}

void default_stateful_set(Json& stateful_set) {
  if (!stateful_set.is_object() || !stateful_set["spec"].is_object()) return;
  Json& spec = stateful_set["spec"];
  Json& strategy = spec["updateStrategy"];
  if (strategy.is_object() && strategy.value("type", "") == "RollingUpdate") {
    Json& rolling = strategy["rollingUpdate"];
    if (rolling.is_null()) rolling = Json::object();
    if (rolling.is_object() && !rolling.contains("partition")) rolling["partition"] = 0;
  }
  Json& retention = spec["persistentVolumeClaimRetentionPolicy"];
  if (retention.is_null()) retention = Json::object();
  if (retention.is_object()) {
    if (!retention.contains("whenDeleted")) retention["whenDeleted"] = "Retain";
    if (!retention.contains("whenScaled")) retention["whenScaled"] = "Retain";
  }
}

FieldErrors validate_deployment(const Json& deployment, const Json* old_deployment) {
  FieldErrors errors;
  const Json* spec = member(deployment, "spec");
  if (spec == nullptr) return errors;  // the schema requires it
  validate_selector_and_template(*spec, "deployment", true, errors);
  selector_unchanged(deployment, old_deployment, errors);
  const FieldPath strategy_path = FieldPath("spec").child("strategy");
  const Json* strategy = member(*spec, "strategy");
  const Json* rolling = member(strategy, "rollingUpdate");
  if (string_or(member(strategy, "type")) == "Recreate") {
    if (rolling != nullptr) {
      errors.push_back(
          forbidden(strategy_path.child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'"));
    }
    return errors;
  }
  if (rolling == nullptr) return errors;
  const FieldPath rolling_path = strategy_path.child("rollingUpdate");
  const Json* unavailable = member(*rolling, "maxUnavailable");
  const Json* surge = member(*rolling, "maxSurge");
  for (auto [value, name] : {std::pair{unavailable, "maxUnavailable"}, std::pair{surge, "maxSurge"}}) {
    if (value == nullptr) continue;
    if (value->is_string()) {
      auto errs = validation::validate_int_or_percent(*value, rolling_path.child(name));
      errors.insert(errors.end(), errs.begin(), errs.end());
    } else if (auto n = integer(value); n && *n < 0) {
      errors.push_back(invalid(rolling_path.child(name), *value, "must be greater than or equal to 0"));
    }
  }
  auto u = amount(unavailable), s = amount(surge);
  if (u && s && *u == 0 && *s == 0) {
    errors.push_back(invalid(rolling_path.child("maxUnavailable"), *unavailable, "may not be 0 when `maxSurge` is 0"));
  }
  return errors;
}

FieldErrors validate_replica_set(const Json& replica_set, const Json* old_replica_set) {
  FieldErrors errors;
  const Json* spec = member(replica_set, "spec");
  if (spec == nullptr) return errors;
  // A ReplicaSet's template may be absent only while it has no replicas to make.
  auto replicas = integer(member(*spec, "replicas"));
  validate_selector_and_template(*spec, "deployment", replicas.value_or(1) > 0, errors);
  selector_unchanged(replica_set, old_replica_set, errors);
  return errors;
}

FieldErrors validate_stateful_set(const Json& stateful_set, const Json* old_stateful_set) {
  FieldErrors errors;
  const Json* spec = member(stateful_set, "spec");
  if (spec == nullptr) return errors;
  validate_selector_and_template(*spec, "statefulset", true, errors);
  if (old_stateful_set == nullptr) return errors;
  // Only these may change (ValidateStatefulSetUpdate); everything else of the spec is fixed at creation.
  const Json* old_spec = member(*old_stateful_set, "spec");
  if (old_spec == nullptr) return errors;
  Json now = *spec, before = *old_spec;
  for (const char* mutable_field :
       {"replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy", "minReadySeconds",
        "revisionHistoryLimit"}) {
    now.erase(mutable_field);
    before.erase(mutable_field);
  }
  if (now != before) {
    errors.push_back(forbidden(FieldPath("spec"),
                               "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                               "'template', 'updateStrategy', 'revisionHistoryLimit', "
                               "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
  return errors;
}

}  // namespace kthena::api
