#include "api/validation/int_or_percent.h"

#include <string>
#include <string_view>

#include "api/validation/json_view.h"

namespace kthena::api::validation {
namespace {

// apimachinery's IsValidPercent: "[0-9]+%".
bool is_valid_percent(std::string_view s) {
  if (s.size() < 2 || s.back() != '%') return false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace

FieldErrors validate_int_or_percent(const Json& value, const FieldPath& path) {
  FieldErrors errs;
  if (value.is_string()) {
    std::string_view s = value.get_ref<const std::string&>();
    if (!is_valid_percent(s)) {
      errs.push_back(invalid(path, value,
                             "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  "
                             "or '93%', regex used for validation is '[0-9]+%')"));
      return errs;
    }
    // At most 100, so anything longer than three digits (after leading zeros) is out of range.
    std::string_view digits = s.substr(0, s.size() - 1);
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    if (digits.size() > 3 || std::stoi(std::string(digits)) > 100) {
      errs.push_back(invalid(path, value, "must be a valid percent value (0-100)"));
    }
    return errs;
  }
  if (auto i = integer(&value)) {
    if (*i < 0) errs.push_back(invalid(path, *i, "must be a non-negative integer"));
    return errs;
  }
  errs.push_back(invalid(path, value, "must be an int or percent"));
  return errs;
}

}  // namespace kthena::api::validation
