#include "api/validation/model_route_validation.h"

#include <cstdint>
#include <string>

#include <fmt/format.h>

#include "api/schema/regex.h"
#include "api/validation/json_view.h"

namespace kthena::api {
namespace {

using validation::member;
using validation::string_or;

void check_regex(const Json* match, const FieldPath& path, FieldErrors& errs) {
  const Json* regex = member(match, "regex");
  if (regex == nullptr || !regex->is_string()) return;
  if (auto compiled = Regex::compile(regex->get_ref<const std::string&>()); !compiled) {
    errs.push_back(invalid(path.child("regex"), *regex, compiled.error().message));
  }
}

void check_rule(const Json& rule, const FieldPath& path, bool has_lora, FieldErrors& errs) {
  const Json* targets = member(rule, "targetModels");
  if (validation::array_size(targets) == 0) {
    errs.push_back(required(path.child("targetModels"), "each rule must have at least one target model"));
    return;
  }
  uint64_t total_weight = 0;
  for (size_t j = 0; j < targets->size(); ++j) {
    const Json& target = (*targets)[j];
    FieldPath target_path = path.child("targetModels").index(j);
    if (target.is_null()) {
      errs.push_back(invalid(target_path, nullptr, "target model must not be nil"));
      continue;
    }
    std::string server = string_or(member(target, "modelServerName"));
    std::string provider = string_or(member(target, "externalModelProviderName"));
    if (server.empty() == provider.empty()) {
      errs.push_back(invalid(target_path, fmt::format("{}/{}", server, provider),
                             "exactly one of modelServerName or externalModelProviderName must be set"));
    }
    if (!provider.empty() && has_lora) {
      errs.push_back(
          invalid(target_path.child("externalModelProviderName"), provider, "lora routes must target modelServerName"));
    }
    auto weight = validation::integer(member(target, "weight"));
    total_weight += weight && *weight >= 0 ? static_cast<uint64_t>(*weight) : (weight ? 0 : 100);
  }
  if (total_weight == 0) {
    errs.push_back(invalid(path.child("targetModels"), 0, "total weight must be greater than zero"));
  }
  const Json* match = member(rule, "modelMatch");
  if (match == nullptr) return;
  if (const Json* headers = member(*match, "headers"); headers != nullptr && headers->is_object()) {
    for (auto it = headers->begin(); it != headers->end(); ++it) {
      check_regex(&it.value(), path.child("modelMatch").child("headers").key(it.key()), errs);
    }
  }
  check_regex(member(*match, "uri"), path.child("modelMatch").child("uri"), errs);
}

}  // namespace

FieldErrors validate_model_route(const Json& object, const Json* /*old_object*/) {
  FieldErrors errs;
  const Json* spec = member(object, "spec");
  FieldPath spec_path("spec");
  const Json* lora = member(spec, "loraAdapters");
  size_t lora_count = validation::array_size(lora);
  if (string_or(member(spec, "modelName")).empty() && lora_count == 0) {
    errs.push_back(required(spec_path, "either modelName or loraAdapters must be specified"));
  }
  for (size_t i = 0; i < lora_count; ++i) {
    if (string_or(&(*lora)[i]).empty()) {
      errs.push_back(
          invalid(spec_path.child("loraAdapters").index(i), "", "lora adapter name cannot be an empty string"));
    }
  }
  const Json* rules = member(spec, "rules");
  for (size_t i = 0; i < validation::array_size(rules); ++i) {
    const Json& rule = (*rules)[i];
    FieldPath rule_path = spec_path.child("rules").index(i);
    if (rule.is_null()) {
      errs.push_back(invalid(rule_path, nullptr, "rule must not be nil"));
      continue;
    }
    check_rule(rule, rule_path, lora_count > 0, errs);
  }
  return errs;
}

}  // namespace kthena::api
