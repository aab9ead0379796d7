// How Go's encoding/json and fmt see a JSON value, for rules whose upstream messages embed them: the type names of
// %T ("float64"), the kinds in unmarshal errors ("json: cannot unmarshal string into Go value of type ..."), and
// fmt.Sprint's rendering of a decoded value ("9000", "1e+06", "<nil>").
#pragma once

#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::api::validation {

// %T of the value encoding/json decodes `v` into (interface{} target).
std::string go_type_name(const Json& v);

// fmt.Sprint of that value.
std::string go_sprint(const Json& v);

// json.Unmarshal(text, &map[string]interface{}): the object, or Go's error text. A JSON null decodes to an empty
// object, as it does into a Go map.
Result<Json> go_unmarshal_object(std::string_view text);

// The same for an already-decoded value: fails unless it is an object or null.
Result<Json> go_as_object(const Json& v);

}  // namespace kthena::api::validation
