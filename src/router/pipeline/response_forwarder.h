// Forwards an upstream response to the client while counting its usage: a stream piece by piece (each upstream
// read goes out as one chunk at once), or a whole body. Nothing reaches the client before the first piece of the
// upstream body has arrived, so a pod that fails before that can still be replaced (the caller checks
// Exchange::responded()).
#pragma once

#include "http/client.h"
#include "router/pipeline/request_state.h"
#include "router/pipeline/sse_usage_filter.h"

namespace kthena::router {

struct ForwardResult {
  bool complete = false;  // the upstream body ended and the client took all of it
  Usage usage;
};

// `streaming`: forward as a stream (begin_stream/write), else read whole and respond. `mode` and `drop_injected`
// as in SseUsageFilter. `copy_all_headers`: PD decode copies every header (upstream does not filter there).
http::asio::awaitable<ForwardResult> forward_response(RequestState& st, http::ClientResponse& response, bool streaming,
                                                      SseUsageFilter::Mode mode, bool drop_injected);

}  // namespace kthena::router
