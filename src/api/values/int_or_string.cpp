#include "api/values/int_or_string.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "api/field_error.h"

namespace kthena::api {
namespace {

// strconv.Atoi: optional sign, decimal digits, within int64.
Result<int64_t> go_atoi(std::string_view s) {
  auto syntax = [&] {
    return fail(ErrorCode::kInvalid, fmt::format("strconv.Atoi: parsing {}: invalid syntax", go_quote(s)));
  };
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return syntax();
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return syntax();
    v = v * 10 + static_cast<uint64_t>(c - '0');
    if (v > uint64_t{1} << 63) {
      return fail(ErrorCode::kInvalid, fmt::format("strconv.Atoi: parsing {}: value out of range", go_quote(s)));
    }
  }
  if (!negative && v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return fail(ErrorCode::kInvalid, fmt::format("strconv.Atoi: parsing {}: value out of range", go_quote(s)));
  }
  return negative ? static_cast<int64_t>(0 - v) : static_cast<int64_t>(v);
}

}  // namespace

Result<IntOrString> IntOrString::from_json(const Json& v) {
  if (v.is_string()) return IntOrString(v.get<std::string>());
  if (v.is_number_integer()) {
    if (v.is_number_unsigned() ? v.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())
                               : v.get<int64_t>() > std::numeric_limits<int32_t>::max() ||
                                     v.get<int64_t>() < std::numeric_limits<int32_t>::min()) {
      return fail(ErrorCode::kInvalid, "integer out of the int32 range");
    }
    return IntOrString(static_cast<int32_t>(v.get<int64_t>()));
  }
  return fail(ErrorCode::kInvalid, fmt::format("must be an integer or a string, not {}", v.type_name()));
}

Json IntOrString::to_json() const {
  return is_int() ? Json(int_value()) : Json(str_value());
}

const std::string& IntOrString::str_value() const {
  static const std::string kEmpty;
  return is_int() ? kEmpty : std::get<std::string>(value_);
}

Result<int64_t> IntOrString::scaled_value(int64_t total, bool round_up) const {
  if (is_int()) return int_value();
  const std::string& s = str_value();
  if (!s.ends_with('%')) {
    return fail(ErrorCode::kInvalid, "invalid value for IntOrString: invalid type: string is not a percentage");
  }
  auto v = go_atoi(std::string_view(s).substr(0, s.size() - 1));
  if (!v) {
    return fail(ErrorCode::kInvalid,
                fmt::format("invalid value for IntOrString: invalid value {}: {}", go_quote(s), v.error().message));
  }
  double scaled = static_cast<double>(*v) * static_cast<double>(total) / 100;
  return static_cast<int64_t>(round_up ? std::ceil(scaled) : std::floor(scaled));
}

}  // namespace kthena::api
