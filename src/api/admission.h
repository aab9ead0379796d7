// Admission: what every write of an object goes through, in the API server's order, shared by the API server,
// `kthena validate` and the controllers (which check what they generate):
//   1. apiVersion and kind name a registered kind
//   2. unknown fields are pruned (structural pruning), or reported (strict field validation)
//   3. schema defaults, then the kind's mutating webhook (find_webhooks(group, kind).mutate)
//   4. metadata (ValidateObjectMeta, and its update rules), the schema (types, formats, bounds, CEL rules, with the
//      old object for transition rules), the scale subresource's replicas, the validating webhook
// and every field error at once.
#pragma once

#include <string>
#include <vector>

#include "api/field_error.h"
#include "api/json.h"
#include "api/registry/kind_registry.h"
#include "common/result.h"

namespace kthena::api {

enum class FieldValidation {
  kIgnore,  // prune unknown fields silently (the API server's default for a CRD without fieldValidation)
  kWarn,    // prune them and report them as warnings
  kStrict,  // reject the object (kubectl's default: `kubectl apply` sends fieldValidation=Strict)
};

struct AdmissionOptions {
  FieldValidation field_validation = FieldValidation::kStrict;
  // The API server has filled in metadata.namespace (from the URL) and a generated name; offline callers have not,
  // so these are only required when this is true.
  bool server = false;
};

struct Admitted {
  Json object;                              // pruned, defaulted and mutated
  FieldErrors errors;                       // empty when the object is valid
  std::vector<std::string> unknown_fields;  // dropped (kIgnore, kWarn) paths, e.g. "spec.foo"
  const KindInfo* kind = nullptr;

  bool ok() const { return errors.empty(); }
  // Warning texts for kWarn: `unknown field "spec.foo"`.
  std::vector<std::string> warnings() const;
};

// Errors (as a failed Result) are for objects that cannot be admitted at all: not an object, no or unknown
// apiVersion/kind (kBadRequest / kNotFound), and, under kStrict, unknown fields (kBadRequest, with the API
// server's text: `ModelServing in version "v1alpha1" cannot be handled as a ModelServing: strict decoding error:
// unknown field "spec.foo"`). Invalid objects are a successful Result whose `errors` say why.
Result<Admitted> admit(const KindRegistry& registry, Json object, const Json* old_object,
                       const AdmissionOptions& options = {});

// Applies schema defaults and the mutating webhook only (what a controller does to an object it builds).
Result<Json> default_object(const KindRegistry& registry, Json object);

}  // namespace kthena::api
