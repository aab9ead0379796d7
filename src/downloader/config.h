// The downloader's settings (spec §7.2): the `--config` JSON first, environment variables filling only the keys it
// leaves out, as upstream merges them.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::downloader {

// Reads one environment variable; nullopt when unset or empty. Injected so that tests need no process environment.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

// The process environment (std::getenv).
std::optional<std::string> process_env(std::string_view name);

struct DownloaderConfig {
  std::string hf_token;     // hf_token / HF_AUTH_TOKEN
  std::string hf_endpoint;  // hf_endpoint / HF_ENDPOINT, default https://huggingface.co
  std::string hf_revision;  // hf_revision / HF_REVISION, default main
  std::string ms_token;     // ms_token / MS_TOKEN
  std::string ms_revision;  // ms_revision / MS_REVISION, default master
  std::string ms_endpoint;  // ms_endpoint / MODELSCOPE_DOMAIN (not upstream's table), default https://www.modelscope.cn
  std::string access_key;   // access_key / ACCESS_KEY
  std::string secret_key;   // secret_key / SECRET_KEY
  std::string endpoint;     // endpoint / ENDPOINT (S3 and OBS), default https://s3.amazonaws.com
  std::string region;       // region / AWS_REGION / AWS_DEFAULT_REGION, default us-east-1 (the SigV4 scope)
};

// Merges `config` (a JSON object whose known keys are strings; unknown keys are ignored, as upstream ignores them)
// with the environment, then applies the defaults. Fails naming the key when a known key is not a string.
Result<DownloaderConfig> merge_config(const Json& config, const EnvLookup& env);

}  // namespace kthena::downloader
