#include "apiserver/rest/pod_connect.h"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/json_fields.h"
#include "api/values/rfc3339_time.h"
#include "apiserver/rest/response.h"
#include "http/client.h"
#include "http/endpoint.h"

namespace kthena::apiserver {
namespace asio = http::asio;
using api::lenient::member;
using api::lenient::str;

namespace {

constexpr size_t kMaxErrorBody = 64 * 1024;

ApiStatus with_code(int code, std::string reason, std::string message) {
  ApiStatus s;
  s.code = code;
  s.reason = std::move(reason);
  s.message = std::move(message);
  return s;
}

std::vector<std::string> container_names(const Json& spec, const char* list) {
  std::vector<std::string> names;
  const Json& containers = member(spec, list);
  if (!containers.is_array()) return names;
  for (const Json& c : containers) names.push_back(str(c, "name"));
  return names;
}

// A kubelet's error (text) as the Status a kube-apiserver makes of it: same code, the text as the message.
ApiStatus kubelet_failure(int code, const std::string& node, std::string body) {
  while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
  switch (code) {
    case 400:
      return bad_request(std::move(body));
    case 404:
      return with_code(404, "NotFound", std::move(body));
    case 401:
    case 403:
      return internal_error(
          fmt::format("the node agent of node {} refused the API server's credentials ({}): {}", node, code, body));
    default:
      return with_code(code >= 500 ? code : 500, "InternalError",
                       fmt::format("the node agent of node {} answered {}: {}", node, code, body));
  }
}

// Where the kubelet endpoint of `node` is, from its Node object.
ApiResult<http::Endpoint> kubelet_endpoint(const PodConnectContext& context, const std::string& node) {
  const ServedResource* nodes = context.resources.find("", "nodes");
  if (nodes == nullptr) return fail(not_found("nodes", "", node));
  auto found = context.objects.get(nodes->info, "", node);
  if (!found) return fail(found.error());
  const Json& status = member(*found->object, "status");
  std::string address;
  const Json& addresses = member(status, "addresses");
  if (addresses.is_array()) {
    for (const Json& a : addresses) {
      if (str(a, "type") == "InternalIP" && address.empty()) address = str(a, "address");
    }
  }
  const Json& port = member(member(member(status, "daemonEndpoints"), "kubeletEndpoint"), "Port");
  if (address.empty() || !port.is_number_integer() || port.get<int64_t>() <= 0 || port.get<int64_t>() > 65535) {
    return fail(with_code(503, "ServiceUnavailable",
                          fmt::format("node {} publishes no kubelet endpoint (status.addresses InternalIP and "
                                      "status.daemonEndpoints.kubeletEndpoint.Port): is its node agent running?",
                                      node)));
  }
  return http::Endpoint(address, static_cast<uint16_t>(port.get<int64_t>()));
}

std::string refusal(const std::string& subresource, const Json& pod) {
  std::string ip = str(member(pod, "status"), "podIP");
  if (subresource == "portforward") {
    return fmt::format(
        "port-forward is not supported by the embedded API server: the node agent runs pods as processes on its "
        "machine, where the pod's IP is reachable directly{}",
        ip.empty() ? std::string(" (the pod has no IP yet)") : ": connect to " + ip + " from there");
  }
  return fmt::format(
      "{} is not supported by the embedded API server: the node agent runs containers as processes on its machine, "
      "with no container runtime to {}; run the command on that machine (`ip netns` lists the pods' network "
      "namespaces) and read the containers' output with kubectl logs",
      subresource, subresource == "attach" ? "attach to" : "exec into");
}

std::string forward_url(const std::string& ns, const std::string& name, const PodLogRequest& request) {
  std::string target = "/containerLogs/" + ns + "/" + name + "/" + request.container;
  if (!request.query.empty()) target += "?" + request.query;
  return target;
}

}  // namespace

bool is_pod_connect(const std::string& subresource) {
  return subresource == "log" || subresource == "exec" || subresource == "attach" || subresource == "portforward";
}

ApiResult<PodLogRequest> pod_log_request(const Json& pod, const http::QueryParams& query) {
  std::string name = str(member(pod, "metadata"), "name");
  PodLogRequest out;
  std::string forwarded;
  auto add = [&](std::string_view key, const std::string& value) {
    forwarded += (forwarded.empty() ? "" : "&") + std::string(key) + "=" + value;
  };
  for (const char* flag : {"follow", "previous", "timestamps", "insecureSkipTLSVerifyBackend"}) {
    auto value = query.flag(flag);
    if (!value) return fail(bad_request(value.error().message));
    if (*value && std::string_view(flag) != "insecureSkipTLSVerifyBackend") add(flag, "true");
  }
  FieldErrors errors;
  std::optional<int64_t> since_seconds;
  for (auto [key, min] : {std::pair<const char*, int64_t>{"tailLines", 0}, {"limitBytes", 1}, {"sinceSeconds", 1}}) {
    auto value = query.integer(key);
    if (!value) return fail(bad_request(value.error().message));
    if (!*value) continue;
    if (**value < min) {
      errors.push_back({FieldErrorType::kInvalid, key, Json(**value),
                        min == 0 ? "must be greater than or equal to 0" : "must be greater than 0"});
      continue;
    }
    if (std::string_view(key) == "sinceSeconds") since_seconds = **value;
    add(key, std::to_string(**value));
  }
  std::string since_time = query.get("sinceTime");
  if (!since_time.empty()) {
    auto time = api::parse_rfc3339(since_time);
    if (!time) return fail(bad_request("sinceTime: " + time.error().message));
    if (since_seconds) {
      errors.push_back(
          {FieldErrorType::kForbidden, "", Json(), "at most one of `sinceTime` or `sinceSeconds` may be specified"});
    }
    add("sinceTime", api::format_rfc3339(*time));
  }
  if (!errors.empty()) return fail(invalid("PodLogOptions", "", name, errors));

  const Json& spec = member(pod, "spec");
  std::vector<std::string> containers = container_names(spec, "containers");
  out.container = query.get("container");
  if (out.container.empty()) {
    if (containers.size() == 1) {
      out.container = containers.front();
    } else if (containers.empty()) {
      return fail(bad_request(fmt::format("a container name must be specified for pod {}", name)));
    } else {
      // Kubernetes lists every container, init containers first, as Go prints a []string.
      std::vector<std::string> all = container_names(spec, "initContainers");
      all.insert(all.end(), containers.begin(), containers.end());
      return fail(bad_request(fmt::format("a container name must be specified for pod {}, choose one of: [{}]", name,
                                          fmt::join(all, " "))));
    }
  } else {
    std::vector<std::string> init = container_names(spec, "initContainers");
    bool known = std::find(containers.begin(), containers.end(), out.container) != containers.end() ||
                 std::find(init.begin(), init.end(), out.container) != init.end();
    if (!known) return fail(bad_request(fmt::format("container {} is not valid for pod {}", out.container, name)));
  }
  out.node = str(spec, "nodeName");
  if (out.node.empty()) return fail(bad_request(fmt::format("pod {} does not have a host assigned", name)));
  out.query = std::move(forwarded);
  return out;
}

asio::awaitable<void> serve_pod_connect(http::Exchange& exchange, PodConnectContext context, std::string ns,
                                        std::string name, std::string subresource, const http::QueryParams& query) {
  const ServedResource* pods = context.resources.find("", "pods");
  if (pods == nullptr) {
    ApiStatus missing = not_found("pods", "", name);  // named: g++ 12 and temporaries in co_await (docs/http.md)
    co_return co_await respond_status(exchange, missing);
  }
  auto pod = context.objects.get(pods->info, ns, name);
  if (!pod) co_return co_await respond_status(exchange, pod.error());
  if (subresource != "log")
    co_return co_await respond_status(exchange, bad_request(refusal(subresource, *pod->object)));
  if (exchange.method() != "GET") {
    co_return co_await respond_status(exchange, method_not_allowed("the server does not allow this method on the "
                                                                   "requested resource"));
  }
  auto request = pod_log_request(*pod->object, query);
  if (!request) co_return co_await respond_status(exchange, request.error());
  auto endpoint = kubelet_endpoint(context, request->node);
  if (!endpoint) co_return co_await respond_status(exchange, endpoint.error());

  http::ClientOptions options;
  options.response_timeout = std::chrono::seconds(30);  // the kubelet answers the head at once; the body may idle
  auto client = http::Client::create(exchange.reactor(), options);
  if (!client) co_return co_await respond_status(exchange, internal_error(client.error().message));
  std::string target = forward_url(ns, name, *request);
  std::string authorization = "Bearer " + context.kubelet_token;
  std::vector<http::Header> headers;
  if (!context.kubelet_token.empty()) headers.push_back({"Authorization", authorization});
  http::ClientRequest upstream{.method = "GET", .target = target, .headers = headers};
  auto response = co_await (*client)->send(*endpoint, upstream);
  if (!response) {
    co_return co_await respond_status(
        exchange, with_code(503, "ServiceUnavailable",
                            fmt::format("the node agent of node {} at {} cannot be reached: {}", request->node,
                                        endpoint->authority(), response.error().message)));
  }
  if (response->status() != 200) {
    auto body = co_await response->read_all(kMaxErrorBody);
    std::string text = "(no readable answer)";
    if (body) text = std::move(*body);
    co_return co_await respond_status(exchange, kubelet_failure(response->status(), request->node, std::move(text)));
  }
  http::Header stream_headers[] = {{"Content-Type", "text/plain"}};
  if (!co_await exchange.begin_stream(200, stream_headers)) co_return;
  bool complete = false;
  // Piece by piece as the kubelet sends them; a client that leaves cancels the read, and dropping the response then
  // closes the connection to the kubelet, which ends its stream too.
  bool stayed = co_await exchange.until_disconnect([&]() -> asio::awaitable<void> {
    for (;;) {
      auto piece = co_await response->read_some();
      if (!piece) co_return;  // the kubelet went away: the stream ends unfinished
      if (!*piece) {
        complete = true;
        co_return;
      }
      if (!co_await exchange.write(**piece)) co_return;
    }
  }());
  if (!complete) response->abort();
  if (stayed && complete) (void)co_await exchange.end_stream();
}

}  // namespace kthena::apiserver
