// The admission rules that upstream Kthena enforces in its validating and mutating webhooks (spec
// kthena-workload.md §1.3-1.5, kthena-router.md §1.4), beyond what the schema says. Admission runs them after
// pruning, defaulting and schema validation; `kthena validate` and the controllers run the same functions.
#pragma once

#include <string_view>

#include "api/field_error.h"
#include "api/json.h"

namespace kthena::api {

// Returns every error of `object` at once. `old_object` is the stored version on update, null on create.
using ValidateFn = FieldErrors (*)(const Json& object, const Json* old_object);

// Fills defaults that upstream applies in a mutating webhook rather than in the schema. Never fails: anything it
// cannot interpret is left for validation to report.
using MutateFn = void (*)(Json& object);

struct Webhooks {
  ValidateFn validate = nullptr;
  MutateFn mutate = nullptr;
};

// The webhooks of one kind, or empty ones for kinds that have none.
Webhooks find_webhooks(std::string_view group, std::string_view kind);

}  // namespace kthena::api
