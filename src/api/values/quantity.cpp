#include "api/values/quantity.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <vector>

namespace kthena::api {
namespace {

constexpr std::string_view kErrFormatWrong =
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
constexpr std::string_view kErrNumeric = "unable to parse numeric part of quantity";
constexpr std::string_view kErrSuffix = "unable to parse quantity's suffix";
constexpr int kNano = -9;
constexpr std::string_view kMaxInt64 = "9223372036854775807";

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

std::string strip_leading_zeros(std::string s) {
  size_t i = 0;
  while (i < s.size() && s[i] == '0') ++i;
  return s.substr(i);
}

// digits * m, for a small m.
std::string multiply_small(const std::string& digits, uint32_t m) {
  std::string out(digits.size() + 12, '0');
  uint64_t carry = 0;
  size_t pos = out.size();
  for (size_t i = digits.size(); i-- > 0;) {
    uint64_t v = static_cast<uint64_t>(digits[i] - '0') * m + carry;
    out[--pos] = static_cast<char>('0' + v % 10);
    carry = v / 10;
  }
  while (carry) {
    out[--pos] = static_cast<char>('0' + carry % 10);
    carry /= 10;
  }
  return strip_leading_zeros(out.substr(pos));
}

// (digits / d, digits % d).
std::pair<std::string, uint32_t> divide_small(const std::string& digits, uint32_t d) {
  std::string q;
  uint64_t r = 0;
  for (char c : digits) {
    r = r * 10 + static_cast<uint64_t>(c - '0');
    q.push_back(static_cast<char>('0' + r / d));
    r %= d;
  }
  return {strip_leading_zeros(q), static_cast<uint32_t>(r)};
}

// Compares magnitudes of two non-negative integers written without leading zeros.
int compare_integers(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

// digits + 1, on a decimal digit string.
std::string increment(std::string digits) {
  for (size_t i = digits.size(); i-- > 0;) {
    if (digits[i] != '9') {
      ++digits[i];
      return digits;
    }
    digits[i] = '0';
  }
  return "1" + digits;
}

// a + b, on decimal digit strings.
std::string add_integers(const std::string& a, const std::string& b) {
  std::string out;
  out.reserve(std::max(a.size(), b.size()) + 1);
  int carry = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) || carry; ++i) {
    int v = carry;
    if (i < a.size()) v += a[a.size() - 1 - i] - '0';
    if (i < b.size()) v += b[b.size() - 1 - i] - '0';
    out.push_back(static_cast<char>('0' + v % 10));
    carry = v / 10;
  }
  return strip_leading_zeros(std::string(out.rbegin(), out.rend()));
}

// a - b, on decimal digit strings with a >= b.
std::string subtract_integers(const std::string& a, const std::string& b) {
  std::string out(a);
  int borrow = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    int v = (a[a.size() - 1 - i] - '0') - borrow - (i < b.size() ? b[b.size() - 1 - i] - '0' : 0);
    borrow = v < 0;
    out[a.size() - 1 - i] = static_cast<char>('0' + (v + 10) % 10);
  }
  return strip_leading_zeros(out);
}

// a * b, on decimal digit strings.
std::string multiply_integers(const std::string& a, const std::string& b) {
  std::vector<int> acc(a.size() + b.size(), 0);
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) acc[i + j + 1] += (a[i] - '0') * (b[j] - '0');
  }
  for (size_t k = acc.size(); k-- > 1;) {
    acc[k - 1] += acc[k] / 10;
    acc[k] %= 10;
  }
  std::string out;
  for (int d : acc) out.push_back(static_cast<char>('0' + d));
  return strip_leading_zeros(out);
}

struct Suffix {
  int base;
  int32_t exponent;
  Quantity::Format format;
};

