// Reads an inference request body with simdjson's on-demand API in one pass: it validates the whole document (as
// upstream's strict decoder does), picks out `model`, `stream`, `stream_options.include_usage` and the prompt
// fields, and records the byte ranges of the top-level members. No copy of the body is made when the caller's
// buffer has SIMDJSON_PADDING spare bytes after the body.
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "router/request/request_body.h"

namespace kthena::router {

// Why a body was refused, with upstream's status and text (kthena-router.md §3.2-3.3, §3.14).
struct BodyError {
  int status = 400;
  std::string message;  // "unexpected EOF", "invalid request body", "model not found", ...
  bool model_missing = false;
};

// One per worker thread; not thread-safe. Reuses its buffers, so parsing allocates nothing after warm-up.
class RequestParser {
 public:
  // Deeper JSON is refused with 400: the body is validated recursively, and an attacker's 70,000 nested brackets in
  // 140 KB would otherwise overflow the thread's stack. 128 levels is far above any OpenAI request (tool schemas
  // nest a few dozen levels at most).
  static constexpr size_t kDefaultMaxDepth = 128;

  explicit RequestParser(size_t max_depth = kDefaultMaxDepth);
  ~RequestParser();
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  // `capacity` is how many bytes are readable from `body.data()`; at least body.size() + 64 avoids a copy.
  // On success the prompt may be absent (prompt_status kNotFound): the caller decides that this is a 404.
  tl::expected<const RequestBody*, BodyError> parse(std::string_view body, size_t capacity);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kthena::router
