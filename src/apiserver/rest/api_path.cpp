#include "apiserver/rest/api_path.h"

#include <vector>

#include "http/query_params.h"

namespace kthena::apiserver {

std::optional<ApiPath> parse_api_path(std::string_view path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) {
      auto decoded = http::percent_decode(path.substr(start, end - start), false);
      if (!decoded) return std::nullopt;
      parts.push_back(std::move(*decoded));
    }
    start = end + 1;
  }
  ApiPath out;
  size_t i = 0;
  if (parts.empty()) return std::nullopt;
  if (parts[0] == "api") {
    out.legacy = true;
    if (parts.size() == 1) return out;
    out.version = parts[1];
    i = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() == 1) return out;
    out.group = parts[1];
    if (parts.size() == 2) {
      out.level = ApiPath::Level::kGroup;
      return out;
    }
    out.version = parts[2];
    i = 3;
  } else {
    return std::nullopt;
  }
  size_t rest = parts.size() - i;
  if (rest == 0) {
    out.level = ApiPath::Level::kGroupVersion;
    return out;
  }
  out.level = ApiPath::Level::kResource;
  // namespaces/<ns>/<resource>...; but namespaces/<name> and namespaces/<name>/{status,finalize} address the
  // Namespace object itself.
  if (parts[i] == "namespaces" && rest >= 3 &&
      !(rest == 3 && (parts[i + 2] == "status" || parts[i + 2] == "finalize"))) {
    out.ns = parts[i + 1];
    i += 2;
    rest -= 2;
  }
  if (rest > 3) return std::nullopt;
  out.resource = parts[i];
  if (rest >= 2) out.name = parts[i + 1];
  if (rest == 3) out.subresource = parts[i + 2];
  return out;
}

}  // namespace kthena::apiserver
