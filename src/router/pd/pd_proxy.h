// Prefill/decode disaggregation (kthena-router.md §6): for each scheduled (decode, prefill) pair, run the
// ModelServer's connector — http/lmcache (prefill, then decode), nixl/mooncake (prefill, then decode with the
// prefill's kv_transfer_params), sglang (both at once, joined by a bootstrap room) — until one succeeds.
#pragma once

#include "router/pipeline/request_state.h"

namespace kthena::router {

http::asio::awaitable<void> pd_proxy(RequestState& st);

// The kv_transfer_params of a prefill response, as JSON text ("null" when absent or unreadable).
std::string kv_transfer_params_of(simdjson::dom::parser& parser, std::string_view prefill_response);

}  // namespace kthena::router
