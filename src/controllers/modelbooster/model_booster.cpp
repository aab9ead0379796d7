#include "controllers/modelbooster/model_booster.h"

#include <limits>

#include "api/types/field_reader.h"

namespace kthena::controllers::modelbooster {
namespace {

using api::member;

#define KTHENA_TRY_ASSIGN(target, expr)         \
  do {                                          \
    auto result_ = (expr);                      \
    if (!result_) return fail(result_.error()); \
    target = std::move(*result_);               \
  } while (0)

Result<std::optional<int32_t>> read_int32(const Json& object, std::string_view key, const FieldPath& path) {
  auto value = api::read_int(object, key, path);
  if (!value) return fail(value.error());
  if (!value->has_value()) return std::optional<int32_t>();
  const int64_t v = **value;
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return field_failure(invalid(path.child(key), v, "must fit in a 32-bit integer"));
  }
  return std::optional<int32_t>(static_cast<int32_t>(v));
}

// A member that must be a JSON array when present; absent and null read as an empty array.
Result<Json> read_array(const Json& object, std::string_view key, const FieldPath& path) {
  const Json* v = member(object, key);
  if (v == nullptr) return Json::array();
  if (!v->is_array()) return api::type_error(path.child(key), *v, "array");
  return *v;
}

// A member that must be a JSON object when present; absent reads as null.
Result<Json> read_object(const Json& object, std::string_view key, const FieldPath& path) {
  const Json* v = member(object, key);
  if (v == nullptr) return Json();
  if (!v->is_object()) return api::type_error(path.child(key), *v, "object");
  return *v;
}

Result<ModelWorker> read_worker(const Json& object, size_t index, const FieldPath& path) {
  ModelWorker w;
  w.index = index;
  if (!object.is_object()) return api::type_error(path, object, "object");
  std::optional<std::string> type;
  KTHENA_TRY_ASSIGN(type, api::read_string(object, "type", path));
  if (type) w.type = *type;
  std::optional<std::string> image;
  KTHENA_TRY_ASSIGN(image, api::read_string(object, "image", path));
  w.image = image.value_or("");
  std::optional<int32_t> n;
  KTHENA_TRY_ASSIGN(n, read_int32(object, "replicas", path));
  w.replicas = n.value_or(0);
  KTHENA_TRY_ASSIGN(n, read_int32(object, "pods", path));
  w.pods = n.value_or(0);
  KTHENA_TRY_ASSIGN(w.resources, read_object(object, "resources", path));
  KTHENA_TRY_ASSIGN(w.affinity, read_object(object, "affinity", path));
  const Json* tolerations = member(object, "tolerations");
  if (tolerations != nullptr) {
    if (!tolerations->is_array()) return api::type_error(path.child("tolerations"), *tolerations, "array");
    w.tolerations = *tolerations;
  }
  if (const Json* config = member(object, "config")) w.config = *config;
  return w;
}

Result<ModelBackend> read_backend(const Json& object, const FieldPath& path) {
  ModelBackend b;
  b.json = object;
  KTHENA_TRY_ASSIGN(b.name, api::read_required_string(object, "name", path));
  KTHENA_TRY_ASSIGN(b.type, api::read_required_string(object, "type", path));
  KTHENA_TRY_ASSIGN(b.model_uri, api::read_required_string(object, "modelURI", path));
  std::optional<std::string> s;
  KTHENA_TRY_ASSIGN(s, api::read_string(object, "cacheURI", path));
  b.cache_uri = s.value_or("");
  KTHENA_TRY_ASSIGN(s, api::read_string(object, "schedulerName", path));
  b.scheduler_name = s.value_or("");
  KTHENA_TRY_ASSIGN(s, api::read_string(object, "runtimeClassName", path));
  b.runtime_class_name = s.value_or("");
  KTHENA_TRY_ASSIGN(b.env, read_array(object, "env", path));
  for (size_t i = 0; i < b.env.size(); ++i) {
    auto checked = api::read_required_string(b.env[i], "name", path.child("env").index(i));
    if (!checked) return fail(checked.error());
  }
  KTHENA_TRY_ASSIGN(b.env_from, read_array(object, "envFrom", path));
  KTHENA_TRY_ASSIGN(b.replicas, read_int32(object, "replicas", path));
  KTHENA_TRY_ASSIGN(b.min_replicas, read_int32(object, "minReplicas", path));
  KTHENA_TRY_ASSIGN(b.max_replicas, read_int32(object, "maxReplicas", path));
  Json workers;
  KTHENA_TRY_ASSIGN(workers, read_array(object, "workers", path));
  if (workers.empty()) return field_failure(required(path.child("workers"), "at least one worker is required"));
  for (size_t i = 0; i < workers.size(); ++i) {
    ModelWorker w;
    KTHENA_TRY_ASSIGN(w, read_worker(workers[i], i, path.child("workers").index(i)));
    b.workers.push_back(std::move(w));
  }
  return b;
}

}  // namespace