// quantitySuffixer.interpret.
std::optional<Suffix> interpret(std::string_view s) {
  using F = Quantity::Format;
  static constexpr std::pair<std::string_view, int32_t> kDecimal[] = {
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0}, {"k", 3}, {"M", 6}, {"G", 9}, {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int32_t> kBinary[] = {{"Ki", 10}, {"Mi", 20}, {"Gi", 30},
                                                                     {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (auto [name, exp] : kDecimal) {
    if (s == name) return Suffix{10, exp, F::kDecimalSI};
  }
  for (auto [name, exp] : kBinary) {
    if (s == name) return Suffix{2, exp, F::kBinarySI};
  }
  if (s.size() > 1 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view rest = s.substr(1);
    bool negative = false;
    if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
      negative = rest[0] == '-';
      rest.remove_prefix(1);
    }
    if (rest.empty()) return std::nullopt;
    int64_t v = 0;
    for (char c : rest) {
      if (!is_digit(c)) return std::nullopt;
      v = v * 10 + (c - '0');
      if (v > std::numeric_limits<int32_t>::max() + int64_t{1}) return std::nullopt;
    }
    if (negative) v = -v;
    if (v > std::numeric_limits<int32_t>::max() || v < std::numeric_limits<int32_t>::min()) return std::nullopt;
    return Suffix{10, static_cast<int32_t>(v), F::kDecimalExponent};
  }
  return std::nullopt;
}

struct Parts {
  bool positive = true;
  std::string num;    // integer digits, leading zeros stripped, "0" when none
  std::string denom;  // fraction digits
  std::string suffix;
  bool any_digit = false;
};

// resource.parseQuantityString, step by step.
std::optional<Parts> split(std::string_view str) {
  Parts p;
  size_t pos = 0, end = str.size();
  if (pos < end && (str[0] == '-' || str[0] == '+')) {
    p.positive = str[0] != '-';
    ++pos;
  }
  while (pos < end && str[pos] == '0') {
    ++pos;
    p.any_digit = true;
  }
  if (pos >= end) {
    p.num = "0";
    return p;
  }
  size_t start = pos;
  while (pos < end && is_digit(str[pos])) ++pos;
  p.num = std::string(str.substr(start, pos - start));
  p.any_digit = p.any_digit || !p.num.empty();
  if (p.num.empty()) p.num = "0";
  if (pos >= end) return p;
  if (str[pos] == '.') {
    ++pos;
    start = pos;
    while (pos < end && is_digit(str[pos])) ++pos;
    p.denom = std::string(str.substr(start, pos - start));
    p.any_digit = p.any_digit || !p.denom.empty();
    if (pos >= end) return p;
  }
  size_t suffix_start = pos;
  while (pos < end && std::string_view("eEinumkKMGTP").find(str[pos]) != std::string_view::npos) ++pos;
  if (pos < end && (str[pos] == '-' || str[pos] == '+')) ++pos;
  while (pos < end && is_digit(str[pos])) ++pos;
  if (pos < end) return std::nullopt;
  p.suffix = std::string(str.substr(suffix_start));
  return p;
}

}  // namespace

void Quantity::normalize() {
  digits_ = strip_leading_zeros(std::move(digits_));
  size_t trailing = 0;
  while (trailing < digits_.size() && digits_[digits_.size() - 1 - trailing] == '0') ++trailing;
  digits_.resize(digits_.size() - trailing);
  exponent_ += static_cast<int32_t>(trailing);
  if (digits_.empty()) {
    exponent_ = 0;
    negative_ = false;
  }
}

Result<Quantity> Quantity::parse(std::string_view str) {
  if (str.empty()) return fail(ErrorCode::kInvalid, std::string(kErrFormatWrong));
  Quantity q;
  if (str == "0") {
    q.cached_ = "0";
    return q;
  }
  auto parts = split(str);
  if (!parts) return fail(ErrorCode::kInvalid, std::string(kErrFormatWrong));
  auto suffix = interpret(parts->suffix);
  if (!suffix) return fail(ErrorCode::kInvalid, std::string(kErrSuffix));
  q.format_ = suffix->format;
  q.negative_ = !parts->positive;

  // The fast path of ParseQuantity decides whether the input is kept as the printed form.
  int precision = 0;
  int64_t scale = 0;
  uint64_t mantissa = 1;
  if (suffix->format == Format::kBinarySI) {
    if (suffix->exponent >= 0 && parts->denom.empty()) {
      mantissa = uint64_t{1} << suffix->exponent;
      precision = 15 - static_cast<int>(parts->num.size()) -
                  static_cast<int>(static_cast<float>(suffix->exponent) * 3 / 10) - 1;
    } else {
      precision = -1;
    }
  } else {
    scale = suffix->exponent;
    precision = 18 - static_cast<int>(parts->num.size() + parts->denom.size());
  }
  bool fast = false;
  if (precision >= 0) {
    scale -= static_cast<int64_t>(parts->denom.size());
    if (scale >= kNano) {
      std::string shifted = parts->num + parts->denom;
      uint64_t value = std::stoull(shifted);
      if (value == 0 || mantissa <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) / value) {
        fast = true;
        bool canonical = suffix->format == Format::kBinarySI
                             ? suffix->exponent % 10 == 0 && (value & 0x07) != 0
                             : scale % 3 == 0 && !shifted.ends_with("000") && shifted[0] != '0';
        if (canonical) q.cached_ = std::string(str);
      }
    }
  }
  if (!fast && !parts->any_digit) return fail(ErrorCode::kInvalid, std::string(kErrNumeric));

  q.digits_ = parts->num + parts->denom;
  q.exponent_ = -static_cast<int32_t>(parts->denom.size());
  if (suffix->base == 10) {
    int64_t e = int64_t{q.exponent_} + suffix->exponent;
    if (e > std::numeric_limits<int32_t>::max() / 2 || e < std::numeric_limits<int32_t>::min() / 2) {
      return fail(ErrorCode::kInvalid, std::string(kErrSuffix));
    }
    q.exponent_ = static_cast<int32_t>(e);
  } else {
    for (int32_t i = 0; i < suffix->exponent; i += 10) q.digits_ = multiply_small(q.digits_, 1024);
  }
  q.normalize();
  if (fast) return q;

  // Slow path: round non-zero values up to the nano, cap BinarySI at 2^63-1.
  if (!q.digits_.empty() && q.exponent_ < kNano) {
    int64_t keep = static_cast<int64_t>(q.digits_.size()) + q.exponent_ - kNano;
    q.digits_ = keep <= 0 ? "1" : increment(q.digits_.substr(0, static_cast<size_t>(keep)));
    q.exponent_ = kNano;
    q.normalize();
  }
  if (q.format_ == Format::kBinarySI) {
    Quantity max = from_int64(std::numeric_limits<int64_t>::max());
    Quantity magnitude = q;
    magnitude.negative_ = false;
    if (magnitude.compare(max) > 0) {
      q.digits_ = std::string(kMaxInt64);
      q.exponent_ = 0;
    }
    if (q.exponent_ < 0 && static_cast<int64_t>(q.digits_.size()) + q.exponent_ <= 0) {
      q.format_ = Format::kDecimalSI;  // 0 < |q| < 1
    }
  }
  return q;
}

