// `kthena router --static FILE`: a router without a cluster. The file is a multi-document YAML (or JSON) stream of
// ModelRoute, ModelServer and Pod objects — `kubectl get pods -o yaml` output (a List) works as is. Each ModelRoute
// and ModelServer goes through the admission `kthena validate` runs (api/admission.h: pruning, defaults, schema and
// CEL rules, webhook rules, ObjectMeta), so a file gets the errors `kthena validate` gives. Pods are taken as the API
// server would report them (no admission: a listing may leave out their spec).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/types/model_route.h"
#include "api/types/model_server.h"
#include "api/types/pod.h"
#include "common/result.h"

namespace kthena::router {

struct StaticObjects {
  std::vector<api::ModelRoute> routes;
  std::vector<api::ModelServer> servers;
  std::vector<api::Pod> pods;
  size_t documents = 0;  // non-empty documents in the file (an empty List counts): 0 for an empty file
};

// Every problem of the file at once, one line each: admission errors as `kthena validate` prints them
// ("routes.yaml: ModelRoute/default/x: spec.rules[0].targetModels: Required value"), anything else with the line
// of the offending document ("routes.yaml:14: Secret/default/y: kind: unsupported kind ...").
Result<StaticObjects> parse_static_objects(std::string_view text, std::string_view source);
Result<StaticObjects> load_static_file(const std::string& path);

}  // namespace kthena::router
