#include "ctl/conditions.h"

#include "api/json_fields.h"

namespace kthena::ctl {

using api::lenient::member;
using api::lenient::str;

const Json& find_condition(const Json& object, std::string_view type) {
  const Json& conditions = member(member(object, "status"), "conditions");
  if (conditions.is_array()) {
    for (const Json& condition : conditions) {
      if (str(condition, "type") == type) return condition;
    }
  }
  return member(Json(), "");
}

std::string condition_status(const Json& object, std::string_view type) {
  return str(find_condition(object, type), "status");
}

bool condition_true(const Json& object, std::string_view type) {
  return condition_status(object, type) == "True";
}

std::string condition_message(const Json& object, std::string_view type) {
  return str(find_condition(object, type), "message");
}

}  // namespace kthena::ctl
