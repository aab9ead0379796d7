#include "api/validation/go_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

namespace kthena::api::validation {
namespace {

// The kind encoding/json names in an UnmarshalTypeError.
std::string_view json_kind(const Json& v) {
  if (v.is_string()) return "string";
  if (v.is_number()) return "number";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "array";
  return "object";
}

// strconv.FormatFloat(f, 'g', -1, 64), which fmt.Sprint uses for a float64.
std::string go_format_float(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  if (d == 0) return std::signbit(d) ? "-0" : "0";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // shortest round-trip digits: "-1.2345e+03"
  bool negative = sci[0] == '-';
  size_t e = sci.find('e');
  std::string mantissa = sci.substr(negative ? 1 : 0, e - (negative ? 1 : 0));
  int exp = std::atoi(sci.c_str() + e + 1);
  std::string digits;
  for (char c : mantissa) {
    if (c != '.') digits.push_back(c);
  }
  int nd = static_cast<int>(digits.size());
  int dp = exp + 1;  // position of the decimal point relative to the digits
  int eprec = 6;
  if (eprec > nd && nd >= dp) eprec = nd;
  std::string out = negative ? "-" : "";
  if (exp < -4 || exp >= eprec) {
    out += digits.substr(0, 1);
    if (nd > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
    return out;
  }
  if (dp <= 0) return out + "0." + std::string(static_cast<size_t>(-dp), '0') + digits;
  if (dp >= nd) return out + digits + std::string(static_cast<size_t>(dp - nd), '0');
  return out + digits.substr(0, static_cast<size_t>(dp)) + "." + digits.substr(static_cast<size_t>(dp));
}

}  // namespace

std::string go_type_name(const Json& v) {
  if (v.is_null()) return "<nil>";
  if (v.is_string()) return "string";
  if (v.is_number()) return "float64";
  if (v.is_boolean()) return "bool";
  if (v.is_array()) return "[]interface {}";
  return "map[string]interface {}";
}

std::string go_sprint(const Json& v) {
  if (v.is_null()) return "<nil>";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return go_format_float(v.get<double>());
  return v.dump();
}

Result<Json> go_as_object(const Json& v) {
  if (v.is_null()) return Json::object();
  if (v.is_object()) return v;
  return fail(ErrorCode::kInvalid,
              fmt::format("json: cannot unmarshal {} into Go value of type map[string]interface {{}}", json_kind(v)));
}

Result<Json> go_unmarshal_object(std::string_view text) {
  // Parse through SAX so that a syntax error reports where it is without throwing.
  struct Catcher : nlohmann::json_sax<Json> {
    size_t error_at = std::string_view::npos;
    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return true; }
    bool key(string_t&) override { return true; }
    bool end_object() override { return true; }
    bool start_array(std::size_t) override { return true; }
    bool end_array() override { return true; }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception&) override {
      error_at = position;
      return false;
    }
  } catcher;
  Json::sax_parse(text.begin(), text.end(), &catcher, nlohmann::detail::input_format_t::json, /*strict=*/true);
  if (catcher.error_at != std::string_view::npos) {
    // `position` counts characters read, so the offending one is at position - 1.
    size_t at = catcher.error_at == 0 ? 0 : catcher.error_at - 1;
    if (at >= text.size() || text.find_first_not_of(" \t\r\n", at) == std::string_view::npos) {
      return fail(ErrorCode::kInvalid, "unexpected end of JSON input");
    }
    std::string_view context =
        text.find_first_not_of(" \t\r\n") == at ? "looking for beginning of value" : "in JSON input";
    return fail(ErrorCode::kInvalid, fmt::format("invalid character '{}' {}", text[at], context));
  }
  return go_as_object(Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false));
}

}  // namespace kthena::api::validation
