// Forwards an upstream response to the client while counting its usage: a stream piece by piece (each upstream
// read goes out as one chunk at once), or a whole body. Nothing reaches the client before the first piece of the
// upstream body has arrived, so a pod that fails before that can still be replaced (the caller checks
// Exchange::responded()).
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "http/client.h"
#include "router/pipeline/request_state.h"
#include "router/pipeline/sse_usage_filter.h"

namespace kthena::router {

struct ForwardResult {
  bool complete = false;  // the upstream body ended and the client took all of it
  Usage usage;
};

// A non-streaming answer whose whole body came with its head (the usual case) needs no coroutine of its own: this
// returns that body and fills `headers` (views into the response, valid while it lives) for the caller to pass to
// Exchange::respond() and then to forwarded_whole(); the post-schedule hooks have run. nullopt when the body is still
// to be read: forward_response() does that.
std::optional<std::string_view> buffered_answer(RequestState& st, http::ClientResponse& response,
                                                std::vector<http::Header>& headers,
                                                std::span<const Endpoint* const> serving);
// The outcome of sending `body` whole: `sent` is what Exchange::respond() returned.
ForwardResult forwarded_whole(RequestState& st, const Result<void>& sent, std::string_view body);

// `streaming`: forward as a stream (begin_stream/write), else read whole and respond. `mode` and `drop_injected`
// as in SseUsageFilter. `serving`: the pods that answer (the pod, or the decode and prefill pair); the scheduler's
// post-schedule hooks learn them once the answer is committed, before its first byte goes to the client, so that
// the client's next request is scheduled knowing where this one went.
http::asio::awaitable<ForwardResult> forward_response(RequestState& st, http::ClientResponse& response, bool streaming,
                                                      SseUsageFilter::Mode mode, bool drop_injected,
                                                      std::span<const Endpoint* const> serving);

}  // namespace kthena::router
