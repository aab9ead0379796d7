// The ModelServer validating webhook that upstream runs in the router (spec kthena-router.md §1.4), and a
// mutating default that lets v0.2.0 manifests omit spec.workloadPort.
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

FieldErrors validate_model_server(const Json& object, const Json* old_object);

// v0.2.0 allowed a ModelServer without workloadPort (its router then dialled port 0). Fill in the engine's own
// default serving port instead: 8000 for vLLM, 30000 for SGLang.
void default_model_server(Json& object);

}  // namespace kthena::api
