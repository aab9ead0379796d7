#include "controllers/modelbooster/go_format.h"

#include "api/codec/yaml_encoder.h"

namespace kthena::controllers::modelbooster {
std::string go_format_number(const Json& value, bool as_float64) {
  if (value.is_number_float()) return api::format_go_float(value.get<double>());
  if (as_float64) {
    return api::format_go_float(value.is_number_unsigned() ? static_cast<double>(value.get<uint64_t>())
                                                           : static_cast<double>(value.get<int64_t>()));
  }
  return value.is_number_unsigned() ? std::to_string(value.get<uint64_t>()) : std::to_string(value.get<int64_t>());
}

bool go_parse_bool(const std::string& text, bool& out) {
  if (text == "1" || text == "t" || text == "T" || text == "TRUE" || text == "true" || text == "True") {
    out = true;
    return true;
  }
  if (text == "0" || text == "f" || text == "F" || text == "FALSE" || text == "false" || text == "False") {
    out = false;
    return true;
  }
  return false;
}

}  // namespace kthena::controllers::modelbooster
