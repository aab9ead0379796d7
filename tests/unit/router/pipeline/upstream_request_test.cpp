#include "router/pipeline/upstream_request.h"

#include <gtest/gtest.h>

#include "router/request/request_parser.h"

namespace kthena::router {
namespace {

struct Bodies {
  RequestParser parser;
  std::string client;
  UpstreamBodies make(std::string body, std::string_view upstream_model, bool pd, ConnectorKind kind) {
    client = std::move(body);
    auto parsed = parser.parse(client, client.size());
    EXPECT_TRUE(parsed) << parsed.error().message;
    return make_upstream_bodies(**parsed, client, upstream_model, pd, kind);
  }
};

TEST(UpstreamBodies, AggregatedRewriteAndUsage) {
  Bodies b;
  auto out = b.make(R"({"model":"test-model","stream":true,"stream_options":{"x":1},"n":1.50})", "test-model-base",
                    false, ConnectorKind::kHttp);
  EXPECT_FALSE(out.client_body_as_is);
  EXPECT_TRUE(out.injected_usage);
  EXPECT_EQ(out.body, R"({"model":"test-model-base","stream":true,"stream_options":{"include_usage":true},"n":1.50})")
      << "stream_options without include_usage:true is replaced, as upstream does; numbers keep their text";

  out = b.make(R"({"model":"m","stream":true,"stream_options":{"include_usage":true}})", "m", false,
               ConnectorKind::kHttp);
  EXPECT_TRUE(out.client_body_as_is) << "nothing to change: the client's bytes go as they are";
  EXPECT_FALSE(out.injected_usage);

  out = b.make(R"({"model":"m","prompt":"x"})", "m", false, ConnectorKind::kHttp);
  EXPECT_TRUE(out.client_body_as_is) << "non-streaming bodies are not touched";
}

// kthena-router.md §6.3-6.6 (upstream's connectors/transport_test.go and nixl_test.go).
TEST(UpstreamBodies, PrefillAndDecode) {
  Bodies b;
  auto http = b.make(R"({"model":"m","stream":true,"max_tokens":100,"max_completion_tokens":100,"messages":[]})",
                     "served", true, ConnectorKind::kHttp);
  EXPECT_EQ(http.prefill, R"({"model":"served","max_tokens":1,"max_completion_tokens":1,"messages":[]})");
  EXPECT_EQ(
      http.body,
      R"({"model":"served","stream":true,"max_tokens":100,"max_completion_tokens":100,"messages":[],"stream_options":{"include_usage":true}})");

  auto nixl = b.make(R"({"model":"m","kv_transfer_params":{"old":1},"max_completion_tokens":null})", "m", true,
                     ConnectorKind::kNixl);
  EXPECT_EQ(
      nixl.prefill,
      R"({"model":"m","kv_transfer_params":{"do_remote_decode":true,"do_remote_prefill":false},"max_completion_tokens":null,"max_tokens":1})")
      << "a client's kv_transfer_params is replaced in place";
  EXPECT_EQ(nixl.body, R"({"model":"m","max_completion_tokens":null})");
  EXPECT_EQ(with_members(nixl.body, R"("kv_transfer_params":{"remote_block_ids":[[1]]})"),
            R"({"model":"m","max_completion_tokens":null,"kv_transfer_params":{"remote_block_ids":[[1]]}})");

  auto sglang = b.make(R"({"model":"m","bootstrap_room":5,"stream":false})", "m", true, ConnectorKind::kSglang);
  EXPECT_EQ(sglang.prefill, R"({"model":"m","max_tokens":1})");
  EXPECT_EQ(sglang.body, R"({"model":"m","stream":false})");
  EXPECT_EQ(with_members("{}", R"("a":1)"), R"({"a":1})");
}

TEST(UpstreamHeaders, HopByHopAndProxyCredentialsStayHere) {
  http::HeaderList in;
  in.add("Host", "router");
  in.add("Authorization", "Bearer user-token");
  in.add("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0");
  in.add("Connection", "keep-alive, X-Hop");
  in.add("X-Hop", "1");
  in.add("Keep-Alive", "timeout=5");
  in.add("Accept-Encoding", "gzip");
  in.add("Expect", "100-continue");
  in.add("X-Request-Id", "");
  in.add("X-Request-Id", "client-id");
  in.add("X-Request-Id", "second");
  std::vector<http::Header> out;
  upstream_headers(in, "generated", out);
  std::vector<std::string> names;
  for (const http::Header& h : out) names.push_back(std::string(h.name) + "=" + std::string(h.value));
  EXPECT_EQ(names,
            (std::vector<std::string>{"Host=router", "Authorization=Bearer user-token", "X-Request-Id=client-id"}));
  http::HeaderList bare;
  upstream_headers(bare, "generated", out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].value, "generated");
}

}  // namespace
}  // namespace kthena::router