FieldPath ModelWorker::path() const {
  return FieldPath("spec.backend.workers").index(index);
}

const Json* ModelBackend::find_env(std::string_view name, size_t* index) const {
  for (size_t i = 0; i < env.size(); ++i) {
    const Json* n = member(env[i], "name");
    if (n != nullptr && n->is_string() && n->get_ref<const std::string&>() == name) {
      if (index != nullptr) *index = i;
      return &env[i];
    }
  }
  return nullptr;
}

const ModelWorker* ModelBackend::worker_of_type(std::string_view type) const {
  const ModelWorker* found = nullptr;
  for (const ModelWorker& w : workers) {
    if (w.type == type) found = &w;
  }
  return found;
}

Result<ModelBooster> read_model_booster(const Json& object) {
  if (!object.is_object()) return api::type_error(FieldPath(), object, "object");
  ModelBooster m;
  const FieldPath metadata("metadata");
  const Json* meta = member(object, "metadata");
  if (meta == nullptr) return field_failure(required(metadata, ""));
  KTHENA_TRY_ASSIGN(m.name, api::read_required_string(*meta, "name", metadata));
  std::optional<std::string> s;
  KTHENA_TRY_ASSIGN(s, api::read_string(*meta, "namespace", metadata));
  m.namespace_ = s.value_or("");
  KTHENA_TRY_ASSIGN(s, api::read_string(*meta, "uid", metadata));
  m.uid = s.value_or("");

  const FieldPath spec_path("spec");
  const Json* spec = member(object, "spec");
  if (spec == nullptr) return field_failure(required(spec_path, ""));
  if (!spec->is_object()) return api::type_error(spec_path, *spec, "object");
  KTHENA_TRY_ASSIGN(s, api::read_string(*spec, "name", spec_path));
  m.served_name = s.value_or("");
  KTHENA_TRY_ASSIGN(m.model_match, read_object(*spec, "modelMatch", spec_path));
  KTHENA_TRY_ASSIGN(m.autoscaling_policy, read_object(*spec, "autoscalingPolicy", spec_path));
  const Json* backend = member(*spec, "backend");
  const FieldPath backend_path = spec_path.child("backend");
  if (backend == nullptr) return field_failure(required(backend_path, ""));
  if (!backend->is_object()) return api::type_error(backend_path, *backend, "object");
  KTHENA_TRY_ASSIGN(m.backend, read_backend(*backend, backend_path));
  return m;
}

tl::unexpected<Error> field_failure(const FieldError& error) {
  std::string text = error.to_string();
  if (!error.field.empty()) text.erase(0, error.field.size() + 2);
  return fail(ErrorCode::kInvalid, std::move(text), error.field);
}

}  // namespace kthena::controllers::modelbooster

#undef KTHENA_TRY_ASSIGN
