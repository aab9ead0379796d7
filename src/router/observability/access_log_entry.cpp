#include "router/observability/access_log_entry.h"

#include <ctime>

#include <fmt/format.h>

#include "common/json_string.h"
#include "router/request/body_editor.h"

namespace kthena::router {

std::string rfc3339_nano(std::chrono::system_clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ns / 1'000'000'000);
  long fraction = static_cast<long>(ns % 1'000'000'000);
  if (fraction < 0) {
    fraction += 1'000'000'000;
    --seconds;
  }
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                                tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (fraction != 0) {
    std::string digits = fmt::format("{:09}", fraction);
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  out += "Z";
  return out;
}

namespace {

// Text lines carry what clients sent (the model name, the request id, engine messages): a newline in a value would
// start a forged line, a space in a field's value a forged field. Control characters, DEL and the backslash are
// written as \n, \r, \t, \\ or \xNN; so are spaces in `name=value` fields (`spaces`), but not in the error message,
// which upstream's format prints with its spaces.
void append_escaped(std::string& out, std::string_view value, bool spaces) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c != 0x7f && c != '\\') {
      out.push_back(ch);
      continue;
    }
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\\':
        out += "\\\\";
        break;
      case ' ':
        if (!spaces) {
          out.push_back(' ');
          break;
        }
        [[fallthrough]];
      default:
        out += "\\x";
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
  }
}

}  // namespace

void append_text(const AccessLogEntry& e, std::string& out) {
  out += fmt::format("[{}] \"", rfc3339_nano(e.start));
  append_escaped(out, e.method, true);
  out += ' ';
  append_escaped(out, e.path, true);
  out += ' ';
  out += e.protocol;
  out += fmt::format("\" {}", e.status_code);
  if (!e.error_type.empty() || !e.error_message.empty()) {
    out += " error=";
    append_escaped(out, e.error_type, true);
    out += ':';
    append_escaped(out, e.error_message, false);
  }
  auto field = [&out](std::string_view name, std::string_view value) {
    if (value.empty()) return;
    out += ' ';
    out += name;
    out += '=';
    append_escaped(out, value, true);
  };
  field("model_name", e.model_name);
  field("model_route", e.model_route);
  field("model_server", e.model_server);
  field("selected_pod", e.selected_pod);
  field("request_id", e.request_id);
  field("backend_type", e.backend_type);
  field("backend_name", e.backend_name);
  field("upstream_model", e.upstream_model);
  if (e.upstream_status_code != 0) out += fmt::format(" upstream_status_code={}", e.upstream_status_code);
  if (e.upstream_attempts != 0) out += fmt::format(" upstream_attempts={}", e.upstream_attempts);
  field("error_origin", e.error_origin);
  field("gateway", e.gateway);
  field("http_route", e.http_route);
  field("inference_pool", e.inference_pool);
  if (e.input_tokens > 0 || e.output_tokens > 0) out += fmt::format(" tokens={}/{}", e.input_tokens, e.output_tokens);
  out += fmt::format(" timings={}ms({}+{}+{})\n", e.duration_total_ms, e.duration_request_processing_ms,
                     e.duration_upstream_processing_ms, e.duration_response_processing_ms);
}

void append_json(const AccessLogEntry& e, std::string& out) {
  auto str = [&out](std::string_view name, std::string_view value, bool omit_empty) {
    if (omit_empty && value.empty()) return;
    out += ",\"";
    out += name;
    out += "\":";
    append_json_string(out, value);
  };
  auto num = [&out](std::string_view name, int64_t value, bool omit_zero) {
    if (omit_zero && value == 0) return;
    out += fmt::format(",\"{}\":{}", name, value);
  };
  out += "{\"timestamp\":";
  append_json_string(out, rfc3339_nano(e.start));
  str("method", e.method, false);
  str("path", e.path, false);
  str("protocol", e.protocol, false);
  num("status_code", e.status_code, false);
  if (!e.error_type.empty() || !e.error_message.empty()) {
    out += ",\"error\":{\"type\":";
    append_json_string(out, e.error_type);
    out += ",\"message\":";
    append_json_string(out, e.error_message);
    out += "}";
  }
  str("model_name", e.model_name, false);
  str("model_route", e.model_route, true);
  str("model_server", e.model_server, true);
  str("selected_pod", e.selected_pod, true);
  str("request_id", e.request_id, true);
  str("backend_type", e.backend_type, true);
  str("backend_name", e.backend_name, true);
  str("upstream_model", e.upstream_model, true);
  num("upstream_status_code", e.upstream_status_code, true);
  num("upstream_attempts", e.upstream_attempts, true);
  str("error_origin", e.error_origin, true);
  str("gateway", e.gateway, true);
  str("http_route", e.http_route, true);
  str("inference_pool", e.inference_pool, true);
  num("input_tokens", e.input_tokens, true);
  num("output_tokens", e.output_tokens, true);
  num("duration_total", e.duration_total_ms, false);
  num("duration_request_processing", e.duration_request_processing_ms, false);
  num("duration_upstream_processing", e.duration_upstream_processing_ms, false);
  num("duration_response_processing", e.duration_response_processing_ms, false);
  out += "}\n";
}

}  // namespace kthena::router
