// Where a request under /api or /apis points: discovery documents or a resource, and which object of it.
//   /api, /apis                                  -> kGroupList
//   /apis/<group>                                -> kGroup
//   /api/v1, /apis/<group>/<version>             -> kGroupVersion
//   .../<resource>[/<name>[/<subresource>]]      -> kResource (cluster-scoped, or across namespaces)
//   .../namespaces/<ns>/<resource>[/<name>[/<subresource>]]
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kthena::apiserver {

struct ApiPath {
  enum class Level { kGroupList, kGroup, kGroupVersion, kResource };
  Level level = Level::kGroupList;
  bool legacy = false;  // /api (the core group) rather than /apis
  std::string group;
  std::string version;
  std::string ns;  // set when the path went through namespaces/<ns>/
  std::string resource;
  std::string name;
  std::string subresource;
};

// nullopt when the path is not under /api or /apis, or has too many segments (404 for the caller).
std::optional<ApiPath> parse_api_path(std::string_view path);

}  // namespace kthena::apiserver
