#include "router/pipeline/upstream_request.h"

#include "common/json_string.h"
#include "http/header.h"
#include "router/request/body_editor.h"

namespace kthena::router {
namespace {

constexpr std::string_view kInjectedStreamOptions = R"({"include_usage":true})";

// Runs for every header of every request and response: dispatch on the length before comparing.
bool hop_by_hop(std::string_view name) {
  switch (name.size()) {
    case 2:
      return http::iequals(name, "te");
    case 7:
      return http::iequals(name, "trailer") || http::iequals(name, "upgrade");
    case 10:
      return http::iequals(name, "connection") || http::iequals(name, "keep-alive");
    case 16:
      return http::iequals(name, "proxy-connection");
    case 17:
      return http::iequals(name, "transfer-encoding");
    case 18:
      return http::iequals(name, "proxy-authenticate");
    case 19:
      // The client's credentials for a proxy (this router), never for the engine behind it.
      return http::iequals(name, "proxy-authorization");
    default:
      return false;
  }
}

// Whether `name` is hop-by-hop for this message: fixed, or listed in its Connection header (`connection`).
bool dropped_hop_by_hop(std::string_view name, std::string_view connection) {
  return hop_by_hop(name) || (!connection.empty() && http::has_token(connection, name));
}

// Streams get usage even when the client did not ask (the router counts output tokens); the pipeline then hides
// the usage chunk from that client. Non-streaming responses always carry usage, so their body is left alone
// (upstream adds a top-level include_usage there, which engines ignore).
bool inject_usage(const RequestBody& req, BodyEditor& editor) {
  if (!req.stream || req.include_usage) return false;
  editor.set("stream_options", std::string(kInjectedStreamOptions));
  return true;
}

}  // namespace

std::string with_members(std::string_view body, std::string_view members) {
  size_t close = body.rfind('}');
  std::string out;
  out.reserve(body.size() + members.size() + 1);
  out.append(body.substr(0, close));
  // An object with no members yet ends in "{" once its brace is cut (whitespace aside).
  size_t last = out.find_last_not_of(" \t\r\n");
  if (last != std::string::npos && out[last] != '{') out.push_back(',');
  out.append(members);
  out.push_back('}');
  return out;
}

UpstreamBodies make_upstream_bodies(const RequestBody& req, std::string_view client_body,
                                    std::string_view upstream_model, bool pd, ConnectorKind connector) {
  UpstreamBodies out;
  // The served-model rewrite (ModelServer.spec.model, not for LoRA adapters) already decided upstream_model.
  std::string model_json;
  bool rewrite_model = upstream_model != req.model;
  if (rewrite_model) append_json_string(model_json, upstream_model);

  BodyEditor main(client_body, req);
  if (rewrite_model) main.set("model", model_json);
  out.injected_usage = inject_usage(req, main);
  if (!pd) {
    out.client_body_as_is = !main.touched();
    if (main.touched()) out.body = main.str();
    return out;
  }
  // PD: attempt-specific members are appended later, so any the client sent are removed here.
  bool nixl = connector == ConnectorKind::kNixl || connector == ConnectorKind::kMooncake;
  bool sglang = connector == ConnectorKind::kSglang;
  if (nixl) main.erase("kv_transfer_params");
  if (sglang) {
    main.erase("bootstrap_room");
    main.erase("bootstrap_host");
  }
  out.body = main.str();

  BodyEditor prefill(client_body, req);
  if (rewrite_model) prefill.set("model", model_json);
  prefill.erase("stream");
  prefill.erase("stream_options");
  prefill.set("max_tokens", "1");
  if (req.max_completion_tokens_set) prefill.set("max_completion_tokens", "1");
  if (nixl) prefill.set("kv_transfer_params", R"({"do_remote_decode":true,"do_remote_prefill":false})");
  if (sglang) {
    prefill.erase("bootstrap_room");
    prefill.erase("bootstrap_host");
  }
  out.prefill = prefill.str();
  return out;
}

void build_upstream_bodies(RequestState& st, const RequestBody& req, std::string_view client_body) {
  UpstreamBodies bodies =
      make_upstream_bodies(req, client_body, st.upstream_model, st.server->pd, st.server->connector);
  st.injected_usage = bodies.injected_usage;
  st.upstream_body = std::move(bodies.body);
  st.upstream_view = bodies.client_body_as_is ? client_body : std::string_view(st.upstream_body);
  st.prefill_body = std::move(bodies.prefill);
}

void upstream_headers(const http::HeaderList& in, std::string_view request_id, std::vector<http::Header>& out) {
  out.clear();
  out.reserve(in.size() + 1);
  std::string_view connection = in.get("connection");
  bool has_request_id = false;
  for (const http::Header& h : in.all()) {
    if (dropped_hop_by_hop(h.name, connection) || http::iequals(h.name, "expect") ||
        http::iequals(h.name, "accept-encoding")) {
      continue;
    }
    if (http::iequals(h.name, "x-request-id")) {
      if (has_request_id || h.value.empty()) continue;
      has_request_id = true;
    }
    out.push_back(h);
  }
  if (!has_request_id) out.push_back({"X-Request-Id", request_id});
}

void build_upstream_headers(RequestState& st) {
  upstream_headers(st.ex.request().headers, st.request_id, st.upstream_headers);
}

void response_headers(const http::HeaderList& upstream, bool streaming, std::vector<http::Header>& out) {
  out.clear();
  out.reserve(upstream.size());  // one allocation, not one per doubling
  std::string_view connection = upstream.get("connection");
  for (const http::Header& h : upstream.all()) {
    if (dropped_hop_by_hop(h.name, connection) || http::iequals(h.name, "date")) continue;
    if (streaming && http::iequals(h.name, "content-length")) continue;
    out.push_back(h);
  }
}

}  // namespace kthena::router

namespace kthena::router {

void copy_headers(const http::HeaderList& upstream, bool streaming, std::string& storage,
                  std::vector<http::Header>& out) {
  response_headers(upstream, streaming, out);
  size_t size = 0;
  for (const http::Header& h : out) size += h.name.size() + h.value.size();
  storage.clear();
  storage.reserve(size);
  for (http::Header& h : out) {
    size_t name_at = storage.size();
    storage.append(h.name);
    size_t value_at = storage.size();
    storage.append(h.value);
    h.name = std::string_view(storage).substr(name_at, h.name.size());
    h.value = std::string_view(storage).substr(value_at, h.value.size());
  }
}

}  // namespace kthena::router
