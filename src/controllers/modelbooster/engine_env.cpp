#include "controllers/modelbooster/engine_env.h"

#include "controllers/modelbooster/backend_settings.h"

namespace kthena::controllers::modelbooster {
namespace {

Json value_var(std::string_view name, std::string_view value) {
  return Json{{"name", name}, {"value", value}};
}

Json field_var(std::string_view name, std::string_view field_path) {
  return Json{{"name", name}, {"valueFrom", {{"fieldRef", {{"fieldPath", field_path}}}}}};
}

Json key_ref_var(std::string_view name, std::string_view source, std::string_view object, std::string_view key) {
  return Json{{"name", name}, {"valueFrom", {{source, {{"key", key}, {"name", object}, {"optional", true}}}}}};
}

}  // namespace

Json engine_env(const ModelBackend& backend, EngineRole role) {
  Json env = backend.env;
  Json generated = Json::array({
      field_var("POD_NAME", "metadata.name"),
      field_var("NAMESPACE", "metadata.namespace"),
      value_var("VLLM_USE_V1", "1"),
      key_ref_var("REDIS_HOST", "configMapKeyRef", "redis-config", "REDIS_HOST"),
      key_ref_var("REDIS_PORT", "configMapKeyRef", "redis-config", "REDIS_PORT"),
      key_ref_var("REDIS_PASSWORD", "secretKeyRef", "redis-secret", "REDIS_PASSWORD"),
  });
  switch (role) {
    case EngineRole::kServer:
      break;
    case EngineRole::kPrefill:
      generated.push_back(value_var("HF_HUB_OFFLINE", "1"));
      generated.push_back(field_var("HCCL_IF_IP", "status.podIP"));
      break;
    case EngineRole::kDecode:
      generated.push_back(value_var("HF_HUB_OFFLINE", "1"));
      generated.push_back(value_var("GLOO_SOCKET_IFNAME", "eth0"));
      generated.push_back(value_var("TP_SOCKET_IFNAME", "eth0"));
      generated.push_back(value_var("HCCL_SOCKET_IFNAME", "eth0"));
      break;
  }
  for (Json& var : generated) {
    if (backend.find_env(var["name"].get_ref<const std::string&>()) == nullptr) env.push_back(std::move(var));
  }
  return env;
}

Json downloader_env(const ModelBackend& backend) {
  Json env = Json::array();
  for (std::string_view name : {kEnvEndpoint, kEnvHfEndpoint, kEnvMsToken, kEnvMsRevision}) {
    if (!env_value(backend, name).empty()) env.push_back(*backend.find_env(name));
  }
  return env;
}

}  // namespace kthena::controllers::modelbooster
