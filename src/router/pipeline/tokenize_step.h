// kvcache-aware's remote tokenization (kthena-router.md §4.6), run before scheduling: POST /tokenize to one
// candidate engine, with a 5 s deadline and one retry after 1 s, as upstream's client does.
#pragma once

#include "router/pipeline/request_state.h"
#include "router/scheduler/plugins/kvcache_aware.h"

namespace kthena::router {

// Fills st.sched.tokens (tokens_state kReady or kFailed). Moves the prompt string into the request first, since
// the worker's scratch buffers are reused by other requests while this one waits.
http::asio::awaitable<void> tokenize_for_kvcache(RequestState& st, const KvCacheAware& plugin);

}  // namespace kthena::router
