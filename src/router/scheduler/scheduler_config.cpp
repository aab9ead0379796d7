#include "router/scheduler/scheduler_config.h"

#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "api/codec/yaml_decoder.h"

namespace kthena::router {
namespace {

tl::unexpected<Error> invalid(std::string field, std::string message) {
  return fail(ErrorCode::kInvalid, std::move(message), std::move(field));
}

Result<std::vector<std::string>> string_list(const Json& value, const std::string& field) {
  std::vector<std::string> out;
  if (value.is_null()) return out;
  if (!value.is_array()) return invalid(field, "must be a list");
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) return invalid(fmt::format("{}[{}]", field, i), "must be a string");
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

const Json& at(const Json& object, std::string_view key) {
  static const Json kNull;  // immutable: a shared "absent" value
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

Result<void> parse_scheduler(const Json& scheduler, RouterConfig& out) {
  SchedulerConfig& config = out.scheduler;
  if (!scheduler.is_object()) return invalid("scheduler", "must be a mapping");

  const Json& plugin_config = at(scheduler, "pluginConfig");
  if (!plugin_config.is_null() && !plugin_config.is_array()) return invalid("scheduler.pluginConfig", "must be a list");
  for (size_t i = 0; i < plugin_config.size() && plugin_config.is_array(); ++i) {
    std::string field = fmt::format("scheduler.pluginConfig[{}]", i);
    const Json& entry = plugin_config[i];
    if (!entry.is_object()) return invalid(field, "plugin configuration must be a mapping");
    const Json& name = at(entry, "name");
    if (!name.is_string()) return invalid(field + ".name", "must be a scalar string");
    config.plugin_args.push_back({name.get<std::string>(), at(entry, "args"), field + ".args"});
  }

  const Json& plugins = at(scheduler, "plugins");
  if (!plugins.is_null() && !plugins.is_object()) return invalid("scheduler.plugins", "must be a mapping");
  // `disabled` lists are read for their shape and otherwise ignored, as upstream does.
  const Json& filter = at(plugins, "Filter");
  auto filters = string_list(at(filter, "enabled"), "scheduler.plugins.Filter.enabled");
  if (!filters) return fail(filters.error());
  config.filters = std::move(*filters);
  if (auto disabled = string_list(at(filter, "disabled"), "scheduler.plugins.Filter.disabled"); !disabled) {
    return fail(disabled.error());
  }

  const Json& score = at(plugins, "Score");
  const Json& enabled = at(score, "enabled");
  if (!enabled.is_null() && !enabled.is_array()) return invalid("scheduler.plugins.Score.enabled", "must be a list");
  for (size_t i = 0; i < enabled.size() && enabled.is_array(); ++i) {
    std::string field = fmt::format("scheduler.plugins.Score.enabled[{}]", i);
    const Json& entry = enabled[i];
    if (!entry.is_object()) return invalid(field, "must be a mapping with name and weight");
    const Json& name = at(entry, "name");
    if (!name.is_string()) return invalid(field + ".name", "must be a string");
    const Json& weight = at(entry, "weight");
    int64_t w = 0;
    if (weight.is_number_integer()) {
      w = weight.get<int64_t>();
    } else if (!weight.is_null()) {
      return invalid(field + ".weight", "must be an integer");
    }
    if (w < 0) w = 0;  // upstream: a negative weight counts as 0
    bool replaced = false;
    for (SchedulerConfig::Score& s : config.scores) {
      if (s.name == name.get<std::string>()) {
        s.weight = w;  // duplicates: the last one wins
        s.field = field;
        replaced = true;
      }
    }
    if (!replaced) config.scores.push_back({name.get<std::string>(), w, field});
  }
  if (config.scores.size() > 1) {
    for (auto it = config.scores.begin(); it != config.scores.end(); ++it) {
      if (it->name != "random") continue;
      out.warnings.push_back(
          "the random score plugin cannot be combined with other score plugins; it has been removed");
      config.scores.erase(it);
      break;
    }
  }
  return {};
}

}  // namespace

PluginArgs SchedulerConfig::args_for(std::string_view name) const {
  // Several entries for one plugin: the last one counts.
  for (auto it = plugin_args.rbegin(); it != plugin_args.rend(); ++it) {
    if (it->name == name) return PluginArgs(it->args, it->field);
  }
  return PluginArgs(Json(), fmt::format("scheduler.pluginConfig[{}].args", name));
}

Result<RouterConfig> parse_router_config(const Json& document) {
  RouterConfig out;
  if (document.is_null()) return out;
  if (!document.is_object()) return invalid("", "the router configuration must be a mapping");
  if (const Json& scheduler = at(document, "scheduler"); !scheduler.is_null()) {
    if (auto ok = parse_scheduler(scheduler, out); !ok) return fail(ok.error());
  }
  if (const Json& auth = at(document, "auth"); auth.is_object()) {
    AuthConfig a;
    if (at(auth, "issuer").is_string()) a.issuer = at(auth, "issuer").get<std::string>();
    if (at(auth, "jwksUri").is_string()) a.jwks_uri = at(auth, "jwksUri").get<std::string>();
    auto audiences = string_list(at(auth, "audiences"), "auth.audiences");
    if (!audiences) return fail(audiences.error());
    a.audiences = std::move(*audiences);
    if (!a.jwks_uri.empty()) out.auth = std::move(a);
  } else if (!auth.is_null()) {
    return invalid("auth", "must be a mapping");
  }
  return out;
}

Result<RouterConfig> load_router_config(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, fmt::format("failed to read config file: cannot open {}", path));
  std::stringstream text;
  text << in.rdbuf();
  auto document = api::decode_document(text.str(), path);
  if (!document) {
    return fail(ErrorCode::kInvalid, "failed to Unmarshal routerConfiguration: " + document.error().to_string());
  }
  auto config = parse_router_config(*document);
  if (!config) {
    Error e = config.error();
    e.message =
        "failed to Unmarshal routerConfiguration: " + (e.field.empty() ? e.message : e.field + ": " + e.message);
    e.field = path;
    return fail(std::move(e));
  }
  return config;
}

RouterConfig default_router_config() {
  RouterConfig out;
  SchedulerConfig& s = out.scheduler;
  s.filters = {"least-request"};
  s.scores = {{"least-request", 1, "default"}, {"least-latency", 1, "default"}, {"prefix-cache", 1, "default"}};
  s.plugin_args = {
      {"least-request", Json{{"maxWaitingRequests", 10}}, "default.least-request"},
      {"least-latency", Json{{"TTFTTPOTWeightFactor", 0.5}}, "default.least-latency"},
      {"prefix-cache",
       Json{{"blockSizeToHash", 64}, {"maxBlocksToMatch", 128}, {"maxHashCacheSize", 50000}, {"topKMatches", 5}},
       "default.prefix-cache"},
  };
  return out;
}

}  // namespace kthena::router
