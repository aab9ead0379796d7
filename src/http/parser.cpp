#include "http/parser.h"

#include <cstring>

#include <fmt/format.h>

namespace kthena::http {
namespace {

constexpr size_t kMaxChunkLine = 4096;

// Character classes as tables: the field parser tests every byte of a head once.
struct CharClasses {
  bool tchar[256] = {};  // RFC 9110 token characters
  bool value[256] = {};  // field-value characters: visible, SP, HTAB and obs-text, no other controls
  constexpr CharClasses() {
    for (int c = 0; c < 256; ++c) {
      tchar[c] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      value[c] = (c >= 0x20 && c != 0x7f) || c == '\t';
    }
    for (char c : std::string_view("!#$%&'*+-.^_`|~")) tchar[static_cast<unsigned char>(c)] = true;
  }
};
constexpr CharClasses kChars;

bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (!kChars.tchar[c]) return false;
  }
  return true;
}

bool is_field_value(std::string_view s) {
  for (unsigned char c : s) {
    if (!kChars.value[c]) return false;
  }
  return true;
}

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Finds the end of the head (an empty line). Accepts CRLF and, as RFC 9112 §2.2 allows, bare LF line endings.
ParseStatus find_head_end(std::string_view data, size_t max_head_size, size_t& scanned, size_t& end,
                          ParseError& error) {
  size_t from = scanned;
  for (;;) {
    const void* nl = from < data.size() ? std::memchr(data.data() + from, '\n', data.size() - from) : nullptr;
    if (nl == nullptr) {
      scanned = data.size();
      break;
    }
    size_t i = static_cast<const char*>(nl) - data.data();
    if (i + 1 >= data.size() || (data[i + 1] == '\r' && i + 2 >= data.size())) {
      scanned = i;  // rescan from this newline once more bytes arrive
      break;
    }
    if (data[i + 1] == '\n') {
      end = i + 2;
      break;
    }
    if (data[i + 1] == '\r' && data[i + 2] == '\n') {
      end = i + 3;
      break;
    }
    from = i + 1;
  }
  if (end == 0) {
    if (data.size() > max_head_size) {
      error = {431, fmt::format("the request head exceeds {} bytes", max_head_size)};
      return ParseStatus::kError;
    }
    return ParseStatus::kIncomplete;
  }
  if (end > max_head_size) {
    error = {431, fmt::format("the request head is {} bytes, more than the limit of {}", end, max_head_size)};
    return ParseStatus::kError;
  }
  return ParseStatus::kComplete;
}

// Splits the next line off `rest` (without its line ending). False when a bare CR appears inside it.
bool next_line(std::string_view& rest, std::string_view& line) {
  size_t nl = rest.find('\n');
  line = rest.substr(0, nl);
  rest.remove_prefix(nl == std::string_view::npos ? rest.size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line.find('\r') == std::string_view::npos;
}

bool parse_version(std::string_view v, int& minor, ParseError& error, int line_no) {
  if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || v[6] != '.' || v[5] < '0' || v[5] > '9' || v[7] < '0' ||
      v[7] > '9') {
    error = {400, fmt::format("line {}: malformed HTTP version", line_no)};
    return false;
  }
  if (v[5] != '1') {
    error = {505, fmt::format("line {}: HTTP/{}.{} is not supported, only HTTP/1.x", line_no, v[5], v[7])};
    return false;
  }
  minor = v[7] - '0';
  return true;
}

bool parse_uint(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 15) return false;  // 15 digits is far beyond any body we accept and cannot overflow
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  out = v;
  return true;
}

