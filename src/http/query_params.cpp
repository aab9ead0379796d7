#include "http/query_params.h"

#include <charconv>

namespace kthena::http {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%') {
      if (i + 2 >= text.size()) {
        return fail(ErrorCode::kBadRequest, "invalid URL escape \"" + std::string(text.substr(i)) + "\"");
      }
      int hi = hex_value(text[i + 1]);
      int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) {
        return fail(ErrorCode::kBadRequest, "invalid URL escape \"" + std::string(text.substr(i, 3)) + "\"");
      }
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

Result<QueryParams> QueryParams::parse(std::string_view query) {
  QueryParams params;
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    if (end == std::string_view::npos) end = query.size();
    std::string_view pair = query.substr(start, end - start);
    start = end + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = percent_decode(pair.substr(0, eq), true);
    if (!name) return fail(name.error());
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true);
    if (!value) return fail(value.error());
    params.values_.emplace(std::move(*name), std::move(*value));
  }
  return params;
}

std::string QueryParams::get(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::string() : it->second;
}

bool QueryParams::has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

Result<bool> QueryParams::flag(std::string_view name) const {
  std::string value = get(name);
  if (value == "true" || value == "1") return true;
  if (value.empty() || value == "false" || value == "0") return false;
  return fail(ErrorCode::kBadRequest, "invalid value for " + std::string(name) + ": \"" + value + "\"");
}

Result<std::optional<int64_t>> QueryParams::integer(std::string_view name) const {
  if (!has(name)) return std::optional<int64_t>();
  std::string value = get(name);
  if (value.empty()) return std::optional<int64_t>();
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size()) {
    return fail(ErrorCode::kBadRequest, "invalid value for " + std::string(name) + ": \"" + value + "\"");
  }
  return std::optional<int64_t>(n);
}

}  // namespace kthena::http
