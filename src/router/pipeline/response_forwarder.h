// Forwards an upstream response to the client while counting its usage: a stream piece by piece (each upstream
// read goes out as one chunk at once), or a whole body. Nothing reaches the client before the first piece of the
// upstream body has arrived, so a pod that fails before that can still be replaced (the caller checks
// Exchange::responded()).
#pragma once

#include <span>

#include "http/client.h"
#include "router/pipeline/request_state.h"
#include "router/pipeline/sse_usage_filter.h"

namespace kthena::router {

struct ForwardResult {
  bool complete = false;  // the upstream body ended and the client took all of it
  Usage usage;
};

// `streaming`: forward as a stream (begin_stream/write), else read whole and respond. `mode` and `drop_injected`
// as in SseUsageFilter. `serving`: the pods that answer (the pod, or the decode and prefill pair); the scheduler's
// post-schedule hooks learn them once the answer is committed, before its first byte goes to the client, so that
// the client's next request is scheduled knowing where this one went.
http::asio::awaitable<ForwardResult> forward_response(RequestState& st, http::ClientResponse& response, bool streaming,
                                                      SseUsageFilter::Mode mode, bool drop_injected,
                                                      std::span<const Endpoint* const> serving);

}  // namespace kthena::router
