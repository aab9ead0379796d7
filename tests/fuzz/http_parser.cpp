// libFuzzer: the HTTP/1.x parser (src/http/parser.h), which reads every byte a client or an upstream sends. The first
// input byte picks what is parsed: a request head, a response head, or a chunked body; the rest is the message.
// Properties: never a crash; an error has a 4xx/5xx status and a message; a complete head lies inside the input and
// its views point into it; and feeding the same bytes in pieces (as they arrive from a socket, with `scanned`
// carried between calls) gives exactly the verdict, head and body of parsing them at once.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "http/parser.h"

namespace {

using namespace kthena::http;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

bool inside(std::string_view view, std::string_view data) {
  return view.empty() || (view.data() >= data.data() && view.data() + view.size() <= data.data() + data.size());
}

struct Verdict {
  ParseStatus status = ParseStatus::kIncomplete;
  size_t head_size = 0;
  int error_status = 0;
  std::vector<std::string> fields;  // method/target or status, then name=value per field
  int body = 0;
  uint64_t content_length = 0;
  bool keep_alive = false;
  bool operator==(const Verdict&) const = default;
};

constexpr size_t kMaxHead = 4096;

template <typename Head>
void record_fields(const Head& head, std::string_view data, Verdict& v) {
  for (const Header& h : head.headers.all()) {
    check(inside(h.name, data) && inside(h.value, data));
    v.fields.push_back(std::string(h.name) + "=" + std::string(h.value));
  }
  v.body = static_cast<int>(head.body);
  v.content_length = head.content_length;
  v.keep_alive = head.keep_alive;
}

// Parses `data` offered in growing prefixes whose ends are `cuts` (the last one is data.size()).
Verdict parse_head(bool request, std::string_view data, const std::vector<size_t>& cuts) {
  Verdict v;
  size_t scanned = 0;
  RequestHead req;
  ResponseHead resp;
  ParseError error;
  for (size_t cut : cuts) {
    std::string_view prefix = data.substr(0, cut);
    size_t head_size = 0;
    v.status = request ? parse_request_head(prefix, kMaxHead, scanned, req, head_size, error)
                       : parse_response_head(prefix, kMaxHead, scanned, false, resp, head_size, error);
    if (v.status == ParseStatus::kError) {
      check(error.status >= 400 && error.status < 600 && !error.message.empty());
      v.error_status = error.status;
      return v;
    }
    if (v.status == ParseStatus::kComplete) {
      check(head_size > 0 && head_size <= prefix.size() && head_size <= kMaxHead + 2);
      v.head_size = head_size;
      if (request) {
        check(inside(req.method, prefix) && inside(req.target, prefix) && !req.method.empty());
        check(req.target.find_first_of(" \r\n") == std::string_view::npos);
        v.fields.push_back(std::string(req.method) + " " + std::string(req.target));
        record_fields(req, prefix, v);
      } else {
        check(resp.status >= 0 && resp.status <= 999);
        v.fields.push_back(std::to_string(resp.status));
        record_fields(resp, prefix, v);
      }
      return v;
    }
  }
  return v;
}

struct Decoded {
  std::string body;
  ChunkedDecoder::Step last = ChunkedDecoder::Step::kNeedMore;
  size_t consumed = 0;
  bool operator==(const Decoded&) const = default;
};

// Decodes `data` as a connection would: bytes arrive up to each cut; unconsumed bytes stay for the next call.
Decoded decode_chunked(std::string_view data, const std::vector<size_t>& cuts) {
  Decoded d;
  ChunkedDecoder decoder;
  size_t start = 0;
  std::string error;
  for (size_t cut : cuts) {
    for (;;) {
      size_t consumed = 0;
      std::string_view piece;
      d.last = decoder.next(data.substr(start, cut - start), consumed, piece, error);
      check(consumed <= cut - start);
      start += consumed;
      if (d.last == ChunkedDecoder::Step::kData) {
        check(!piece.empty() && inside(piece, data));
        d.body.append(piece);
        continue;
      }
      if (d.last == ChunkedDecoder::Step::kError) check(!error.empty());
      break;
    }
    if (d.last == ChunkedDecoder::Step::kDone || d.last == ChunkedDecoder::Step::kError) break;
  }
  d.consumed = start;
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 2) return 0;
  uint8_t mode = bytes[0] % 3;
  uint8_t step = bytes[1];
  // An exact-size copy, so that reading past the message is an ASan error.
  std::vector<char> copy(bytes + 2, bytes + size);
  std::string_view data(copy.data(), copy.size());

  std::vector<size_t> whole{data.size()};
  std::vector<size_t> pieces;
  for (size_t at = 1 + step % 7; at < data.size(); at += 1 + (at * 31 + step) % 13) pieces.push_back(at);
  pieces.push_back(data.size());
  std::vector<size_t> bytewise;
  for (size_t at = 1; at <= data.size(); ++at) bytewise.push_back(at);

  if (mode == 2) {
    Decoded at_once = decode_chunked(data, whole);
    check(decode_chunked(data, pieces) == at_once);
    check(decode_chunked(data, bytewise) == at_once);
    return 0;
  }
  bool request = mode == 0;
  Verdict at_once = parse_head(request, data, whole);
  check(parse_head(request, data, pieces) == at_once);
  check(parse_head(request, data, bytewise) == at_once);
  return 0;
}
