// intstr.IntOrString: a field that holds either an int32 or a string, and the percent scaling that rollout and
// autoscaling fields use (intstr.GetScaledValueFromIntOrPercent).
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

class IntOrString {
 public:
  IntOrString() : value_(int32_t{0}) {}
  IntOrString(int32_t v) : value_(v) {}                 // NOLINT: implicit like Go's intstr.FromInt32
  IntOrString(std::string s) : value_(std::move(s)) {}  // NOLINT

  // From a JSON value: an integer within int32, or a string. Anything else is an error naming the type found.
  static Result<IntOrString> from_json(const Json& v);
  Json to_json() const;

  bool is_int() const { return std::holds_alternative<int32_t>(value_); }
  int32_t int_value() const { return is_int() ? std::get<int32_t>(value_) : 0; }
  const std::string& str_value() const;

  // GetScaledValueFromIntOrPercent(this, total, round_up): an int is returned as is; "N%" gives
  // ceil/floor(N * total / 100) computed in float64 as Go does. A string without '%' and a non-integer percent
  // are errors with apimachinery's texts ("invalid value for IntOrString: invalid type: string is not a
  // percentage", "invalid value for IntOrString: invalid value \"x%\": strconv.Atoi: parsing \"x\": invalid
  // syntax").
  Result<int64_t> scaled_value(int64_t total, bool round_up) const;

  bool operator==(const IntOrString&) const = default;

 private:
  std::variant<int32_t, std::string> value_;
};

}  // namespace kthena::api
