#include "router/observability/access_log_entry.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "router/observability/access_log.h"

namespace kthena::router {
namespace {

AccessLogEntry sample() {
  AccessLogEntry e;
  e.start = std::chrono::system_clock::time_point(std::chrono::nanoseconds(1767225600123400000LL));
  e.method = "POST";
  e.path = "/v1/chat/completions";
  e.status_code = 200;
  e.model_name = "deepseek-simple";
  e.model_route = "default/simple";
  e.model_server = "default/ds";
  e.selected_pod = "ds-0";
  e.request_id = "abc";
  e.backend_type = "model_server";
  e.backend_name = "default/ds";
  e.upstream_model = "deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B";
  e.upstream_status_code = 200;
  e.upstream_attempts = 1;
  e.input_tokens = 10;
  e.output_tokens = 5;
  e.duration_total_ms = 3;
  e.duration_upstream_processing_ms = 2;
  e.duration_response_processing_ms = 1;
  return e;
}

TEST(AccessLog, TextLineAsUpstreamWritesIt) {
  std::string out;
  append_text(sample(), out);
  EXPECT_EQ(out,
            "[2026-01-01T00:00:00.1234Z] \"POST /v1/chat/completions HTTP/1.1\" 200 model_name=deepseek-simple "
            "model_route=default/simple model_server=default/ds selected_pod=ds-0 request_id=abc "
            "backend_type=model_server backend_name=default/ds "
            "upstream_model=deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B upstream_status_code=200 upstream_attempts=1 "
            "tokens=10/5 timings=3ms(0+2+1)\n");
  AccessLogEntry failed;
  failed.start = std::chrono::system_clock::time_point(std::chrono::seconds(1767225600));
  failed.method = "POST";
  failed.path = "/v1/completions";
  failed.status_code = 404;
  failed.error_type = "route_not_found";
  failed.error_message = "route not found";
  failed.model_name = "x";
  out.clear();
  append_text(failed, out);
  EXPECT_EQ(out,
            "[2026-01-01T00:00:00Z] \"POST /v1/completions HTTP/1.1\" 404 error=route_not_found:route not found "
            "model_name=x timings=0ms(0+0+0)\n");
}

// The reproduction: a model name that carries a newline and a whole forged line. The text line stays one
// line, and no field can be forged with a space either.
TEST(AccessLog, ClientTextCannotForgeLinesOrFields) {
  AccessLogEntry e = sample();
  e.model_name = "cap\n[2026-01-01T00:00:00Z] \"POST /v1/admin HTTP/1.1\" 200 FORGED";
  e.request_id = "id selected_pod=evil";
  e.error_type = "upstream_response";
  e.error_message = "pod ds-0 answered 400: bad\r\nthing\x01\\";
  std::string out;
  append_text(e, out);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_NE(out.find("model_name=cap\\n[2026-01-01T00:00:00Z]\\x20\"POST\\x20/v1/admin"), std::string::npos) << out;
  EXPECT_NE(out.find("request_id=id\\x20selected_pod=evil "), std::string::npos) << out;
  EXPECT_NE(out.find("error=upstream_response:pod ds-0 answered 400: bad\\r\\nthing\\x01\\\\ "), std::string::npos)
      << out;
  EXPECT_EQ(out.find(" selected_pod=evil"), std::string::npos) << out;
}

TEST(AccessLog, JsonFieldsAndOmissions) {
  std::string out;
  AccessLogEntry e = sample();
  e.error_type = "proxy";
  e.error_message = "say \"hi\"";
  append_json(e, out);
  EXPECT_EQ(out,
            "{\"timestamp\":\"2026-01-01T00:00:00.1234Z\",\"method\":\"POST\",\"path\":\"/v1/chat/completions\","
            "\"protocol\":\"HTTP/1.1\",\"status_code\":200,\"error\":{\"type\":\"proxy\",\"message\":\"say "
            "\\\"hi\\\"\"},\"model_name\":\"deepseek-simple\",\"model_route\":\"default/simple\",\"model_server\":"
            "\"default/ds\",\"selected_pod\":\"ds-0\",\"request_id\":\"abc\",\"backend_type\":\"model_server\","
            "\"backend_name\":\"default/ds\",\"upstream_model\":\"deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B\","
            "\"upstream_status_code\":200,\"upstream_attempts\":1,\"input_tokens\":10,\"output_tokens\":5,"
            "\"duration_total\":3,\"duration_request_processing\":0,\"duration_upstream_processing\":2,"
            "\"duration_response_processing\":1}\n");
  AccessLogEntry bare;
  bare.start = std::chrono::system_clock::time_point(std::chrono::seconds(0));
  out.clear();
  append_json(bare, out);
  EXPECT_EQ(out,
            "{\"timestamp\":\"1970-01-01T00:00:00Z\",\"method\":\"\",\"path\":\"\",\"protocol\":\"HTTP/1.1\","
            "\"status_code\":0,\"model_name\":\"\",\"duration_total\":0,\"duration_request_processing\":0,"
            "\"duration_upstream_processing\":0,\"duration_response_processing\":0}\n");
}

TEST(AccessLog, GoBools) {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(parse_go_bool(t), true) << t;
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(parse_go_bool(f), false) << f;
  EXPECT_FALSE(parse_go_bool("yes"));
}

}  // namespace
}  // namespace kthena::router