// One field line of the common shape, read in a single pass: a token name, ':', a value of field-value characters,
// CRLF or LF. Returns the bytes the line takes (with its ending), or 0 for anything else (the blank line that ends
// the head, or a line to reject), which the careful path below then reads and explains.
size_t fast_field_line(std::string_view rest, std::string_view& name, std::string_view& value) {
  const char* p = rest.data();
  size_t n = rest.size();
  size_t i = 0;
  while (i < n && kChars.tchar[static_cast<unsigned char>(p[i])]) ++i;
  if (i == 0 || i == n || p[i] != ':') return 0;
  name = std::string_view(p, i);
  ++i;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) ++i;
  size_t value_start = i;
  while (i < n && kChars.value[static_cast<unsigned char>(p[i])]) ++i;
  size_t value_end = i;
  if (i < n && p[i] == '\r') ++i;
  if (i == n || p[i] != '\n') return 0;
  while (value_end > value_start && (p[value_end - 1] == ' ' || p[value_end - 1] == '\t')) --value_end;
  value = std::string_view(p + value_start, value_end - value_start);
  return i + 1;
}

// Parses the field lines of a head, and derives the body framing shared by requests and responses.
bool parse_fields(std::string_view rest, HeaderList& headers, int version_minor, BodyKind& body,
                  uint64_t& content_length, bool& keep_alive, ParseError& error) {
  std::string_view line;
  std::string_view content_length_value;
  bool has_content_length = false;
  bool has_transfer_encoding = false;
  bool chunked = false;
  bool close = false;
  bool keep_alive_token = false;
  // The fields that frame the message, told apart by length first: most fields are none of them.
  auto framing = [&](std::string_view name, std::string_view value, int line_no) {
    if (name.size() == 14 && iequals(name, "content-length")) {
      if (has_content_length && value != content_length_value) {
        error = {400, fmt::format("line {}: conflicting Content-Length values", line_no)};
        return false;
      }
      if (!parse_uint(value, content_length)) {
        error = {400, fmt::format("line {}: invalid Content-Length \"{}\"", line_no, value)};
        return false;
      }
      has_content_length = true;
      content_length_value = value;
    } else if (name.size() == 17 && iequals(name, "transfer-encoding")) {
      has_transfer_encoding = true;
      // Only "chunked" alone is supported; a coding we cannot decode must not be passed off as the body.
      std::string_view v = value;
      while (!v.empty()) {
        size_t comma = v.find(',');
        std::string_view coding = trim_ows(v.substr(0, comma));
        if (!coding.empty()) {
          if (!iequals(coding, "chunked") || chunked) {
            error = {501, fmt::format("line {}: unsupported transfer coding \"{}\"", line_no, coding)};
            return false;
          }
          chunked = true;
        }
        if (comma == std::string_view::npos) break;
        v.remove_prefix(comma + 1);
      }
    } else if (name.size() == 10 && iequals(name, "connection")) {
      if (has_token(value, "close")) close = true;
      if (has_token(value, "keep-alive")) keep_alive_token = true;
    }
    return true;
  };
  for (int line_no = 2; !rest.empty(); ++line_no) {
    std::string_view name;
    std::string_view value;
    if (size_t taken = fast_field_line(rest, name, value); taken != 0) {
      rest.remove_prefix(taken);
      headers.add(name, value);
      if (!framing(name, value, line_no)) return false;
      continue;
    }
    if (!next_line(rest, line)) {
      error = {400, fmt::format("line {}: bare CR in a header field", line_no)};
      return false;
    }
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      error = {400, fmt::format("line {}: obsolete line folding is not accepted", line_no)};
      return false;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      error = {400, fmt::format("line {}: header field without ':'", line_no)};
      return false;
    }
    name = line.substr(0, colon);
    if (!is_token(name)) {
      error = {400, fmt::format("line {}: invalid header field name \"{}\"", line_no, name)};
      return false;
    }
    value = trim_ows(line.substr(colon + 1));
    if (!is_field_value(value)) {
      error = {400, fmt::format("line {}: control character in the value of {}", line_no, name)};
      return false;
    }
    headers.add(name, value);
    if (!framing(name, value, line_no)) return false;
  }
  if (has_transfer_encoding && has_content_length) {
    error = {400, "both Content-Length and Transfer-Encoding are present"};
    return false;
  }
  if (has_transfer_encoding && !chunked) {
    error = {501, "Transfer-Encoding without chunked"};
    return false;
  }
  if (chunked) {
    body = BodyKind::kChunked;
  } else if (has_content_length) {
    body = content_length == 0 ? BodyKind::kNone : BodyKind::kLength;
  } else {
    body = BodyKind::kNone;
  }
  keep_alive = version_minor >= 1 ? !close : (keep_alive_token && !close);
  return true;
}

}  // namespace

