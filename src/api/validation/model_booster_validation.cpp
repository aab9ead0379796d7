#include "api/validation/model_booster_validation.h"

#include <cstdint>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "api/validation/autoscaling_policy_validation.h"
#include "api/validation/engine_port.h"
#include "api/validation/image_reference.h"
#include "api/validation/json_view.h"
#include "api/validation/kv_connector.h"

namespace kthena::api {
namespace {

using validation::integer;
using validation::member;
using validation::string_or;

constexpr int64_t kMaxReplicas = 1000000;

// Rule 3.
void check_worker_types(const Json& backend, const FieldPath& path, FieldErrors& errs) {
  std::string type = string_or(member(backend, "type"));
  const Json* workers = member(backend, "workers");
  size_t count = validation::array_size(workers);
  auto worker_type = [&](size_t j) { return string_or(member((*workers)[j], "type")); };
  FieldPath workers_path = path.child("workers");
  if (type == "vLLM" || type == "SGLang" || type == "MindIE") {
    if (count != 1) {
      errs.push_back(
          invalid(workers_path, count, fmt::format("If backend type is '{}', there must be exactly one worker", type)));
    } else if (worker_type(0) != "server") {
      errs.push_back(invalid(workers_path.index(0).child("type"), worker_type(0),
                             fmt::format("If backend type is '{}', the worker type must be 'server'", type)));
    }
  }
  if (type == "vLLMDisaggregated") {
    for (size_t j = 0; j < count; ++j) {
      std::string t = worker_type(j);
      if (t != "prefill" && t != "decode") {
        errs.push_back(invalid(workers_path.index(j).child("type"), t,
                               "If backend type is 'vLLMDisaggregated', all workers must be type 'prefill' or "
                               "'decode'"));
      }
    }
  }
  if (type == "MindIEDisaggregated") {
    for (size_t j = 0; j < count; ++j) {
      std::string t = worker_type(j);
      if (t != "prefill" && t != "decode" && t != "controller" && t != "coordinator") {
        errs.push_back(invalid(workers_path.index(j).child("type"), t,
                               "If backend type is 'MindIEDisaggregated', all workers must be type 'prefill', "
                               "'decode', 'controller', or 'coordinator' (not 'server')"));
      }
    }
  }
}

// path.Clean for the absolute paths built from a pvc:// URI.
std::string clean_absolute_path(std::string_view p) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i <= p.size()) {
    size_t slash = p.find('/', i);
    if (slash == std::string_view::npos) slash = p.size();
    std::string_view seg = p.substr(i, slash - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = slash + 1;
  }
  std::string out;
  for (std::string_view seg : parts) out += "/" + std::string(seg);
  return out.empty() ? "/" : out;
}

// Rule 5: the downloader mounts only the cacheURI volume, so a pvc:// model must live inside that claim.
void check_pvc_uris(const Json& backend, const FieldPath& path, FieldErrors& errs) {
  std::string model_uri = string_or(member(backend, "modelURI"));
  std::string cache_uri = string_or(member(backend, "cacheURI"));
  constexpr std::string_view kPvc = "pvc://";
  if (model_uri.rfind(kPvc, 0) != 0) return;
  if (cache_uri.rfind(kPvc, 0) != 0) {
    errs.push_back(invalid(path.child("cacheURI"), cache_uri,
                           "when modelURI uses pvc://, cacheURI must also use pvc://. The downloader only has access "
                           "to the volume mounted via cacheURI. Set cacheURI to the PVC that holds the model (e.g. "
                           "pvc://<claimName>) and set modelURI to the path within that PVC (e.g. "
                           "pvc:///<claimName>/<path-to-model>)"));
    return;
  }
  std::string_view source = std::string_view(model_uri).substr(kPvc.size());
  for (size_t i = 0; i <= source.size();) {
    size_t slash = source.find('/', i);
    if (slash == std::string_view::npos) slash = source.size();
    if (source.substr(i, slash - i) == "..") {
      errs.push_back(invalid(path.child("modelURI"), model_uri, "modelURI must not contain '..' path segments"));
      return;
    }
    i = slash + 1;
  }
  std::string_view claim = std::string_view(cache_uri).substr(kPvc.size());
  while (!claim.empty() && claim.front() == '/') claim.remove_prefix(1);
  while (!claim.empty() && claim.back() == '/') claim.remove_suffix(1);
  if (claim.empty() || claim.find('/') != std::string_view::npos) {
    errs.push_back(invalid(path.child("cacheURI"), cache_uri,
                           "cacheURI must contain a single PVC claim name with no path separator (e.g. "
                           "pvc://<claimName>); claim names cannot contain '/'"));
    return;
  }
  std::string source_path = clean_absolute_path(std::string("/") + std::string(source));
  std::string mount = "/" + std::string(claim);
  if (source_path != mount && source_path.rfind(mount + "/", 0) != 0) {
    errs.push_back(invalid(
        path.child("modelURI"), model_uri,
        fmt::format("PVC source path {} is not reachable via cacheURI mount {}. The downloader only has access to "
                    "PVCs mounted via cacheURI. If the source model and the cache are on the same PVC, set cacheURI "
                    "to the PVC name and include that name as the first path segment of modelURI. Example: "
                    "cacheURI: pvc://<claimName>, modelURI: pvc:///<claimName>/<path-to-model>",
                    go_quote(source_path), go_quote(mount))));
  }
}

// Not an upstream rule (docs/compatibility.md, "ModelBooster conversion"): the model is downloaded into the
// cacheURI volume, so a booster without one cannot run. Upstream converted it into an emptyDir mounted at "",
// which the API server rejected only when the ModelServing was created, leaving the booster Failed. The pattern
// already rejects "", so what is left is the member missing, and a hostpath:// URI naming the node's root.
void check_cache_uri(const Json& backend, const FieldPath& path, FieldErrors& errs) {
  const Json* cache = member(backend, "cacheURI");
  if (cache == nullptr) {
    errs.push_back(required(path.child("cacheURI"),
                            "the model is downloaded into this cache: use hostpath://<dir> or pvc://<claim>"));
    return;
  }
  const std::string uri = string_or(cache);
  constexpr std::string_view kHostPath = "hostpath://";
  if (uri.rfind(kHostPath, 0) == 0 && uri.find_first_not_of('/', kHostPath.size()) == std::string::npos) {
    errs.push_back(invalid(path.child("cacheURI"), uri, "the host path is empty"));
  }
}

}  // namespace

