// The heads of HTTP/1.x messages as the parser produces them: views into the connection's buffer plus the framing
// facts the parser derived (keep-alive, body length or chunked), so no caller re-reads those fields.
#pragma once

#include <cstdint>
#include <string_view>

#include "http/header.h"

namespace kthena::http {

enum class BodyKind {
  kNone,        // no body (Content-Length: 0, or a response that cannot have one)
  kLength,      // Content-Length bytes
  kChunked,     // Transfer-Encoding: chunked
  kUntilClose,  // a response without length: the body ends when the server closes
};

struct RequestHead {
  std::string_view method;  // as sent, e.g. "POST" (methods are case-sensitive)
  std::string_view target;  // origin-form, e.g. "/v1/models?x=1"
  int version_minor = 1;    // HTTP/1.<minor>
  HeaderList headers;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;  // when body == kLength
  bool keep_alive = true;       // what the client asked for (version default, Connection header)
  bool expect_continue = false;

  std::string_view path() const { return target.substr(0, target.find('?')); }
  // The query string without '?', or "".
  std::string_view query() const {
    size_t q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  }
};

struct ResponseHead {
  int status = 0;
  std::string_view reason;
  int version_minor = 1;
  HeaderList headers;
  BodyKind body = BodyKind::kNone;
  uint64_t content_length = 0;
  bool keep_alive = true;
};

// The standard reason phrase of `status`, or "Unknown".
std::string_view reason_phrase(int status);

}  // namespace kthena::http
