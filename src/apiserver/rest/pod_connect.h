// The connect subresources of pods. `log` is served as a kube-apiserver serves it: the options checked with the
// Kubernetes messages, then the request proxied to the kubelet endpoint of the pod's node (the Node's InternalIP and
// status.daemonEndpoints.kubeletEndpoint.Port; `kthena node` publishes both) with the API server's bearer token,
// and the answer streamed back piece by piece (a follow lasts until the client or the container goes). `exec`,
// `attach` and `portforward` are refused with a Status that says why and what to use instead: the node agent runs
// containers as processes on its machine, with no runtime to attach to.
#pragma once

#include <string>

#include "api/json.h"
#include "apiserver/api_status.h"
#include "apiserver/object_service.h"
#include "apiserver/served_resources.h"
#include "http/asio.h"
#include "http/exchange.h"
#include "http/query_params.h"

namespace kthena::apiserver {

// What a pods/log request asks of the kubelet, once checked against the pod.
struct PodLogRequest {
  std::string node;       // the pod's spec.nodeName
  std::string container;  // chosen (the only container when the request names none)
  std::string query;      // for /containerLogs: follow, previous, timestamps, tailLines, limitBytes, since*
};

// 400 for a parameter that does not parse (naming it), 422 for one out of range (PodLogOptions is invalid), 400
// when the container is missing or unknown (Kubernetes' words) or the pod has no node yet.
ApiResult<PodLogRequest> pod_log_request(const Json& pod, const http::QueryParams& query);

bool is_pod_connect(const std::string& subresource);

struct PodConnectContext {
  ObjectService& objects;
  const ServedResources& resources;
  const std::string& kubelet_token;  // sent as the bearer token; empty: none
};

// GET pods/NAME/log (other methods: 405), and the refusals of exec, attach and portforward. Reactor thread of
// `exchange`.
http::asio::awaitable<void> serve_pod_connect(http::Exchange& exchange, PodConnectContext context, std::string ns,
                                              std::string name, std::string subresource,
                                              const http::QueryParams& query);

}  // namespace kthena::apiserver
