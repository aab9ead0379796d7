// The per-backend settings that conversion derives from worker configs and `backend.env` (spec
// kthena-workload.md §1.3 "Env names that backend.env recognises", §2.4 "Common derived values").
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

inline constexpr int32_t kDefaultRuntimePort = 8100;

inline constexpr std::string_view kEnvEndpoint = "ENDPOINT";
inline constexpr std::string_view kEnvHfEndpoint = "HF_ENDPOINT";
inline constexpr std::string_view kEnvMsToken = "MS_TOKEN";
inline constexpr std::string_view kEnvMsRevision = "MS_REVISION";
inline constexpr std::string_view kEnvRuntimePort = "RUNTIME_PORT";
inline constexpr std::string_view kEnvRuntimeUrl = "RUNTIME_URL";
inline constexpr std::string_view kEnvRuntimeMetricsPath = "RUNTIME_METRICS_PATH";
inline constexpr std::string_view kEnvSkipEngineDependencyInstall = "KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL";

struct BackendSettings {
  int32_t engine_port = 8000;                  // where vLLM listens (api::engine_port)
  int32_t runtime_port = kDefaultRuntimePort;  // where the runtime sidecar listens (RUNTIME_PORT)
  std::string runtime_url;                     // the sidecar's --engine-base-url (RUNTIME_URL)
  std::string runtime_metrics_path = "/metrics";
  bool skip_engine_dependency_install = false;
};

// Everything above. The engine port is the one the ModelBooster webhook validates (api/validation/engine_port.h);
// its errors name spec.backend.workers[i].config.port as the webhook's do. An env value that is set but unusable
// (RUNTIME_PORT "abc", the skip flag "yes") is an error naming spec.backend.env[i].value, where upstream silently
// fell back to the default.
Result<BackendSettings> read_backend_settings(const ModelBackend& backend);

// The value of the first `backend.env` entry named `name`, "" when it has none (valueFrom) or is absent.
std::string env_value(const ModelBackend& backend, std::string_view name);

}  // namespace kthena::controllers::modelbooster
