// The ModelRoute index of one snapshot (kthena-router.md §3.7): which route, rule and target a request goes to.
// Built once per change of the route set and then only read, from any thread, without locks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/types/model_route.h"
#include "common/rng.h"
#include "common/string_map.h"
#include "router/routes/string_matcher.h"

namespace kthena::router {

// What route matching may read of the HTTP request besides its model. Names are case-insensitive.
class HeaderSource {
 public:
  virtual ~HeaderSource() = default;
  // The first value of header `name`, or "" when absent.
  virtual std::string_view get(std::string_view name) const = 0;
};

struct CompiledRule {
  const api::RouteRule* rule = nullptr;
  std::vector<std::pair<std::string, StringMatcher>> headers;
  std::optional<StringMatcher> uri;
  const std::string* body_model = nullptr;
  // Cumulative weights, or empty when the weights mix set and unset values or sum to zero (never selectable).
  std::vector<uint64_t> cumulative;
};

struct CompiledRoute {
  std::shared_ptr<const api::ModelRoute> route;
  std::string key;  // "namespace/name"
  std::vector<CompiledRule> rules;
};

enum class TargetKind { kModelServer, kExternalModelProvider };

struct RouteMatch {
  const CompiledRoute* route = nullptr;
  const api::RouteRule* rule = nullptr;
  TargetKind kind = TargetKind::kModelServer;
  std::string_view namespace_name;  // the route's namespace
  std::string_view target_name;     // ModelServer or ExternalModelProvider name
  bool lora = false;                // matched through loraAdapters: no model rewrite
};

class RouteTable {
 public:
  explicit RouteTable(std::vector<std::shared_ptr<const api::ModelRoute>> routes);

  // The target for a request, or nullopt when no route of `model` has a rule that matches (404 route not found).
  // `gateway_key` ("ns/name" of the receiving Gateway) is empty outside Gateway mode, where routes that name
  // parentRefs are skipped.
  std::optional<RouteMatch> match(std::string_view model, const HeaderSource& headers, std::string_view path, Rng& rng,
                                  std::string_view gateway_key = {}) const;

  // True when `model` is some route's modelName or LoRA adapter (metrics keep other names as "unknown").
  bool is_registered(std::string_view model) const;
  // Every modelName and LoRA adapter, sorted and de-duplicated: the /v1/models list.
  const std::vector<std::string>& model_names() const { return names_; }
  const std::vector<CompiledRoute>& routes() const { return routes_; }

 private:
  std::optional<RouteMatch> match_in(const std::vector<const CompiledRoute*>& candidates, bool lora,
                                     const HeaderSource& headers, std::string_view path, std::string_view model,
                                     Rng& rng, std::string_view gateway_key) const;

  std::vector<CompiledRoute> routes_;
  StringMap<std::vector<const CompiledRoute*>> by_model_;
  StringMap<std::vector<const CompiledRoute*>> by_lora_;
  std::vector<std::string> names_;
};

}  // namespace kthena::router
