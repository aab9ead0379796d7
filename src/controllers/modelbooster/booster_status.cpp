#include "controllers/modelbooster/booster_status.h"

namespace kthena::controllers::modelbooster {
namespace {

Json* find_condition(Json& conditions, std::string_view type) {
  for (Json& c : conditions) {
    if (c.is_object() && c.value("type", "") == type) return &c;
  }
  return nullptr;
}

// meta.SetStatusCondition: reason and message always follow; lastTransitionTime only when the status flips.
void set_condition(Json& conditions, std::string_view type, std::string_view status, std::string_view reason,
                   std::string_view message, std::string_view now) {
  Json* existing = find_condition(conditions, type);
  if (!existing) {
    conditions.push_back(
        {{"type", type}, {"status", status}, {"lastTransitionTime", now}, {"reason", reason}, {"message", message}});
    return;
  }
  if (existing->value("status", "") != status) {
    (*existing)["status"] = status;
    (*existing)["lastTransitionTime"] = now;
  }
  (*existing)["reason"] = reason;
  (*existing)["message"] = message;
}

}  // namespace

Json booster_status(const Json& old_status, int64_t generation, const ReconcileOutcome& outcome, std::string_view now) {
  Json status = old_status.is_object() ? old_status : Json::object();
  Json conditions =
      status.contains("conditions") && status["conditions"].is_array() ? status["conditions"] : Json::array();
  if (!find_condition(conditions, kConditionInitialized)) {
    set_condition(conditions, kConditionInitialized, "True", "ModelCreating", "ModelBooster initialized", now);
  }
  if (outcome.serving_available && !outcome.failure) {
    set_condition(conditions, kConditionActive, "True", "ModelAvailable", "ModelBooster is ready", now);
  } else {
    set_condition(conditions, kConditionActive, "False", outcome.failure ? "ModelAbnormal" : "ModelProcessing",
                  "ModelBooster not ready yet", now);
  }
  if (outcome.failure) {
    set_condition(conditions, kConditionFailed, "True", "ModelAbnormal", *outcome.failure, now);
  } else if (find_condition(conditions, kConditionFailed)) {
    set_condition(conditions, kConditionFailed, "False", "ModelRecovered",
                  "every object of the ModelBooster was applied", now);
  }
  status["conditions"] = std::move(conditions);
  status["observedGeneration"] = generation;
  return status;
}

}  // namespace kthena::controllers::modelbooster
