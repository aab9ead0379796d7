// The `args` of one pluginConfig entry. Keys match case-insensitively, as upstream decodes them with Go's JSON
// rules; a value of the wrong type is an error naming its path (upstream silently falls back to defaults).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::router {

class PluginArgs {
 public:
  PluginArgs() = default;
  // `path` names the args in error messages, e.g. "scheduler.pluginConfig[1].args".
  PluginArgs(Json args, std::string path) : args_(std::move(args)), path_(std::move(path)) {}

  Result<std::optional<int64_t>> get_int(std::string_view name) const;
  Result<std::optional<double>> get_double(std::string_view name) const;
  std::string field(std::string_view name) const {
    return path_.empty() ? std::string(name) : path_ + "." + std::string(name);
  }

 private:
  const Json* find(std::string_view name) const;
  Json args_;
  std::string path_;
};

}  // namespace kthena::router
