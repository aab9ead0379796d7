// The KV-cache connector of a prefill/decode ModelBooster backend (upstream's GetKvConnectorSpec): read from the
// workers' vLLM `kv-transfer-config`, checked for consistency by the ModelBooster webhook, and written by the
// converter into the generated ModelServer's spec.kvConnector.type.
#pragma once

#include <optional>
#include <string>

#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

// "mooncake", "nixl" or "lmcache"; nullopt when neither the prefill nor the decode worker configures a connector.
// Fails with upstream's message when there is more than one prefill or decode worker, when a kv-transfer-config is
// malformed, names an unknown connector or a role the worker cannot play, or when the two sides disagree.
Result<std::optional<std::string>> kv_connector_type(const Json& backend);

}  // namespace kthena::api
