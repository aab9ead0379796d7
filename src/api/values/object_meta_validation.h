// apimachinery's ValidateObjectMeta / ValidateObjectMetaUpdate on a JSON `metadata`, with its paths and messages:
// name (or generateName) by the kind's name rule, namespace presence by scope, non-negative generation, label and
// annotation syntax and the 256 KiB annotation budget, owner references and finalizers.
#pragma once

#include "api/field_error.h"
#include "api/json.h"
#include "api/values/name_validation.h"

namespace kthena::api {

using NameValidator = Messages (*)(std::string_view name, bool prefix);

struct ObjectMetaOptions {
  bool namespaced = true;
  // The API server fills metadata.namespace from the URL and names from generateName before validating; offline
  // callers (`kthena validate`) leave both unset and skip these requirements.
  bool require_namespace = false;
  bool require_name = true;  // "name or generateName is required"
  NameValidator name_validator = &name_is_dns_subdomain;
};

inline constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

FieldErrors validate_object_meta(const Json& metadata, const ObjectMetaOptions& options,
                                 const FieldPath& path = FieldPath("metadata"));

// The immutable parts on update: name, namespace, uid, creationTimestamp ("field is immutable").
FieldErrors validate_object_meta_update(const Json& metadata, const Json& old_metadata,
                                        const FieldPath& path = FieldPath("metadata"));

FieldErrors validate_annotations(const Json& annotations, const FieldPath& path);

}  // namespace kthena::api
