// What the router makes of a failed attempt: whether another pod may get the request, what the pod's failure says
// about its health (passive_health.h), and how the access log names it. Shared by the aggregated and the
// prefill/decode proxies.
#pragma once

#include <string_view>

#include "common/result.h"
#include "router/pipeline/request_state.h"

namespace kthena::router {

// The statuses after which the next pod gets the request (if the retry plan allows): the engine is overloaded or a
// proxy in front of it failed (Envoy's "gateway-error" plus 503). Any other status is the engine's answer about the
// request itself (a 400 for a context that is too long, a 404 for an unknown model, a 500 from a failed generation)
// and goes to the client as it is: another pod would say the same, and clients that retry on 503 would repeat a
// request that can never succeed.
inline bool retriable_status(int status) {
  return status == 502 || status == 503 || status == 504;
}

// Records a transport failure of an attempt to `pod`: the access-log error, the pod's ejection when the failure
// was the pod's own (refused or unreachable, or no response head in time), with a warning and the ejection metric.
void record_transport_failure(RequestState& st, const Endpoint& pod, const Error& error);

}  // namespace kthena::router
