// What the API server does with Secrets and ConfigMaps beyond their schema, as kube-apiserver's registry does:
// a Secret's write-only `stringData` is merged into `data` (base64) on every write and never stored, so everything
// that reads `.data` (an `envFrom`, a token) sees it; and an object marked `immutable: true` keeps its data, and
// stays immutable, for the rest of its life.
#pragma once

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

// stringData's keys into data (overriding data's value of the same key), then stringData removed.
void merge_secret_string_data(Json& secret);

// On update of an immutable Secret: data, immutable and type unchanged; type is immutable anyway.
FieldErrors validate_secret(const Json& secret, const Json* old_secret);
// On update of an immutable ConfigMap: data, binaryData and immutable unchanged.
FieldErrors validate_config_map(const Json& config_map, const Json* old_config_map);

}  // namespace kthena::api
