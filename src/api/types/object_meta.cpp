#include "api/types/object_meta.h"

namespace kthena::api {

Result<ObjectMeta> decode_object_meta(const Json& object) {
  FieldPath path("metadata");
  const Json* meta = member(object, "metadata");
  if (meta == nullptr) return fail(ErrorCode::kInvalid, "Required value", "metadata");
  if (auto ok = expect_object(*meta, path, false); !ok) return fail(ok.error());
  ObjectMeta out;
  auto name = read_required_string(*meta, "name", path);
  if (!name) return fail(name.error());
  out.name = std::move(*name);
  auto ns = read_string(*meta, "namespace", path);
  if (!ns) return fail(ns.error());
  out.namespace_name = ns->value_or("default");
  if (out.namespace_name.empty()) out.namespace_name = "default";
  for (auto [key, target] : {std::pair<std::string_view, std::string*>{"uid", &out.uid},
                             {"resourceVersion", &out.resource_version},
                             {"creationTimestamp", &out.creation_timestamp}}) {
    auto v = read_string(*meta, key, path);
    if (!v) return fail(v.error());
    *target = v->value_or("");
  }
  auto generation = read_int(*meta, "generation", path);
  if (!generation) return fail(generation.error());
  out.generation = generation->value_or(0);
  out.deleting = member(*meta, "deletionTimestamp") != nullptr;
  auto labels = read_string_map(*meta, "labels", path);
  if (!labels) return fail(labels.error());
  out.labels = std::move(*labels);
  return out;
}

}  // namespace kthena::api
