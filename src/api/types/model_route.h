// ModelRoute (networking.serving.volcano.sh/v1alpha1), typed for the router: which requests a route takes (model
// name or LoRA adapters, rules with header/URI/body matches) and where it sends them (weighted targets).
// Spec: kthena-router.md §1.1. Decoded from an object that admission has already defaulted and validated.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/json.h"
#include "api/types/object_meta.h"
#include "common/result.h"

namespace kthena::api {

// Exactly one of exact/prefix/regex is meant to be set; none set matches anything.
struct StringMatch {
  enum class Kind { kAny, kExact, kPrefix, kRegex };
  Kind kind = Kind::kAny;
  std::string value;
};

struct ModelMatch {
  std::vector<std::pair<std::string, StringMatch>> headers;  // in manifest order; all must match
  std::optional<StringMatch> uri;
  std::optional<std::string> body_model;
};

struct TargetModel {
  std::string model_server_name;
  std::string external_model_provider_name;
  std::optional<uint32_t> weight;  // CRD default 100
};

struct RouteRule {
  std::string name;
  std::optional<ModelMatch> model_match;  // absent: the rule matches every request
  std::vector<TargetModel> target_models;
};

// Gateway API ParentReference; empty strings are unset fields.
struct ParentReference {
  std::optional<std::string> group;
  std::optional<std::string> kind;
  std::string name;
  std::string namespace_name;
  std::string section_name;
  std::optional<int32_t> port;
};

struct RateLimit {
  std::optional<uint32_t> input_tokens_per_unit;
  std::optional<uint32_t> output_tokens_per_unit;
  std::string unit = "second";
  std::string global_redis_address;  // empty: local limiter
};

struct ModelRouteSpec {
  std::string model_name;
  std::vector<std::string> lora_adapters;
  std::vector<ParentReference> parent_refs;
  std::vector<RouteRule> rules;
  std::optional<RateLimit> rate_limit;
};

struct ModelRoute {
  ObjectMeta metadata;
  ModelRouteSpec spec;
  Json spec_json;  // the spec as admitted, for configuration dumps
};

Result<ModelRoute> decode_model_route(const Json& object);

}  // namespace kthena::api
