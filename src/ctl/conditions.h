// Reading status.conditions of any object, tolerant of what a server or a user wrote (a missing list, a condition
// without a status): what the CLI's STATUS columns, waits and progress lines are computed from.
#pragma once

#include <string>
#include <string_view>

#include "api/json.h"

namespace kthena::ctl {

// The condition of `type` in object.status.conditions, or null when there is none.
const Json& find_condition(const Json& object, std::string_view type);
// Its status ("True", "False", "Unknown"), or "" when absent.
std::string condition_status(const Json& object, std::string_view type);
// True when the condition is present with status "True".
bool condition_true(const Json& object, std::string_view type);
// Its message, or "".
std::string condition_message(const Json& object, std::string_view type);

}  // namespace kthena::ctl
