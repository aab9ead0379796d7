// The request the router sends upstream (kthena-router.md §3.11, §6.3): the client's body with the served model,
// usage forced on for streams, and the prefill/decode variants; the client's headers less the hop-by-hop ones.
#pragma once

#include <string>
#include <string_view>

#include "router/pipeline/request_state.h"
#include "router/request/request_body.h"

namespace kthena::router {

struct UpstreamBodies {
  std::string body;  // aggregated or PD decode body, unless the client's bytes can go as they are
  bool client_body_as_is = false;
  std::string prefill;          // PD only
  bool injected_usage = false;  // stream_options.include_usage was added for the router's own accounting
};

// The bodies to send. `pd` selects prefill/decode bodies for `connector`. Must run before the caller suspends
// after parsing: `req` views the parser's buffers.
UpstreamBodies make_upstream_bodies(const RequestBody& req, std::string_view client_body,
                                    std::string_view upstream_model, bool pd, ConnectorKind connector);

// Fills st.upstream_view, st.prefill_body and st.injected_usage from make_upstream_bodies().
void build_upstream_bodies(RequestState& st, const RequestBody& req, std::string_view client_body);

// Fills st.upstream_headers with views into the client's request (valid for the request's life).
void build_upstream_headers(RequestState& st);
// What goes upstream of the client's header fields `in`: not the hop-by-hop fields (those named in Connection
// included, and Proxy-Authorization: the client's credentials for this proxy), Expect, Accept-Encoding (the router
// reads usage from answers, which must not come compressed), nor a second or empty X-Request-Id; X-Request-Id
// `request_id` is added when the client sent none.
void upstream_headers(const http::HeaderList& in, std::string_view request_id, std::vector<http::Header>& out);

// `body` with `members` (`"k":v,...`) added before its closing brace.
std::string with_members(std::string_view body, std::string_view members);

// The headers to send to the client from an upstream response: hop-by-hop fields, Date (the server sets its own),
// and Content-Length of a stream are dropped.
void response_headers(const http::HeaderList& upstream, bool streaming, std::vector<http::Header>& out);
// The same, with names and values copied into `storage` (views into it), for use after the response buffer moves on.
void copy_headers(const http::HeaderList& upstream, bool streaming, std::string& storage,
                  std::vector<http::Header>& out);

}  // namespace kthena::router
