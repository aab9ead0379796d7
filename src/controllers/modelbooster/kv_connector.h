// The KV-cache connector a worker asks vLLM for, which decides whether the engine needs a package installed first
// (spec kthena-workload.md §2.4 "Engine command", step 5). The ModelServer's connector type, with its consistency
// rules, is api::kv_connector_type (api/validation/kv_connector.h), shared with the webhook.
#pragma once

#include <string>

#include "api/json.h"

namespace kthena::controllers::modelbooster {

// The `kv_connector` of a worker's config["kv-transfer-config"] (a JSON string), or "" when there is none or it
// cannot be read (upstream's getKvConnectorFromConfig); never fails.
std::string kv_connector_name(const Json& worker_config);

}  // namespace kthena::controllers::modelbooster
