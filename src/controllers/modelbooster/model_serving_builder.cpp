#include "controllers/modelbooster/model_serving_builder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "controllers/modelbooster/cache_volume.h"
#include "controllers/modelbooster/engine_command.h"
#include "controllers/modelbooster/engine_env.h"
#include "controllers/modelbooster/ownership.h"
#include "controllers/modelbooster/template_engine.h"
#include "controllers/revision_hash.h"

namespace kthena::controllers::modelbooster {
namespace {

// An optional member: null (and so left out of the result) when empty, as Go's omitempty leaves it out.
Json or_null(const Json& value) {
  return value.empty() ? Json() : value;
}
Json or_null(const std::string& value) {
  return value.empty() ? Json() : Json(value);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// Upstream's Affinity is a non-pointer struct, so an unset one still renders as {}.
Json affinity_of(const ModelWorker& w) {
  return w.affinity.is_null() ? Json::object() : w.affinity;
}

tl::unexpected<Error> worker_missing(std::string detail) {
  return field_failure(required(FieldPath("spec.backend.workers"), std::move(detail)));
}

// The placeholders that both templates share.
Result<TemplateValues> common_values(const ModelBooster& booster, const BackendSettings& settings,
                                     const ConvertOptions& options, int32_t replicas) {
  const ModelBackend& backend = booster.backend;
  auto volume = build_cache_volume(backend);
  if (!volume) return fail(volume.error());
  const std::string revision = revision_hash(backend.json);
  const std::string cache = cache_path(backend.cache_uri);

  TemplateValues v;
  v.set("METADATA",
        object_metadata(booster, backend_resource_name(booster.name, backend.name), backend.name, revision));
  // An empty schedulerName is left out so that the ModelServing's own default (volcano) applies.
  v.set("SCHEDULER_NAME", or_null(backend.scheduler_name));
  v.set("REPLICAS", replicas);
  v.set("POD_LABELS", controller_labels(booster, backend.name, revision));
  v.set("RUNTIME_CLASS_NAME", or_null(backend.runtime_class_name));
  v.set("MODEL_NAME", booster.name);
  v.set("MODEL_URI", backend.model_uri);
  v.set("DOWNLOADER_IMAGE", options.downloader_image);
  v.set("DOWNLOAD_PATH", cache + model_mount_path(backend.model_uri));
  v.set("DOWNLOADER_ENV", or_null(downloader_env(backend)));
  v.set("ENV_FROM", or_null(backend.env_from));
  v.set("CACHE_VOLUME", std::move(*volume));
  v.set("CACHE_VOLUME_NAME", cache_volume_name(backend.name));
  v.set("CACHE_PATH", cache);
  v.set("RUNTIME_IMAGE", options.runtime_image);
  v.set("RUNTIME_PORT", settings.runtime_port);
  v.set("RUNTIME_ENGINE", lower(backend.type));
  v.set("RUNTIME_URL", settings.runtime_url);
  v.set("RUNTIME_METRICS_PATH", settings.runtime_metrics_path);
  v.set("ENGINE_PORT", settings.engine_port);
  return v;
}

// The per-role placeholders <PREFIX>_IMAGE, _RESOURCES, _AFFINITY, _TOLERATIONS, _REPLICAS and _COMMAND.
Result<void> set_worker_values(TemplateValues& v, std::string_view prefix, const ModelWorker& worker,
                               const ModelBackend& backend, const std::string& download_path,
                               const BackendSettings& settings) {
  auto command = engine_command(backend, worker, download_path, settings);
  if (!command) return fail(command.error());
  const std::string p(prefix);
  v.set(p + "_IMAGE", or_null(worker.image));
  v.set(p + "_RESOURCES", or_null(worker.resources));
  v.set(p + "_AFFINITY", affinity_of(worker));
  v.set(p + "_TOLERATIONS", or_null(worker.tolerations));
  v.set(p + "_REPLICAS", worker.replicas);
  v.set(p + "_COMMAND", Json(*command));
  return {};
}

}  // namespace

Result<Json> build_model_serving(const ModelBooster& booster, const BackendSettings& settings,
                                 const ConvertOptions& options, int32_t replicas, const ServingTemplates& templates) {
  const ModelBackend& backend = booster.backend;
  const bool disaggregated = backend.type == kBackendVllmDisaggregated;
  if (backend.type != kBackendVllm && !disaggregated) {
    return field_failure(
        invalid(FieldPath("spec.backend.type"), backend.type, "not support model backend type: " + backend.type));
  }
  auto values = common_values(booster, settings, options, replicas);
  if (!values) return fail(values.error());
  TemplateValues& v = *values;
  const std::string download_path = v.find("DOWNLOAD_PATH")->get<std::string>();

  if (!disaggregated) {
    const ModelWorker* server = backend.worker_of_type(kWorkerServer);
    if (server == nullptr) return worker_missing("server worker not found in backend: " + backend.name);
    auto set = set_worker_values(v, "SERVER", *server, backend, download_path, settings);
    if (!set) return fail(set.error());
    // One entry pod plus pods-1 Ray workers; pods 0 and 1 both mean a single pod.
    v.set("WORKER_REPLICAS", std::max(server->pods - 1, 0));
    v.set("ENGINE_ENV", engine_env(backend, EngineRole::kServer));
    v.set("WORKER_ENV", or_null(backend.env));
    v.set("BACKEND_NAME", lower(backend.name));
    return render_template(templates.vllm, v, "vllm.yaml");
  }

  const ModelWorker* prefill = backend.worker_of_type(kWorkerPrefill);
  if (prefill == nullptr) return worker_missing("prefill worker not found in backend");
  const ModelWorker* decode = backend.worker_of_type(kWorkerDecode);
  if (decode == nullptr) return worker_missing("decode worker not found in backend");
  for (auto [prefix, worker] : {std::pair{"PREFILL", prefill}, std::pair{"DECODE", decode}}) {
    auto set = set_worker_values(v, prefix, *worker, backend, download_path, settings);
    if (!set) return fail(set.error());
  }
  v.set("PREFILL_ENV", engine_env(backend, EngineRole::kPrefill));
  v.set("DECODE_ENV", engine_env(backend, EngineRole::kDecode));
  return render_template(templates.vllm_pd, v, "vllm_pd.yaml");
}

}  // namespace kthena::controllers::modelbooster
