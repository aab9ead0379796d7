#include "router/routes/route_table.h"

#include <algorithm>
#include <tuple>

namespace kthena::router {
namespace {

CompiledRule compile_rule(const api::RouteRule& rule) {
  CompiledRule out;
  out.rule = &rule;
  if (rule.model_match) {
    for (const auto& [name, match] : rule.model_match->headers) out.headers.emplace_back(name, StringMatcher(match));
    if (rule.model_match->uri) out.uri = StringMatcher(*rule.model_match->uri);
    if (rule.model_match->body_model) out.body_model = &*rule.model_match->body_model;
  }
  // Weights are all unset (each counts 1) or all set; a mix, or a zero total, makes the rule unusable.
  size_t set = 0;
  for (const api::TargetModel& t : rule.target_models) set += t.weight.has_value();
  if (set != 0 && set != rule.target_models.size()) return out;
  uint64_t total = 0;
  for (const api::TargetModel& t : rule.target_models) {
    total += t.weight.value_or(1);
    out.cumulative.push_back(total);
  }
  if (total == 0) out.cumulative.clear();
  return out;
}

bool rule_matches(const CompiledRule& rule, std::string_view model, const HeaderSource& headers,
                  std::string_view path) {
  if (rule.rule->model_match == std::nullopt) return true;
  if (rule.body_model != nullptr && *rule.body_model != model) return false;
  for (const auto& [name, matcher] : rule.headers) {
    if (!matcher.matches(headers.get(name))) return false;
  }
  return !rule.uri || rule.uri->matches(path);
}

}  // namespace

RouteTable::RouteTable(std::vector<std::shared_ptr<const api::ModelRoute>> routes) {
  // Oldest first, so that among routes claiming the same model the oldest wins (upstream since v0.4).
  std::sort(routes.begin(), routes.end(), [](const auto& a, const auto& b) {
    return std::tie(a->metadata.creation_timestamp, a->metadata.resource_version, a->metadata.namespace_name,
                    a->metadata.name) < std::tie(b->metadata.creation_timestamp, b->metadata.resource_version,
                                                 b->metadata.namespace_name, b->metadata.name);
  });
  routes_.reserve(routes.size());
  for (auto& r : routes) {
    CompiledRoute compiled;
    compiled.key = r->metadata.key();
    for (const api::RouteRule& rule : r->spec.rules) compiled.rules.push_back(compile_rule(rule));
    compiled.route = std::move(r);
    routes_.push_back(std::move(compiled));
  }
  for (const CompiledRoute& r : routes_) {
    const api::ModelRouteSpec& spec = r.route->spec;
    if (!spec.model_name.empty()) {
      by_model_[spec.model_name].push_back(&r);
      names_.push_back(spec.model_name);
    }
    for (const std::string& lora : spec.lora_adapters) {
      if (lora.empty()) continue;
      auto& list = by_lora_[lora];
      if (std::find(list.begin(), list.end(), &r) == list.end()) list.push_back(&r);
      names_.push_back(lora);
    }
  }
  std::sort(names_.begin(), names_.end());
  names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
}

bool RouteTable::is_registered(std::string_view model) const {
  return by_model_.find(model) != by_model_.end() || by_lora_.find(model) != by_lora_.end();
}

std::optional<RouteMatch> RouteTable::match(std::string_view model, const HeaderSource& headers, std::string_view path,
                                            Rng& rng, std::string_view gateway_key) const {
  if (auto it = by_model_.find(model); it != by_model_.end()) {
    return match_in(it->second, false, headers, path, model, rng, gateway_key);
  }
  if (auto it = by_lora_.find(model); it != by_lora_.end()) {
    return match_in(it->second, true, headers, path, model, rng, gateway_key);
  }
  return std::nullopt;
}

std::optional<RouteMatch> RouteTable::match_in(const std::vector<const CompiledRoute*>& candidates, bool lora,
                                               const HeaderSource& headers, std::string_view path,
                                               std::string_view model, Rng& rng, std::string_view gateway_key) const {
  for (const CompiledRoute* route : candidates) {
    // Gateway API scoping (kthena-router.md §12) is not served yet: without a Gateway, routes bound to one are
    // skipped, as upstream does in its default mode.
    if (!route->route->spec.parent_refs.empty() && gateway_key.empty()) continue;
    const CompiledRule* chosen = nullptr;
    for (const CompiledRule& rule : route->rules) {
      if (rule_matches(rule, model, headers, path)) {
        chosen = &rule;
        break;
      }
    }
    if (chosen == nullptr || chosen->cumulative.empty()) continue;
    uint64_t r = rng.below(chosen->cumulative.back());
    size_t i = static_cast<size_t>(std::upper_bound(chosen->cumulative.begin(), chosen->cumulative.end(), r) -
                                   chosen->cumulative.begin());
    const api::TargetModel& target = chosen->rule->target_models[i];
    RouteMatch m;
    m.route = route;
    m.rule = chosen->rule;
    m.namespace_name = route->route->metadata.namespace_name;
    m.lora = lora;
    if (!target.model_server_name.empty()) {
      m.kind = TargetKind::kModelServer;
      m.target_name = target.model_server_name;
    } else {
      m.kind = TargetKind::kExternalModelProvider;
      m.target_name = target.external_model_provider_name;
    }
    return m;
  }
  return std::nullopt;
}

}  // namespace kthena::router
