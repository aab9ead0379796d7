// Environment variables of the generated containers (spec kthena-workload.md §2.4 "Standard engine env",
// "Downloader init container").
#pragma once

#include "api/json.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

enum class EngineRole { kServer, kPrefill, kDecode };

// The env of the engine and runtime containers, in upstream's order: backend.env; POD_NAME, NAMESPACE,
// VLLM_USE_V1=1; REDIS_HOST, REDIS_PORT (configMap redis-config), REDIS_PASSWORD (secret redis-secret), all
// optional; then the role's extras: prefill HF_HUB_OFFLINE=1 and HCCL_IF_IP (the pod IP), decode HF_HUB_OFFLINE=1
// and GLOO_/TP_/HCCL_SOCKET_IFNAME=eth0. A generated variable whose name backend.env already sets is left out, so
// the user's value wins (upstream emitted both, and the API server rejects duplicate names).
Json engine_env(const ModelBackend& backend, EngineRole role);

// The downloader's env: those of ENDPOINT, HF_ENDPOINT, MS_TOKEN and MS_REVISION that backend.env sets to a
// non-empty value, in that order.
Json downloader_env(const ModelBackend& backend);

}  // namespace kthena::controllers::modelbooster
