// The vLLM command line of a worker (spec kthena-workload.md §2.4 "Engine command"): the OpenAI server on the
// downloaded model, the worker's `config` as flags, Ray wrapping for multi-node servers, and the pip install
// that KV connectors need on stock vLLM images.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "controllers/modelbooster/backend_settings.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

inline constexpr std::string_view kMultiNodeScript = "examples/online_serving/multi-node-serving.sh";

// A worker's `config` as engine flags: keys sorted bytewise, each "--" + key with "_" turned into "-", followed by
// its value unless the value is "" (a valueless flag such as --trust-remote-code). Strings are verbatim, bools
// true/false, numbers Go's %v of a float64 (32768 -> "32768", 1000000 -> "1e+06"). Where upstream printed Go
// syntax nobody can parse we do what vLLM expects instead: null is a valueless flag, an object is compact JSON,
// and a list gives one argument per element. A config that is not an object is an error naming `path`.
Result<std::vector<std::string>> engine_args(const Json& config, const FieldPath& path);

// The accelerators of a worker: limits["nvidia.com/gpu"] + limits["huawei.com/ascend-1980"], each rounded up to
// an integer as Quantity.Value() does. Unparsable quantities count 0 (admission rejects them first).
int64_t device_count(const ModelWorker& worker);

// True when some worker's limits["nvidia.com/gpu"] is positive.
bool requests_nvidia_gpu(const ModelBackend& backend);

// The engine container's command for `worker`:
//   python3 -m vllm.entrypoints.openai.api_server --model <download_path> <engine_args>
// then, when the backend's server worker has pods > 1, `--distributed_executor_backend ray` and the Ray leader
// wrapper (`bash -c "chmod u+x S && S leader --ray_cluster_size=<pods> --num-gpus=<devices> && <cmd>"`), then,
// when an NVIDIA GPU is requested, KTHENA_SKIP_ENGINE_DEPENDENCY_INSTALL is not true and the worker's
// kv_connector is MooncakeConnector or NixlConnector, the pip install wrapper. Joins apply no shell quoting,
// exactly as upstream.
Result<std::vector<std::string>> engine_command(const ModelBackend& backend, const ModelWorker& worker,
                                                const std::string& download_path, const BackendSettings& settings);

}  // namespace kthena::controllers::modelbooster
