#include "controllers/modelbooster/backend_settings.h"

#include <fmt/format.h>

#include <charconv>
#include <optional>

#include "api/validation/engine_port.h"
#include "controllers/modelbooster/go_format.h"

namespace kthena::controllers::modelbooster {
namespace {

// A port as upstream reads RUNTIME_PORT (strconv.ParseInt, base 10: an optional sign and digits), within 1..65535.
std::optional<int32_t> parse_port(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || value < 1 || value > 65535) return std::nullopt;
  return static_cast<int32_t>(value);
}

FieldPath env_value_path(size_t index) {
  return FieldPath("spec.backend.env").index(index).child("value");
}

}  // namespace

std::string env_value(const ModelBackend& backend, std::string_view name) {
  const Json* env = backend.find_env(name);
  if (env == nullptr) return "";
  auto it = env->find("value");
  if (it == env->end() || !it->is_string()) return "";
  return it->get<std::string>();
}

Result<BackendSettings> read_backend_settings(const ModelBackend& backend) {
  BackendSettings s;
  auto port = api::engine_port(backend.json);
  if (!port) {
    const FieldPath field = FieldPath("spec.backend.workers").index(port.error().worker_index).child("config");
    return field_failure(invalid(field.child("port"), port.error().bad_value, port.error().message));
  }
  s.engine_port = *port;

  size_t index = 0;
  if (backend.find_env(kEnvRuntimePort, &index) != nullptr) {
    const std::string text = env_value(backend, kEnvRuntimePort);
    if (!text.empty()) {
      std::optional<int32_t> port = parse_port(text);
      if (!port) {
        return field_failure(invalid(env_value_path(index), text, "RUNTIME_PORT must be a port number (1-65535)"));
      }
      s.runtime_port = *port;
    }
  }
  s.runtime_url = env_value(backend, kEnvRuntimeUrl);
  if (s.runtime_url.empty()) s.runtime_url = fmt::format("http://localhost:{}", s.engine_port);
  std::string metrics_path = env_value(backend, kEnvRuntimeMetricsPath);
  if (!metrics_path.empty()) s.runtime_metrics_path = std::move(metrics_path);
  if (backend.find_env(kEnvSkipEngineDependencyInstall, &index) != nullptr) {
    const std::string text = env_value(backend, kEnvSkipEngineDependencyInstall);
    if (!text.empty() && !go_parse_bool(text, s.skip_engine_dependency_install)) {
      return field_failure(
          invalid(env_value_path(index), text,
                  "KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL must be a boolean (1, t, true, 0, f, false)"));
    }
  }
  return s;
}

}  // namespace kthena::controllers::modelbooster
