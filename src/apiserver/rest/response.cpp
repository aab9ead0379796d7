#include "apiserver/rest/response.h"

namespace kthena::apiserver {

std::string warning_header(std::string_view text) {
  std::string out = "299 - \"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n' || c == '\r') {
      out += ' ';
      continue;
    }
    out += c;
  }
  out += '"';
  return out;
}

http::asio::awaitable<void> respond_json(http::Exchange& exchange, int status, std::string body,
                                         std::vector<std::string> warnings, std::string content_type) {
  std::vector<std::string> values;
  values.reserve(warnings.size());
  for (const auto& w : warnings) values.push_back(warning_header(w));
  std::vector<http::Header> headers{{"Content-Type", content_type}, {"Cache-Control", "no-cache, private"}};
  for (const auto& v : values) headers.push_back({"Warning", v});
  (void)co_await exchange.respond(status, headers, body);
}

http::asio::awaitable<void> respond_status(http::Exchange& exchange, ApiStatus status) {
  std::string body = status.to_json().dump();
  std::vector<http::Header> headers{{"Content-Type", "application/json"}, {"Cache-Control", "no-cache, private"}};
  std::string retry;
  if (status.retry_after_seconds > 0) {
    retry = std::to_string(status.retry_after_seconds);
    headers.push_back({"Retry-After", retry});
  }
  (void)co_await exchange.respond(status.code, headers, body);
}

}  // namespace kthena::apiserver
