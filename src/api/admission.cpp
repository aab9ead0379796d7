#include "api/admission.h"

#include <fmt/format.h>

#include "api/schema/defaulting.h"
#include "api/schema/pruning.h"
#include "api/schema/schema_validator.h"
#include "api/validation/webhooks.h"
#include "api/values/object_meta_validation.h"

namespace kthena::api {
namespace {

Result<const KindInfo*> find_kind(const KindRegistry& registry, const Json& object) {
  if (!object.is_object()) return fail(ErrorCode::kBadRequest, "an object must be a JSON object (a YAML mapping)");
  auto api_version = object.find("apiVersion");
  auto kind = object.find("kind");
  if (api_version == object.end() || !api_version->is_string() || api_version->get<std::string>().empty()) {
    return fail(ErrorCode::kBadRequest, "Object 'apiVersion' is missing");
  }
  if (kind == object.end() || !kind->is_string() || kind->get<std::string>().empty()) {
    return fail(ErrorCode::kBadRequest, "Object 'Kind' is missing");
  }
  const KindInfo* info = registry.find_by_api_version(api_version->get<std::string>(), kind->get<std::string>());
  if (!info) {
    return fail(ErrorCode::kNotFound, fmt::format("no kind \"{}\" is registered for version \"{}\"",
                                                  kind->get<std::string>(), api_version->get<std::string>()));
  }
  return info;
}

// ValidateObjectMeta's name rule per kind: most names are DNS subdomains; these are labels, as in Kubernetes.
NameValidator name_rule(const KindInfo& kind) {
  if (kind.group.empty() && kind.kind == "Namespace") return &name_is_dns_label;
  if (kind.group.empty() && kind.kind == "Service") return &name_is_dns1035_label;
  return &name_is_dns_subdomain;
}

// "spec.replicas" from ".spec.replicas", and the value there.
const Json* at_path(const Json& object, const std::string& dotted, FieldPath& path) {
  const Json* v = &object;
  std::string_view rest = dotted;
  while (!rest.empty()) {
    if (rest.front() == '.') rest.remove_prefix(1);
    size_t end = rest.find('.');
    std::string name(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
    path = path.child(name);
    if (!v->is_object() || !v->contains(name)) return nullptr;
    v = &(*v)[name];
  }
  return v;
}

// The API server's scale-subresource checks on a custom resource: replicas must not be negative.
void validate_scale(const KindInfo& kind, const Json& object, FieldErrors& errors) {
  if (!kind.scale) return;
  for (const std::string* p : {&kind.scale->spec_replicas_path, &kind.scale->status_replicas_path}) {
    FieldPath path;
    const Json* v = at_path(object, *p, path);
    if (v && v->is_number_integer() && v->get<int64_t>() < 0) {
      errors.push_back(invalid(path, *v, "should be a non-negative integer"));
    }
  }
}

void append(FieldErrors& to, FieldErrors from) {
  to.insert(to.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
}

}  // namespace

std::vector<std::string> Admitted::warnings() const {
  std::vector<std::string> out;
  for (const std::string& f : unknown_fields) out.push_back(fmt::format("unknown field \"{}\"", f));
  return out;
}

Result<Admitted> admit(const KindRegistry& registry, Json object, const Json* old_object,
                       const AdmissionOptions& options) {
  auto kind = find_kind(registry, object);
  if (!kind) return tl::unexpected(kind.error());
  const KindInfo& info = **kind;
  Admitted out;
  out.kind = &info;
  out.unknown_fields = prune(object, *info.schema);
  if (options.field_validation == FieldValidation::kStrict && !out.unknown_fields.empty()) {
    std::string fields;
    for (size_t i = 0; i < out.unknown_fields.size(); ++i) {
      fields += fmt::format("{}unknown field \"{}\"", i ? ", " : "", out.unknown_fields[i]);
    }
    return fail(ErrorCode::kBadRequest,
                fmt::format("{} in version \"{}\" cannot be handled as a {}: strict decoding error: {}", info.kind,
                            info.version, info.kind, fields));
  }
  apply_defaults(object, *info.schema);
  Webhooks hooks = find_webhooks(info.group, info.kind);
  if (hooks.mutate) hooks.mutate(object);

  ObjectMetaOptions meta_options;
  meta_options.namespaced = info.namespaced;
  meta_options.require_namespace = options.server && info.namespaced;
  meta_options.require_name = options.server;
  meta_options.name_validator = name_rule(info);
  static const Json kNoMetadata = Json::object();
  const Json& metadata = object.contains("metadata") ? object["metadata"] : kNoMetadata;
  append(out.errors, validate_object_meta(metadata, meta_options));
  if (old_object && old_object->is_object()) {
    append(out.errors, validate_object_meta_update(metadata, old_object->value("metadata", Json::object())));
  }
  append(out.errors, validate_schema(object, *info.schema, old_object));
  validate_scale(info, object, out.errors);
  if (hooks.validate) append(out.errors, hooks.validate(object, old_object));
  out.object = std::move(object);
  return out;
}

Result<Json> default_object(const KindRegistry& registry, Json object) {
  auto kind = find_kind(registry, object);
  if (!kind) return tl::unexpected(kind.error());
  apply_defaults(object, *(*kind)->schema);
  Webhooks hooks = find_webhooks((*kind)->group, (*kind)->kind);
  if (hooks.mutate) hooks.mutate(object);
  return object;
}

}  // namespace kthena::api
