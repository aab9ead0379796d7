// Where a backend's model weights live (spec kthena-workload.md §2.4, "Common derived values"): the cache volume
// named by `cacheURI`, the path it is mounted at, and the per-model download directory inside it.
#pragma once

#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"
#include "controllers/modelbooster/model_booster.h"

namespace kthena::controllers::modelbooster {

// The in-container mount path of a cache URI, as upstream's GetCachePath: the URI's host and path joined, slashes
// trimmed, one "/" prepended. "pvc://model-cache" -> "/model-cache", "hostpath:///tmp/cache" -> "/tmp/cache",
// "pvc://a/b" -> "/a/b". A URI without "://", or one Go's url.Parse rejects, gives "". A query or fragment is
// not part of the path.
std::string cache_path(std::string_view cache_uri);

// The PVC of a "pvc://" URI: the prefix removed, slashes trimmed ("pvc:///my-pvc/" -> "my-pvc").
std::string pvc_claim_name(std::string_view cache_uri);

// "/" + hex(md5(model_uri)): the directory the downloader writes one model into, so several models can share a
// cache volume.
std::string model_mount_path(std::string_view model_uri);

// "<backend>-weights".
std::string cache_volume_name(std::string_view backend_name);

// The pod Volume of the backend's cache: a hostPath (DirectoryOrCreate) or a persistentVolumeClaim. An empty
// cacheURI is an error here (upstream built an emptyDir mounted at "", which the API server then rejected), as is
// any other scheme, an empty claim or an empty host path.
Result<Json> build_cache_volume(const ModelBackend& backend);

}  // namespace kthena::controllers::modelbooster
