#include "api/types/go_duration.h"

#include <cstdint>
#include <limits>

#include <fmt/format.h>

namespace kthena::api {
namespace {

struct Unit {
  std::string_view name;
  uint64_t ns;
};

// Longest names first so that "ms" is not read as "m" followed by garbage.
constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

tl::unexpected<Error> bad(std::string_view text) {
  return fail(ErrorCode::kInvalid, fmt::format("time: invalid duration \"{}\"", text));
}

}  // namespace

Result<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad(text);
  constexpr uint64_t kMax = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(s[0] == '.' || (s[0] >= '0' && s[0] <= '9'))) return bad(text);
    uint64_t whole = 0;
    bool any_digit = false;
    while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      if (whole > (kMax - 9) / 10) return bad(text);
      whole = whole * 10 + static_cast<uint64_t>(s[0] - '0');
      s.remove_prefix(1);
      any_digit = true;
    }
    uint64_t frac = 0;
    double frac_scale = 1;
    if (!s.empty() && s[0] == '.') {
      s.remove_prefix(1);
      while (!s.empty() && s[0] >= '0' && s[0] <= '9') {
        // Digits past what a uint64 holds only refine below a nanosecond; Go drops them the same way.
        if (frac <= (kMax - 9) / 10) {
          frac = frac * 10 + static_cast<uint64_t>(s[0] - '0');
          frac_scale *= 10;
        }
        s.remove_prefix(1);
        any_digit = true;
      }
    }
    if (!any_digit) return bad(text);
    const Unit* unit = nullptr;
    for (const Unit& u : kUnits) {
      if (s.substr(0, u.name.size()) == u.name && (unit == nullptr || u.name.size() > unit->name.size())) unit = &u;
    }
    if (unit == nullptr) {
      if (s.empty()) return fail(ErrorCode::kInvalid, fmt::format("time: missing unit in duration \"{}\"", text));
      return fail(ErrorCode::kInvalid, fmt::format("time: unknown unit in duration \"{}\"", text));
    }
    s.remove_prefix(unit->name.size());
    if (whole > kMax / unit->ns) return bad(text);
    uint64_t value = whole * unit->ns;
    if (frac > 0)
      value += static_cast<uint64_t>(static_cast<double>(frac) * static_cast<double>(unit->ns) / frac_scale);
    if (value > kMax - total) return bad(text);
    total += value;
  }
  auto signed_total = static_cast<int64_t>(total);
  return std::chrono::nanoseconds(negative ? -signed_total : signed_total);
}

std::string format_go_duration(std::chrono::nanoseconds d) {
  int64_t n = d.count();
  if (n == 0) return "0s";
  std::string sign = n < 0 ? "-" : "";
  uint64_t u = n < 0 ? static_cast<uint64_t>(-(n + 1)) + 1 : static_cast<uint64_t>(n);
  auto fraction = [](uint64_t value, uint64_t scale) {
    std::string digits = fmt::format("{:0{}}", value % scale, std::to_string(scale).size() - 1);
    while (!digits.empty() && digits.back() == '0') digits.pop_back();
    return digits.empty() ? std::string() : "." + digits;
  };
  if (u < 1'000) return fmt::format("{}{}ns", sign, u);
  if (u < 1'000'000) return fmt::format("{}{}{}\xC2\xB5s", sign, u / 1'000, fraction(u, 1'000));
  if (u < 1'000'000'000) return fmt::format("{}{}{}ms", sign, u / 1'000'000, fraction(u, 1'000'000));
  std::string out = sign;
  uint64_t seconds = u / 1'000'000'000;
  std::string sec_text = fmt::format("{}{}s", seconds % 60, fraction(u, 1'000'000'000));
  if (seconds >= 3600)
    out += fmt::format("{}h{}m", seconds / 3600, (seconds / 60) % 60);
  else if (seconds >= 60)
    out += fmt::format("{}m", seconds / 60);
  return out + sec_text;
}

}  // namespace kthena::api
