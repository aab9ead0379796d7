#include "api/codec/scalar_resolver.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>

namespace kthena::api {
namespace {

bool one_of(std::string_view s, std::initializer_list<std::string_view> list) {
  for (std::string_view c : list) {
    if (s == c) return true;
  }
  return false;
}

// The go-yaml v2 resolve map: consulted only when the first character hints at one of its entries.
std::optional<Json> lookup_special(std::string_view s) {
  if (one_of(s, {"y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"})) return Json(true);
  if (one_of(s, {"n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"})) return Json(false);
  if (one_of(s, {"~", "null", "Null", "NULL"})) return Json(nullptr);
  if (one_of(s, {".nan", ".NaN", ".NAN"})) return Json(std::numeric_limits<double>::quiet_NaN());
  if (one_of(s, {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"})) {
    return Json(std::numeric_limits<double>::infinity());
  }
  if (one_of(s, {"-.inf", "-.Inf", "-.INF"})) return Json(-std::numeric_limits<double>::infinity());
  return std::nullopt;
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// strconv.ParseUint(s, base, 64) on an unsigned digit string with the prefix already removed.
std::optional<uint64_t> parse_digits(std::string_view s, int base) {
  if (s.empty()) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    int d = digit_value(c);
    if (d >= base) return std::nullopt;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      return std::nullopt;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  return v;
}

// strconv.ParseUint(s, 0, 64): base from the prefix.
std::optional<uint64_t> parse_base0(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0') {
    char p = s[1];
    if (p == 'x' || p == 'X') return parse_digits(s.substr(2), 16);
    if (p == 'b' || p == 'B') return parse_digits(s.substr(2), 2);
    if (p == 'o' || p == 'O') return parse_digits(s.substr(2), 8);
    return parse_digits(s.substr(1), 8);
  }
  return parse_digits(s, 10);
}

// ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$
bool yaml_style_float(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - start;
  };
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (digits() == 0) return false;
  } else {
    if (digits() == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

std::optional<Json> resolve_number(std::string_view in) {
  std::string plain;
  plain.reserve(in.size());
  for (char c : in) {
    if (c != '_') plain.push_back(c);
  }
  std::string_view s = plain;
  bool negative = false;
  std::string_view unsigned_part = s;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    unsigned_part = s.substr(1);
  }
  if (auto magnitude = parse_base0(unsigned_part)) {
    constexpr uint64_t kMaxInt = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    if (!negative && *magnitude <= kMaxInt) return Json(static_cast<int64_t>(*magnitude));
    if (negative && *magnitude <= kMaxInt + 1) {
      return Json(*magnitude == kMaxInt + 1 ? std::numeric_limits<int64_t>::min() : -static_cast<int64_t>(*magnitude));
    }
    // ParseUint accepts no sign at all.
    if (!negative && s[0] != '+') return Json(*magnitude);
  }
  if (yaml_style_float(s)) {
    errno = 0;
    char* end = nullptr;
    double v = std::strtod(plain.c_str(), &end);
    // strconv.ParseFloat reports a range error for overflow, and go-yaml then keeps the text as a string.
    if (errno == ERANGE && std::isinf(v)) return std::nullopt;
    return Json(v);
  }
  return std::nullopt;
}

}  // namespace

Json resolve_plain_scalar(std::string_view text) {
  if (text.empty()) return Json(nullptr);
  char first = text[0];
  bool digit = first >= '0' && first <= '9';
  bool sign = first == '+' || first == '-';
  bool special = std::string_view("yYnNtTfFoO~").find(first) != std::string_view::npos;
  if (digit || sign || special || first == '.') {
    if (auto v = lookup_special(text)) return *v;
  }
  if (digit || sign || first == '.') {
    if (auto v = resolve_number(text)) return *v;
  }
  return Json(std::string(text));
}

namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// go-yaml v2 timestamp layouts all start with YYYY-M-D.
bool looks_like_timestamp(std::string_view s) {
  size_t i = 0;
  auto digits = [&](size_t min, size_t max) {
    size_t start = i;
    while (i < s.size() && is_digit(s[i]) && i - start < max) ++i;
    return i - start >= min;
  };
  if (!digits(4, 4) || i >= s.size() || s[i++] != '-') return false;
  if (!digits(1, 2) || i >= s.size() || s[i++] != '-') return false;
  if (!digits(1, 2)) return false;
  return i == s.size() || s[i] == 'T' || s[i] == 't' || s[i] == ' ';
}

// ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$
bool is_base60_float(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  if (i >= s.size() || !is_digit(s[i])) return false;
  while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
  int groups = 0;
  while (i < s.size() && s[i] == ':') {
    ++i;
    if (i + 1 < s.size() && s[i] >= '0' && s[i] <= '5' && is_digit(s[i + 1])) {
      i += 2;
    } else if (i < s.size() && is_digit(s[i])) {
      ++i;
    } else {
      return false;
    }
    ++groups;
  }
  if (groups == 0) return false;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && (is_digit(s[i]) || s[i] == '_')) ++i;
  }
  return i == s.size();
}

}  // namespace

bool plain_reads_as_string(std::string_view text) {
  if (text == "<<" || !resolve_plain_scalar(text).is_string()) return false;
  return !looks_like_timestamp(text) && !is_base60_float(text);
}

}  // namespace kthena::api
