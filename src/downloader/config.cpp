#include "downloader/config.h"

#include <cstdlib>

namespace kthena::downloader {
namespace {

struct Key {
  const char* name;
  std::string DownloaderConfig::*field;
  const char* env;
  const char* env_fallback;  // a second variable, or nullptr
  const char* fallback;      // the default, or nullptr
};

// One row per setting: the config key, the variable upstream reads for it, the default.
const Key kKeys[] = {
    {"hf_token", &DownloaderConfig::hf_token, "HF_AUTH_TOKEN", nullptr, nullptr},
    {"hf_endpoint", &DownloaderConfig::hf_endpoint, "HF_ENDPOINT", nullptr, "https://huggingface.co"},
    {"hf_revision", &DownloaderConfig::hf_revision, "HF_REVISION", nullptr, "main"},
    {"ms_token", &DownloaderConfig::ms_token, "MS_TOKEN", nullptr, nullptr},
    {"ms_revision", &DownloaderConfig::ms_revision, "MS_REVISION", nullptr, "master"},
    {"ms_endpoint", &DownloaderConfig::ms_endpoint, "MODELSCOPE_DOMAIN", nullptr, "https://www.modelscope.cn"},
    {"access_key", &DownloaderConfig::access_key, "ACCESS_KEY", nullptr, nullptr},
    {"secret_key", &DownloaderConfig::secret_key, "SECRET_KEY", nullptr, nullptr},
    {"endpoint", &DownloaderConfig::endpoint, "ENDPOINT", nullptr, "https://s3.amazonaws.com"},
    {"region", &DownloaderConfig::region, "AWS_REGION", "AWS_DEFAULT_REGION", "us-east-1"},
};

}  // namespace

std::optional<std::string> process_env(std::string_view name) {
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

Result<DownloaderConfig> merge_config(const Json& config, const EnvLookup& env) {
  if (!config.is_null() && !config.is_object()) return fail(ErrorCode::kBadRequest, "must be a JSON object", "config");
  DownloaderConfig out;
  for (const Key& key : kKeys) {
    std::string& value = out.*key.field;
    if (config.is_object()) {
      auto it = config.find(key.name);
      // A null member counts as absent, as Python's `config.get(key) or os.getenv(...)` treats it.
      if (it != config.end() && !it->is_null()) {
        if (!it->is_string())
          return fail(ErrorCode::kBadRequest, "must be a string", std::string("config.") + key.name);
        value = it->get<std::string>();
      }
    }
    if (value.empty()) value = env(key.env).value_or("");
    if (value.empty() && key.env_fallback != nullptr) value = env(key.env_fallback).value_or("");
    if (value.empty() && key.fallback != nullptr) value = key.fallback;
  }
  while (!out.hf_endpoint.empty() && out.hf_endpoint.back() == '/') out.hf_endpoint.pop_back();
  while (!out.ms_endpoint.empty() && out.ms_endpoint.back() == '/') out.ms_endpoint.pop_back();
  while (!out.endpoint.empty() && out.endpoint.back() == '/') out.endpoint.pop_back();
  return out;
}

}  // namespace kthena::downloader
