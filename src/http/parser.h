// HTTP/1.x head parsing and chunked decoding over bytes already in memory. No I/O and no allocation on success: the
// heads hold views into the caller's buffer. Strict where laxness invites request smuggling (RFC 9112 §6.3, §11.2):
// Content-Length together with Transfer-Encoding, differing Content-Lengths, obs-fold and bare CR are rejected.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace kthena::http {

enum class ParseStatus { kComplete, kIncomplete, kError };

struct ParseError {
  int status = 400;     // the status a server answers with: 400, 431, 501 or 505
  std::string message;  // names the line and what is wrong with it
};

// Parses the head at the start of `data`. `scanned` carries, between calls on a growing buffer, how far the search
// for the end of the head got (start at 0). On kComplete `head_size` is the number of bytes the head occupies.
ParseStatus parse_request_head(std::string_view data, size_t max_head_size, size_t& scanned, RequestHead& head,
                               size_t& head_size, ParseError& error);

// `head_request`: the response answers a HEAD request, so it has no body whatever its fields say.
ParseStatus parse_response_head(std::string_view data, size_t max_head_size, size_t& scanned, bool head_request,
                                ResponseHead& head, size_t& head_size, ParseError& error);

// Decodes a chunked body incrementally. Each call consumes some bytes of `in` and yields at most one span of body
// data, which is a view into `in`. Chunk extensions and trailers are read and dropped.
class ChunkedDecoder {
 public:
  enum class Step { kData, kNeedMore, kDone, kError };

  Step next(std::string_view in, size_t& consumed, std::string_view& data, std::string& error);
  void reset() { *this = ChunkedDecoder(); }
  bool done() const { return state_ == State::kDone; }

 private:
  enum class State { kSize, kData, kDataEnd, kTrailer, kDone };
  State state_ = State::kSize;
  uint64_t remaining_ = 0;
};

}  // namespace kthena::http