ParseStatus parse_request_head(std::string_view data, size_t max_head_size, size_t& scanned, RequestHead& head,
                               size_t& head_size, ParseError& error) {
  // RFC 9112 §2.2: ignore empty lines before the request line (some clients send a CRLF after a POST body).
  size_t skip = 0;
  while (skip < data.size() && (data[skip] == '\r' || data[skip] == '\n')) ++skip;
  if (skip == data.size()) {
    scanned = 0;
    return ParseStatus::kIncomplete;
  }
  std::string_view view = data.substr(skip);
  size_t end = 0;
  size_t scan = scanned > skip ? scanned - skip : 0;
  ParseStatus found = find_head_end(view, max_head_size, scan, end, error);
  scanned = scan + skip;
  if (found != ParseStatus::kComplete) return found;

  std::string_view rest = view.substr(0, end);
  std::string_view line;
  if (!next_line(rest, line)) {
    error = {400, "line 1: bare CR in the request line"};
    return ParseStatus::kError;
  }
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    error = {400, "line 1: the request line must be METHOD SP TARGET SP HTTP-VERSION"};
    return ParseStatus::kError;
  }
  head.method = line.substr(0, sp1);
  head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (!is_token(head.method)) {
    error = {400, "line 1: invalid method"};
    return ParseStatus::kError;
  }
  if (head.target.empty()) {
    error = {400, "line 1: empty request target"};
    return ParseStatus::kError;
  }
  for (unsigned char c : head.target) {
    if (c <= 0x20 || c == 0x7f) {
      error = {400, "line 1: control character in the request target"};
      return ParseStatus::kError;
    }
  }
  if (!parse_version(line.substr(sp2 + 1), head.version_minor, error, 1)) return ParseStatus::kError;
  head.headers.clear();
  head.content_length = 0;
  if (!parse_fields(rest, head.headers, head.version_minor, head.body, head.content_length, head.keep_alive, error)) {
    return ParseStatus::kError;
  }
  // RFC 9112 §3.2: exactly one Host in HTTP/1.1 (at most one in 1.0). Two could name two different origins to two
  // different readers (a proxy and the server behind it).
  size_t hosts = 0;
  for (const Header& h : head.headers.all()) hosts += h.name.size() == 4 && iequals(h.name, "host");
  if (hosts > 1) {
    error = {400, "more than one Host header field"};
    return ParseStatus::kError;
  }
  if (hosts == 0 && head.version_minor >= 1) {
    error = {400, "an HTTP/1.1 request without a Host header field"};
    return ParseStatus::kError;
  }
  head.expect_continue = head.version_minor >= 1 && iequals(head.headers.get("expect"), "100-continue");
  head_size = skip + end;
  return ParseStatus::kComplete;
}

