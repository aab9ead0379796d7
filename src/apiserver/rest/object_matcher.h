// `?labelSelector=` and `?fieldSelector=` as one predicate over stored objects, for lists and watches. Field
// selectors accept the fields the real API server supports for the kinds we serve: metadata.name and
// metadata.namespace for every kind, plus spec.nodeName, status.phase and the other pod fields, and the event
// fields (involvedObject.*, reason, type, source) that `kubectl describe` uses.
#pragma once

#include <functional>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::apiserver {

using ObjectMatcher = std::function<bool(const Json&)>;

// An empty function when both selectors are empty (matches everything). kBadRequest with the real API server's
// message for a malformed selector or an unsupported field ("field label not supported: spec.foo").
Result<ObjectMatcher> make_object_matcher(std::string_view label_selector, std::string_view field_selector);

// The field value a field selector compares against: strings as they are, other scalars as JSON text, absent as "".
std::string field_value(const Json& object, std::string_view path);

}  // namespace kthena::apiserver
