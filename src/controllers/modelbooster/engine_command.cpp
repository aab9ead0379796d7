#include "controllers/modelbooster/engine_command.h"

#include <fmt/format.h>

#include <algorithm>

#include "api/values/quantity.h"
#include "controllers/modelbooster/go_format.h"
#include "controllers/modelbooster/kv_connector.h"

namespace kthena::controllers::modelbooster {
namespace {

constexpr std::string_view kNvidiaGpu = "nvidia.com/gpu";
constexpr std::string_view kAscendNpu = "huawei.com/ascend-1980";

// One config value as an argument; nullopt for a valueless flag.
std::optional<std::string> format_value(const Json& value) {
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (s.empty()) return std::nullopt;
    return s;
  }
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number()) return go_format_number(value, /*as_float64=*/true);
  if (value.is_null()) return std::nullopt;
  return value.dump();
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) {
    if (!out.empty()) out.push_back(' ');
    out += p;
  }
  return out;
}

// limits[name] as Quantity.Value() (rounded up to an integer), 0 when absent or unparsable.
int64_t limit_units(const ModelWorker& worker, std::string_view name) {
  if (!worker.resources.is_object()) return 0;
  auto limits = worker.resources.find("limits");
  if (limits == worker.resources.end() || !limits->is_object()) return 0;
  auto quantity = limits->find(name);
  if (quantity == limits->end()) return 0;
  auto parsed = api::Quantity::from_json(*quantity);
  return parsed ? parsed->value() : 0;
}

}  // namespace

Result<std::vector<std::string>> engine_args(const Json& config, const FieldPath& path) {
  std::vector<std::string> args;
  if (config.is_null()) return args;
  if (!config.is_object()) return field_failure(invalid(path, config, "must be an object of engine arguments"));
  std::vector<std::string> keys;
  for (auto it = config.begin(); it != config.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  for (const std::string& key : keys) {
    std::string flag = "--" + key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    args.push_back(std::move(flag));
    const Json& value = config[key];
    if (value.is_array()) {
      for (const Json& element : value) {
        if (auto text = format_value(element)) args.push_back(std::move(*text));
      }
    } else if (auto text = format_value(value)) {
      args.push_back(std::move(*text));
    }
  }
  return args;
}

int64_t device_count(const ModelWorker& worker) {
  return limit_units(worker, kNvidiaGpu) + limit_units(worker, kAscendNpu);
}

bool requests_nvidia_gpu(const ModelBackend& backend) {
  return std::any_of(backend.workers.begin(), backend.workers.end(),
                     [](const ModelWorker& w) { return limit_units(w, kNvidiaGpu) > 0; });
}

Result<std::vector<std::string>> engine_command(const ModelBackend& backend, const ModelWorker& worker,
                                                const std::string& download_path, const BackendSettings& settings) {
  std::vector<std::string> command = {"python3", "-m", "vllm.entrypoints.openai.api_server", "--model", download_path};
  auto args = engine_args(worker.config, worker.path().child("config"));
  if (!args) return fail(args.error());
  command.insert(command.end(), args->begin(), args->end());

  const ModelWorker* server = backend.worker_of_type(kWorkerServer);
  if (server != nullptr && server->pods > 1) {
    command.push_back("--distributed_executor_backend");
    command.push_back("ray");
    command = {"bash", "-c",
               fmt::format("chmod u+x {0} && {0} leader --ray_cluster_size={1} --num-gpus={2} && {3}", kMultiNodeScript,
                           server->pods, device_count(*server), join(command))};
  }

  if (requests_nvidia_gpu(backend) && !settings.skip_engine_dependency_install) {
    const std::string connector = kv_connector_name(worker.config);
    if (connector == "MooncakeConnector") {
      command = {"bash", "-c", "pip install mooncake-transfer-engine && " + join(command)};
    } else if (connector == "NixlConnector") {
      command = {"bash", "-c",
                 "PIP_DISABLE_PIP_VERSION_CHECK=1 pip install -U --no-cache-dir nixl && " + join(command)};
    }
  }
  return command;
}

}  // namespace kthena::controllers::modelbooster
