// resource.Quantity with apimachinery's semantics: the same grammar, suffixes, rounding (up to the nano),
// BinarySI cap, canonical form and comparison. Values are exact decimals (no int64 or double in between), so
// "0.1" + ... never drifts and comparisons of "1Gi" and "1073741824" are exact.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "api/json.h"
#include "common/result.h"

namespace kthena::api {

class Quantity {
 public:
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent };

  Quantity() = default;  // zero, DecimalSI

  // resource.ParseQuantity. Errors carry apimachinery's texts ("quantities must match the regular expression
  // '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'", "unable to parse quantity's suffix", ...).
  static Result<Quantity> parse(std::string_view text);
  // A Quantity as a manifest holds it: a string, or a JSON number (int-or-string schemas allow both, and
  // Quantity.UnmarshalJSON reads numbers by their text).
  static Result<Quantity> from_json(const Json& value);
  static Quantity from_int64(int64_t value, Format format = Format::kDecimalSI);
  static Quantity from_milli(int64_t milli);

  // What Quantity.String() prints: the input itself when apimachinery's parser kept it as already canonical
  // ("100m", "1Ki", and also quirks such as "+1" or "1E3"), else canonical().
  std::string to_string() const;
  // The canonical form (CanonicalizeBytes): "1536Mi" for "1.5Gi", "500m" for "0.5", "1" for "1000m".
  std::string canonical() const;

  Format format() const { return format_; }
  bool is_zero() const { return digits_.empty(); }
  int sign() const { return digits_.empty() ? 0 : negative_ ? -1 : 1; }

  // Value() and MilliValue(): rounded up (away from zero) to an integer number of units / milli-units,
  // saturating at the int64 range.
  int64_t value() const { return scaled_value(0); }
  int64_t milli_value() const { return scaled_value(-3); }
  int64_t scaled_value(int scale) const;
  // AsApproximateFloat64.
  double as_double() const;

  // Quantity.Add: the exact sum, printed canonically afterwards. The format stays this one's, unless this one is
  // zero, which takes `other`'s (so a sum started from zero prints like its first term). Operands more than kMaxAddGap
  // decimal orders apart keep only the larger: apimachinery would build a number with that many digits, and no resource
  // is that precise.
  void add(const Quantity& other);
  // Quantity.Mul: the exact product, printed canonically afterwards, the format kept.
  void mul(int64_t factor);
  static constexpr int32_t kMaxAddGap = 4096;

  int compare(const Quantity& other) const;
  std::strong_ordering operator<=>(const Quantity& other) const { return compare(other) <=> 0; }
  bool operator==(const Quantity& other) const { return compare(other) == 0; }

 private:
  // value = (negative_ ? -1 : 1) * digits_ * 10^exponent_, digits_ without leading or trailing zeros.
  bool negative_ = false;
  std::string digits_;
  int32_t exponent_ = 0;
  Format format_ = Format::kDecimalSI;
  std::string cached_;  // apimachinery's `s`: the input when it is canonical enough to print verbatim

  void normalize();
};

}  // namespace kthena::api