FieldErrors validate_model_booster(const Json& object, const Json* /*old_object*/) {
  FieldErrors errs;
  const Json* spec = member(object, "spec");
  const Json* backend = member(spec, "backend");
  if (backend == nullptr) return errs;  // required by the schema
  FieldPath path = FieldPath("spec").child("backend");

  if (auto replicas = integer(member(*backend, "replicas")); replicas && *replicas > kMaxReplicas) {
    errs.push_back(invalid(path.child("replicas"), *replicas,
                           fmt::format("replicas ({}) cannot exceed {}", *replicas, kMaxReplicas)));
  }

  if (const Json* workers = member(*backend, "workers"); workers != nullptr && workers->is_array()) {
    for (size_t j = 0; j < workers->size(); ++j) {
      std::string image = string_or(member((*workers)[j], "image"));
      if (auto problem = validation::booster_image_problem(image)) {
        errs.push_back(invalid(path.child("workers").index(j).child("image"), image,
                               "invalid container image reference: " + *problem));
      }
    }
  }

  check_worker_types(*backend, path, errs);

  std::string type = string_or(member(*backend, "type"));
  if (type == "vLLM" || type == "vLLMDisaggregated") {
    if (auto port = engine_port(*backend); !port) {
      errs.push_back(invalid(path.child("workers").index(port.error().worker_index).child("config").child("port"),
                             port.error().bad_value, port.error().message));
    }
  }

  check_pvc_uris(*backend, path, errs);
  check_cache_uri(*backend, path, errs);

  if (auto connector = kv_connector_type(*backend); !connector) {
    errs.push_back(invalid(path.child("workers"), string_or(member(*backend, "name")),
                           "invalid kv connector configuration: " + connector.error().message));
  }

  // v0.2.0: the booster's autoscalingPolicy becomes an AutoscalingPolicy, so it must pass the same metric and
  // behaviour rules here rather than fail later in the controller.
  if (const Json* policy = member(spec, "autoscalingPolicy")) {
    FieldPath policy_path = FieldPath("spec").child("autoscalingPolicy");
    validate_policy_metrics(member(*policy, "metrics"), policy_path.child("metrics"), errs);
    validate_policy_behavior(member(*policy, "behavior"), policy_path.child("behavior"), errs);
  }
  return errs;
}

}  // namespace kthena::api
