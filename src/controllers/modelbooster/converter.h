// ModelBooster -> the objects that serve it (spec kthena-workload.md §2.3-2.6; docs/convert.md): a ModelServing
// (the pods), a ModelServer (how the router reaches them), a ModelRoute (the client-facing model name) and, for
// a v0.2.0 booster with spec.autoscalingPolicy, an AutoscalingPolicy. Pure: no I/O, no clock, no randomness, so
// the controller and `kthena convert` produce the same objects from the same input.
#pragma once

#include <optional>
#include <vector>

#include "api/json.h"
#include "common/result.h"
#include "controllers/modelbooster/convert_options.h"
#include "controllers/modelbooster/model_serving_builder.h"

namespace kthena::controllers::modelbooster {

struct GeneratedObjects {
  Json model_serving;
  Json model_server;
  Json model_route;
  std::optional<Json> autoscaling_policy;

  // ModelServing, ModelServer, ModelRoute, then the AutoscalingPolicy if any: the order they are applied in.
  std::vector<Json> in_order() const;
};

// Thread contract: immutable after create(); convert() may run concurrently from any number of threads.
class ModelBoosterConverter {
 public:
  // Parses the embedded templates once.
  static Result<ModelBoosterConverter> create(ConvertOptions options = {});

  // The objects of one admitted ModelBooster (pruned, defaulted and validated). Errors name the offending field,
  // e.g. "spec.backend.cacheURI: Required value: ..." or upstream's KV-connector messages.
  Result<GeneratedObjects> convert(const Json& model_booster) const;

 private:
  ModelBoosterConverter(ConvertOptions options, ServingTemplates templates)
      : options_(std::move(options)), templates_(std::move(templates)) {}

  ConvertOptions options_;
  ServingTemplates templates_;
};

}  // namespace kthena::controllers::modelbooster
