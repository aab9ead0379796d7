// The ExternalModelProvider validating webhook that upstream runs in the router (spec kthena-router.md §1.4).
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

FieldErrors validate_external_model_provider(const Json& object, const Json* old_object);

// Header names a provider may not set statically (case-insensitive): credentials, hop-by-hop and framing headers.
// The router refuses them at request time too.
bool is_reserved_provider_header(std::string_view name);

}  // namespace kthena::api
