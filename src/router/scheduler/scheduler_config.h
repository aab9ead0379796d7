// The router configuration file (upstream's ConfigMap key `routerConfiguration`, kthena-router.md §4.1): which
// scheduler plugins run, with which weights and arguments, and the JWT settings (§8, parsed and kept for the
// authentication filter).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "router/scheduler/plugin_args.h"

namespace kthena::router {

struct SchedulerConfig {
  struct Score {
    std::string name;
    int64_t weight = 1;
    std::string field;  // where it was configured, for errors
  };
  std::vector<std::string> filters;  // executed in this order
  std::vector<Score> scores;         // one per plugin name
  struct Args {
    std::string name;
    Json args;
    std::string field;
  };
  std::vector<Args> plugin_args;

  PluginArgs args_for(std::string_view name) const;
};

struct AuthConfig {
  std::string issuer;
  std::vector<std::string> audiences;
  std::string jwks_uri;
};

struct RouterConfig {
  SchedulerConfig scheduler;
  std::optional<AuthConfig> auth;  // set when jwksUri is non-empty
  std::vector<std::string> warnings;
};

// Reads a decoded configuration document. Errors name the field ("scheduler.pluginConfig[0]: plugin configuration
// must be a mapping").
Result<RouterConfig> parse_router_config(const Json& document);

// Reads and decodes the file at `path`: "failed to read config file: ..." or "failed to Unmarshal
// routerConfiguration: ..." when it cannot, then parse_router_config().
Result<RouterConfig> load_router_config(const std::string& path);

// Upstream's defaults when no configuration is given: filter least-request, score least-request, least-latency and
// prefix-cache with weight 1.
RouterConfig default_router_config();

}  // namespace kthena::router