Result<Quantity> Quantity::from_json(const Json& value) {
  if (value.is_string()) return parse(value.get_ref<const std::string&>());
  if (value.is_number_integer()) return parse(value.dump());
  if (value.is_number_float()) {
    double d = value.get<double>();
    if (!std::isfinite(d)) return fail(ErrorCode::kInvalid, std::string(kErrFormatWrong));
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), d);
    return parse(std::string_view(buf, static_cast<size_t>(end - buf)));
  }
  return fail(ErrorCode::kInvalid, fmt::format("a quantity must be a string or a number, not {}", value.type_name()));
}

Quantity Quantity::from_int64(int64_t value, Format format) {
  Quantity q;
  q.format_ = format;
  q.negative_ = value < 0;
  uint64_t magnitude = value < 0 ? 0 - static_cast<uint64_t>(value) : static_cast<uint64_t>(value);
  q.digits_ = std::to_string(magnitude);
  q.normalize();
  return q;
}

Quantity Quantity::from_milli(int64_t milli) {
  Quantity q = from_int64(milli);
  if (!q.digits_.empty()) q.exponent_ -= 3;
  q.normalize();
  return q;
}

std::string Quantity::to_string() const {
  return cached_.empty() ? canonical() : cached_;
}

std::string Quantity::canonical() const {
  if (digits_.empty()) return "0";
  Format format = format_;
  if (format == Format::kBinarySI) {
    // -1024 < q < 1024 or a fraction: DecimalSI, so that nothing is rounded.
    Quantity magnitude = *this;
    magnitude.negative_ = false;
    if (magnitude.compare(from_int64(1024)) < 0 || exponent_ < 0) format = Format::kDecimalSI;
  }
  std::string sign = negative_ ? "-" : "";
  if (format == Format::kBinarySI) {
    std::string integer = digits_ + std::string(static_cast<size_t>(exponent_), '0');
    int k = 0;
    while (k < 6) {
      auto [q, r] = divide_small(integer, 1024);
      if (r != 0) break;
      integer = q;
      ++k;
    }
    static constexpr std::string_view kNames[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return sign + integer + std::string(kNames[k]);
  }
  std::string digits = digits_;
  int32_t exp = exponent_;
  switch (exp % 3) {
    case 1:
    case -2:
      digits += "0";
      exp -= 1;
      break;
    case 2:
    case -1:
      digits += "00";
      exp -= 2;
      break;
  }
  if (format == Format::kDecimalExponent) return sign + digits + (exp == 0 ? "" : fmt::format("e{}", exp));
  static constexpr std::pair<int32_t, std::string_view> kNames[] = {
      {-9, "n"}, {-6, "u"}, {-3, "m"}, {0, ""}, {3, "k"}, {6, "M"}, {9, "G"}, {12, "T"}, {15, "P"}, {18, "E"}};
  for (auto [e, name] : kNames) {
    if (e == exp) return sign + digits + std::string(name);
  }
  // Beyond Exa apimachinery has no SI suffix (and prints a wrong value); the exponent form keeps the value.
  return sign + digits + fmt::format("e{}", exp);
}

int64_t Quantity::scaled_value(int scale) const {
  if (digits_.empty()) return 0;
  int64_t shift = int64_t{exponent_} - scale;
  std::string integer;
  if (shift >= 0) {
    if (static_cast<int64_t>(digits_.size()) + shift > 19) {
      return negative_ ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
    }
    integer = digits_ + std::string(static_cast<size_t>(shift), '0');
  } else {
    int64_t keep = static_cast<int64_t>(digits_.size()) + shift;
    integer = increment(keep <= 0 ? "0" : digits_.substr(0, static_cast<size_t>(keep)));  // round away from zero
  }
  integer = strip_leading_zeros(integer);
  if (compare_integers(integer, std::string(kMaxInt64)) > 0) {
    return negative_ ? std::numeric_limits<int64_t>::min() : std::numeric_limits<int64_t>::max();
  }
  int64_t v = std::stoll(integer);
  return negative_ ? -v : v;
}

double Quantity::as_double() const {
  if (digits_.empty()) return 0;
  double v = std::strtod(fmt::format("{}{}e{}", negative_ ? "-" : "", digits_, exponent_).c_str(), nullptr);
  return v;
}

void Quantity::add(const Quantity& other) {
  cached_.clear();
  if (is_zero()) format_ = other.format_;
  if (other.is_zero()) return;
  if (is_zero()) {
    negative_ = other.negative_;
    digits_ = other.digits_;
    exponent_ = other.exponent_;
    return;
  }
  int64_t gap = int64_t{exponent_} - other.exponent_;
  int64_t order_gap =
      static_cast<int64_t>(digits_.size()) + exponent_ - (static_cast<int64_t>(other.digits_.size()) + other.exponent_);
  if (order_gap > kMaxAddGap) return;
  if (-order_gap > kMaxAddGap) {
    negative_ = other.negative_;
    digits_ = other.digits_;
    exponent_ = other.exponent_;
    return;
  }
  // Bounded by the check above: the alignment appends fewer zeros than kMaxAddGap plus the digits' length.
  std::string a = digits_, b = other.digits_;
  if (gap > 0) a += std::string(static_cast<size_t>(gap), '0');
  if (gap < 0) b += std::string(static_cast<size_t>(-gap), '0');
  exponent_ = std::min(exponent_, other.exponent_);
  if (negative_ == other.negative_) {
    digits_ = add_integers(a, b);
  } else {
    int order = compare_integers(a, b);
    if (order >= 0) {
      digits_ = subtract_integers(a, b);
    } else {
      digits_ = subtract_integers(b, a);
      negative_ = other.negative_;
    }
  }
  normalize();
}

void Quantity::mul(int64_t factor) {
  cached_.clear();
  if (factor == 0 || digits_.empty()) {
    digits_.clear();
    normalize();
    return;
  }
  uint64_t magnitude = factor < 0 ? 0 - static_cast<uint64_t>(factor) : static_cast<uint64_t>(factor);
  digits_ = multiply_integers(digits_, std::to_string(magnitude));
  negative_ = negative_ != (factor < 0);
  normalize();
}

int Quantity::compare(const Quantity& other) const {
  if (sign() != other.sign()) return sign() < other.sign() ? -1 : 1;
  if (sign() == 0) return 0;
  int64_t order_a = static_cast<int64_t>(digits_.size()) + exponent_;
  int64_t order_b = static_cast<int64_t>(other.digits_.size()) + other.exponent_;
  int magnitude;
  if (order_a != order_b) {
    magnitude = order_a < order_b ? -1 : 1;
  } else {
    size_t n = std::max(digits_.size(), other.digits_.size());
    std::string a = digits_ + std::string(n - digits_.size(), '0');
    std::string b = other.digits_ + std::string(n - other.digits_.size(), '0');
    magnitude = a < b ? -1 : a > b ? 1 : 0;
  }
  return negative_ ? -magnitude : magnitude;
}

}  // namespace kthena::api