ParseStatus parse_response_head(std::string_view data, size_t max_head_size, size_t& scanned, bool head_request,
                                ResponseHead& head, size_t& head_size, ParseError& error) {
  size_t end = 0;
  ParseStatus found = find_head_end(data, max_head_size, scanned, end, error);
  if (found != ParseStatus::kComplete) return found;
  std::string_view rest = data.substr(0, end);
  std::string_view line;
  if (!next_line(rest, line)) {
    error = {400, "line 1: bare CR in the status line"};
    return ParseStatus::kError;
  }
  // status-line = HTTP-version SP 3DIGIT SP [ reason-phrase ]
  if (line.size() < 12 || line[8] != ' ' || (line.size() > 12 && line[12] != ' ')) {
    error = {400, fmt::format("line 1: malformed status line \"{}\"", line.substr(0, 64))};
    return ParseStatus::kError;
  }
  if (!parse_version(line.substr(0, 8), head.version_minor, error, 1)) return ParseStatus::kError;
  int status = 0;
  for (size_t i = 9; i < 12; ++i) {
    if (line[i] < '0' || line[i] > '9') {
      error = {400, "line 1: the status code is not three digits"};
      return ParseStatus::kError;
    }
    status = status * 10 + (line[i] - '0');
  }
  head.status = status;
  head.reason = line.size() > 13 ? line.substr(13) : std::string_view{};
  head.headers.clear();
  head.content_length = 0;
  if (!parse_fields(rest, head.headers, head.version_minor, head.body, head.content_length, head.keep_alive, error)) {
    return ParseStatus::kError;
  }
  bool has_length = head.body != BodyKind::kNone || head.headers.has("content-length");
  if (head_request || (status >= 100 && status < 200) || status == 204 || status == 304) {
    head.body = BodyKind::kNone;
  } else if (!has_length) {
    head.body = BodyKind::kUntilClose;
    head.keep_alive = false;
  }
  head_size = end;
  return ParseStatus::kComplete;
}

ChunkedDecoder::Step ChunkedDecoder::next(std::string_view in, size_t& consumed, std::string_view& data,
                                          std::string& error) {
  consumed = 0;
  for (;;) {
    std::string_view rest = in.substr(consumed);
    switch (state_) {
      case State::kSize: {
        size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) {
          if (rest.size() > kMaxChunkLine) {
            error = "chunk size line too long";
            return Step::kError;
          }
          return Step::kNeedMore;
        }
        std::string_view line = rest.substr(0, nl);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        line = line.substr(0, line.find(';'));  // chunk extensions are ignored
        while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        if (line.empty() || line.size() > 15) {
          error = "invalid chunk size";
          return Step::kError;
        }
        uint64_t size = 0;
        for (char c : line) {
          int d = (c >= '0' && c <= '9')   ? c - '0'
                  : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                  : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                           : -1;
          if (d < 0) {
            error = "invalid chunk size";
            return Step::kError;
          }
          size = size * 16 + static_cast<uint64_t>(d);
        }
        consumed += nl + 1;
        remaining_ = size;
        state_ = size == 0 ? State::kTrailer : State::kData;
        break;
      }
      case State::kData: {
        if (rest.empty()) return Step::kNeedMore;
        size_t n = rest.size() < remaining_ ? rest.size() : static_cast<size_t>(remaining_);
        data = rest.substr(0, n);
        consumed += n;
        remaining_ -= n;
        if (remaining_ == 0) state_ = State::kDataEnd;
        return Step::kData;
      }
      case State::kDataEnd: {
        if (rest.empty() || (rest[0] == '\r' && rest.size() < 2)) return Step::kNeedMore;
        if (rest[0] == '\n') {
          consumed += 1;
        } else if (rest[0] == '\r' && rest[1] == '\n') {
          consumed += 2;
        } else {
          error = "missing CRLF after chunk data";
          return Step::kError;
        }
        state_ = State::kSize;
        break;
      }
      case State::kTrailer: {
        size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) {
          if (rest.size() > kMaxChunkLine) {
            error = "trailer line too long";
            return Step::kError;
          }
          return Step::kNeedMore;
        }
        std::string_view line = rest.substr(0, nl);
        consumed += nl + 1;
        if (line.empty() || line == "\r") {
          state_ = State::kDone;
          return Step::kDone;
        }
        break;
      }
      case State::kDone:
        return Step::kDone;
    }
  }
}

}  // namespace kthena::http
