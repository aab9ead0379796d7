#include "router/request/request_target.h"

#include <array>

#include <fmt/format.h>

namespace kthena::router {
namespace {

bool iequal_prefix(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (size_t i = 0; i < lower_prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower_prefix[i]) return false;
  }
  return true;
}

constexpr std::array<std::string_view, 15> kKnownPaths = {
    "/v1/chat/completions",
    "/v1/completions",
    "/v1/embeddings",
    "/v1/responses",
    "/v1/messages",
    "/v1/models",
    "/v1/rerank",
    "/v1/score",
    "/v1/classify",
    "/v1/audio/transcriptions",
    "/v1/audio/translations",
    "/v1/audio/speech",
    "/v1/images/generations",
    "/v1/moderations",
    "/v1/pooling",
};

}  // namespace

std::optional<std::string> target_problem(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path.empty() || path.front() != '/') {
    return fmt::format("the request target \"{}\" is not a path (origin-form)", target.substr(0, 128));
  }
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '\\') return std::string("the request path contains a backslash");
    if (c == '#') return std::string("the request path contains a fragment");
    if (c == '%') {
      std::string_view rest = path.substr(i);
      if (iequal_prefix(rest, "%2f") || iequal_prefix(rest, "%5c")) {
        return std::string("the request path contains an encoded slash or backslash");
      }
      if (iequal_prefix(rest, "%2e")) return std::string("the request path contains an encoded dot");
      if (iequal_prefix(rest, "%00")) return std::string("the request path contains an encoded NUL");
    }
  }
  // Segment by segment: none empty (a doubled slash) and none "." or "..". A trailing slash is an empty last
  // segment, which engines treat as a different path but not a traversal: allowed.
  size_t at = 1;
  while (at <= path.size()) {
    size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(at, end - at);
    if (segment == "." || segment == "..") return std::string("the request path contains a dot segment");
    if (segment.empty() && end != path.size()) return std::string("the request path contains an empty segment (//)");
    at = end + 1;
  }
  return std::nullopt;
}

std::string_view disallowed_method(std::string_view method, std::string_view path) {
  if (path == "/v1/models") return method == "GET" || method == "HEAD" ? std::string_view() : "GET, HEAD";
  return method == "POST" ? std::string_view() : "POST";
}

std::string_view path_label(std::string_view path) {
  for (std::string_view known : kKnownPaths) {
    if (path == known) return known;
  }
  return "other";
}

}  // namespace kthena::router
