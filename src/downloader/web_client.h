// A small HTTP/1.1 client for the network sources (Hugging Face, ModelScope, S3): one GET per connection over
// http:// or https:// (certificates checked against the system store; SSL_CERT_FILE and SSL_CERT_DIR are honoured),
// redirects followed, the body streamed to the caller. Synchronous on purpose: each download worker is a thread that
// runs one request at a time, and an io_context per request keeps the workers independent.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kthena::downloader {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Receives the body in pieces; an error stops the transfer and is returned by WebClient::get.
using BodySink = std::function<Result<void>(const char* data, size_t size)>;

struct WebClientOptions {
  std::chrono::milliseconds connect_timeout{30000};
  std::chrono::milliseconds read_timeout{60000};  // per read: a stalled transfer fails, a slow one does not
  int max_redirects = 10;
};

// Thread contract: get() and get_string() may run on many threads at once.
class WebClient {
 public:
  explicit WebClient(WebClientOptions options = {});
  ~WebClient();

  // GETs `url`, following redirects (Authorization is not sent on to another host, as Python's requests does). A
  // 2xx body goes to `sink`. Errors name the URL: kUnavailable for a name, a connection or a TLS failure;
  // kUnauthorized/kForbidden/kNotFound for 401/403/404, anything else for other statuses, with the start of the
  // server's message.
  Result<void> get(const std::string& url, const Headers& headers, const BodySink& sink) const;

  // The 2xx body in memory, refused beyond `limit` bytes (listings are small; a huge one is an attack).
  Result<std::string> get_string(const std::string& url, const Headers& headers, size_t limit = 64 << 20) const;

 private:
  struct Tls;
  WebClientOptions options_;
  std::unique_ptr<Tls> tls_;
};

// "%XX"-escapes every byte but RFC 3986's unreserved characters, and '/' when `keep_slash`.
std::string url_escape(std::string_view text, bool keep_slash);

}  // namespace kthena::downloader
