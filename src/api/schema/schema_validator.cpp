#include "api/schema/schema_validator.h"

#include <fmt/format.h>

#include <cmath>
#include <set>

#include "api/types/go_duration.h"
#include "api/values/rfc3339_time.h"

namespace kthena::api {
namespace {

std::string json_type(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "integer";
    case Json::value_t::number_float: {
      double d = v.get<double>();
      return std::isfinite(d) && d == std::floor(d) ? "integer" : "number";
    }
    case Json::value_t::string:
      return "string";
    case Json::value_t::array:
      return "array";
    case Json::value_t::object:
      return "object";
    default:
      return "unknown";
  }
}

bool has_type(const Json& v, const std::string& type) {
  std::string actual = json_type(v);
  if (type == "number") return actual == "number" || actual == "integer";
  return actual == type;
}

std::string in_body(const FieldPath& path) {
  return path.empty() ? "body" : path.str() + " in body";
}

size_t rune_count(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string format_number(double d) {
  if (d == std::floor(d) && std::fabs(d) < 1e15) return fmt::format("{}", static_cast<int64_t>(d));
  return fmt::format("{}", d);
}

bool is_base64(const std::string& s) {
  size_t n = s.size();
  if (n % 4 != 0) return false;
  for (size_t i = 0; i < n; ++i) {
    char c = s[i];
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' ||
              (c == '=' && (i >= n - 2) && (i == n - 1 || s[n - 1] == '='));
    if (!ok) return false;
  }
  return true;
}

bool is_ipv4(const std::string& s) {
  int parts = 0;
  size_t i = 0;
  while (i <= s.size()) {
    size_t dot = s.find('.', i);
    std::string part = s.substr(i, dot == std::string::npos ? std::string::npos : dot - i);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    for (char c : part) {
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    }
    if (std::stoi(part) > 255) return false;
    ++parts;
    if (dot == std::string::npos) break;
    i = dot + 1;
  }
  return parts == 4;
}

// Go's url.ParseRequestURI, roughly: an absolute URI with a scheme, or an absolute path.
bool is_request_uri(const std::string& s) {
  if (s.empty() || s.find(' ') != std::string::npos) return false;
  if (s[0] == '/') return true;
  size_t colon = s.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (size_t i = 1; i < colon; ++i) {
    char c = s[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') return false;
  }
  return true;
}

bool is_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

// The string formats the API server checks (kube-openapi's strfmt registry); unknown formats are informational.
bool format_ok(const std::string& format, const std::string& s) {
  if (format == "date-time" || format == "datetime") return parse_rfc3339(s).has_value();
  if (format == "date") return parse_rfc3339(s + "T00:00:00Z").has_value() && s.size() == 10;
  if (format == "byte") return is_base64(s);
  if (format == "uri") return is_request_uri(s);
  if (format == "uuid") return is_uuid(s);
  if (format == "ipv4") return is_ipv4(s);
  if (format == "duration") return parse_go_duration(s).has_value();
  return true;
}

// The key of an item of an x-kubernetes-list-type=map list.
Json map_key(const Json& item, const std::vector<std::string>& keys) {
  Json k = Json::object();
  for (const std::string& name : keys) k[name] = item.is_object() && item.contains(name) ? item[name] : Json();
  return k;
}

const Json* correlated_item(const Json* old_list, const Json& item, const Schema& schema) {
  if (!old_list || !old_list->is_array() || schema.list_type != "map") return nullptr;
  Json key = map_key(item, schema.list_map_keys);
  for (const Json& old : *old_list) {
    if (map_key(old, schema.list_map_keys) == key) return &old;
  }
  return nullptr;
}

const Json* correlated_member(const Json* old_object, const std::string& key) {
  if (!old_object || !old_object->is_object()) return nullptr;
  auto it = old_object->find(key);
  return it == old_object->end() ? nullptr : &*it;
}

class Validator {
 public:
  // As the API server does, rules are not reported when the object has type or enum errors: their results would
  // be noise; one error says so instead.
  FieldErrors take() {
    FieldErrors all = std::move(schema_errors_);
    bool blocking = false;
    for (const FieldError& e : all) {
      blocking = blocking || e.type == FieldErrorType::kTypeInvalid || e.type == FieldErrorType::kNotSupported;
    }
    if (blocking) {
      if (!rule_errors_.empty() || has_rules_) {
        all.push_back(invalid(FieldPath(), nullptr,
                              "some validation rules were not checked because the object was invalid; correct the "
                              "existing errors to complete validation"));
      }
      return all;
    }
    all.insert(all.end(), rule_errors_.begin(), rule_errors_.end());
    return all;
  }

  void node(const Json& v, const Schema& s, const Json* old, const FieldPath& path) {
    if (v.is_number_float() && !std::isfinite(v.get<double>())) {
      double d = v.get<double>();
      schema_errors_.push_back(type_invalid(path,
                                            std::isnan(d) ? "NaN"
                                            : d > 0       ? "+Inf"
                                                          : "-Inf",
                                            "must be a finite number"));
      return;
    }
    if (v.is_null() && (s.nullable || s.type.empty())) return;
    if (!types(v, s, path)) return;
    for (const Schema* sub : s.all_of) node(v, *sub, old, path);
    if (!s.any_of.empty() && !s.int_or_string) any_of(v, s, path);
    if (!s.one_of.empty()) one_of(v, s, path);
    if (s.enum_values && !enum_ok(v, s)) {
      std::vector<std::string> allowed;
      for (const Json& e : *s.enum_values) allowed.push_back(e.is_string() ? e.get<std::string>() : e.dump());
      schema_errors_.push_back(not_supported(path, v, allowed));
    }
    if (v.is_string()) string_checks(v.get_ref<const std::string&>(), s, path);
    if (v.is_number()) number_checks(v, s, path);
    if (v.is_array()) array(v, s, old, path);
    if (v.is_object()) object(v, s, old, path);
    rules(v, s, old, path);
  }

 private:
  // Type checks; false when the value has the wrong type (nothing below it can be checked meaningfully).
  bool types(const Json& v, const Schema& s, const FieldPath& path) {
    if (s.int_or_string) {
      if (json_type(v) == "integer" || v.is_string()) return true;
      schema_errors_.push_back(
          type_invalid(path, json_type(v),
                       fmt::format("{} must be of type integer,string: {}", in_body(path), go_quote(json_type(v)))));
      return false;
    }
    if (s.type.empty() || has_type(v, s.type)) return true;
    std::string actual = json_type(v);
    schema_errors_.push_back(
        type_invalid(path, actual, fmt::format("{} must be of type {}: {}", in_body(path), s.type, go_quote(actual))));
    return false;
  }

  bool passes(const Json& v, const Schema& s, const FieldPath& path) {
    Validator probe;
    probe.node(v, s, nullptr, path);
    return probe.schema_errors_.empty() && probe.rule_errors_.empty();
  }

  void any_of(const Json& v, const Schema& s, const FieldPath& path) {
    for (const Schema* sub : s.any_of) {
      if (passes(v, *sub, path)) return;
    }
    schema_errors_.push_back(
        invalid(path, v, fmt::format("{} must validate at least one schema (anyOf)", in_body(path))));
  }

  void one_of(const Json& v, const Schema& s, const FieldPath& path) {
    int n = 0;
    for (const Schema* sub : s.one_of) n += passes(v, *sub, path);
    if (n != 1)
      schema_errors_.push_back(
          invalid(path, v, fmt::format("{} must validate one and only one schema (oneOf)", in_body(path))));
  }

  static bool enum_ok(const Json& v, const Schema& s) {
    for (const Json& e : *s.enum_values) {
      if (e == v) return true;
    }
    return false;
  }

  void string_checks(const std::string& str, const Schema& s, const FieldPath& path) {
    size_t len = rune_count(str);
    if (s.max_length && len > static_cast<size_t>(*s.max_length)) {
      schema_errors_.push_back(too_long(path, str, static_cast<size_t>(*s.max_length)));
    }
    if (s.min_length && len < static_cast<size_t>(*s.min_length)) {
      schema_errors_.push_back(
          invalid(path, str, fmt::format("{} should be at least {} chars long", in_body(path), *s.min_length)));
    }
    if (s.pattern && !s.pattern->search(str)) {
      schema_errors_.push_back(
          invalid(path, str, fmt::format("{} should match '{}'", in_body(path), s.pattern->pattern())));
    }
    if (!s.format.empty() && !format_ok(s.format, str)) {
      schema_errors_.push_back(
          invalid(path, str, fmt::format("{} must be of type {}: {}", in_body(path), s.format, go_quote(str))));
    }
  }

  void number_checks(const Json& v, const Schema& s, const FieldPath& path) {
    double d = v.get<double>();
    if (s.minimum) {
      bool bad = s.exclusive_minimum ? d <= *s.minimum : d < *s.minimum;
      if (bad) {
        schema_errors_.push_back(
            invalid(path, v,
                    fmt::format("{} should be greater than {}{}", in_body(path),
                                s.exclusive_minimum ? "" : "or equal to ", format_number(*s.minimum))));
      }
    }
    if (s.maximum) {
      bool bad = s.exclusive_maximum ? d >= *s.maximum : d > *s.maximum;
      if (bad) {
        schema_errors_.push_back(
            invalid(path, v,
                    fmt::format("{} should be less than {}{}", in_body(path), s.exclusive_maximum ? "" : "or equal to ",
                                format_number(*s.maximum))));
      }
    }
  }

  void array(const Json& v, const Schema& s, const Json* old, const FieldPath& path) {
    if (s.max_items && v.size() > static_cast<size_t>(*s.max_items)) {
      schema_errors_.push_back(too_many(path, v.size(), static_cast<size_t>(*s.max_items)));
    }
    if (s.min_items && v.size() < static_cast<size_t>(*s.min_items)) {
      schema_errors_.push_back(
          invalid(path, v.size(), fmt::format("{} should have at least {} items", in_body(path), *s.min_items)));
    }
    if (s.list_type == "set") {
      for (size_t i = 1; i < v.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
          if (v[i] == v[j]) {
            schema_errors_.push_back(duplicate(path.index(i), v[i]));
            break;
          }
        }
      }
    } else if (s.list_type == "map") {
      std::vector<Json> seen;
      for (size_t i = 0; i < v.size(); ++i) {
        Json key = map_key(v[i], s.list_map_keys);
        bool dup = false;
        for (const Json& k : seen) dup = dup || k == key;
        if (dup) schema_errors_.push_back(duplicate(path.index(i), key));
        seen.push_back(std::move(key));
      }
    }
    if (!s.items) return;
    for (size_t i = 0; i < v.size(); ++i) node(v[i], *s.items, correlated_item(old, v[i], s), path.index(i));
  }

  void object(const Json& v, const Schema& s, const Json* old, const FieldPath& path) {
    if (s.max_properties && v.size() > static_cast<size_t>(*s.max_properties)) {
      schema_errors_.push_back(too_many(path, v.size(), static_cast<size_t>(*s.max_properties)));
    }
    if (s.min_properties && v.size() < static_cast<size_t>(*s.min_properties)) {
      schema_errors_.push_back(invalid(
          path, v.size(), fmt::format("{} should have at least {} properties", in_body(path), *s.min_properties)));
    }
    for (const std::string& r : s.required) {
      auto it = v.find(r);
      if (it == v.end() || (it->is_null() && !(s.property(r) && s.property(r)->nullable))) {
        schema_errors_.push_back(required(path.child(r), ""));
      }
    }
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (const Schema* p = s.property(it.key())) {
        node(it.value(), *p, correlated_member(old, it.key()), path.child(it.key()));
      } else if (s.additional_properties) {
        node(it.value(), *s.additional_properties, correlated_member(old, it.key()), path.key(it.key()));
      } else if (it->is_number_float() && !std::isfinite(it->get<double>())) {
        node(it.value(), Schema(), nullptr, path.child(it.key()));  // preserved data must still be JSON
      } else if (it->is_object() || it->is_array()) {
        finite_only(it.value(), path.child(it.key()));
      }
    }
  }

  // Under preserve-unknown-fields there is no schema, but NaN and infinities still cannot be stored.
  void finite_only(const Json& v, const FieldPath& path) {
    if (v.is_number_float() && !std::isfinite(v.get<double>())) {
      node(v, Schema(), nullptr, path);
    } else if (v.is_array()) {
      for (size_t i = 0; i < v.size(); ++i) finite_only(v[i], path.index(i));
    } else if (v.is_object()) {
      for (auto it = v.begin(); it != v.end(); ++it) finite_only(it.value(), path.child(it.key()));
    }
  }

  void rules(const Json& v, const Schema& s, const Json* old, const FieldPath& path) {
    has_rules_ = has_rules_ || !s.validations.empty();
    for (const ValidationRule& rule : s.validations) {
      if (rule.transition && !old) continue;
      auto result = rule.program.evaluate({&v, old});
      std::string type = s.type.empty() ? (s.int_or_string ? "" : json_type(v)) : s.type;
      std::string rule_text = rule.message.empty() ? rule.rule : rule.message;
      if (!result) {
        const std::string& m = result.error().message;
        if (m.rfind("no such overload", 0) == 0) {
          rule_errors_.push_back(invalid(
              path, type,
              fmt::format(
                  "'{}': call arguments did not match a supported operator, function or macro signature for rule: {}",
                  m, rule_text)));
        } else {
          rule_errors_.push_back(invalid(path, type, fmt::format("{} evaluating rule: {}", m, rule_text)));
        }
        continue;
      }
      if (result->is_boolean() && result->get<bool>()) continue;
      FieldPath at = path;
      std::string_view fp = rule.field_path;
      while (!fp.empty()) {
        if (fp.front() == '.') fp.remove_prefix(1);
        size_t end = fp.find_first_of(".[");
        at = at.child(fp.substr(0, end));
        fp = end == std::string_view::npos ? std::string_view() : fp.substr(end);
        if (!fp.empty() && fp.front() == '[') {
          size_t close = fp.find(']');
          at = at.key(fp.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1));
          fp = close == std::string_view::npos ? std::string_view() : fp.substr(close + 1);
        }
      }
      std::string message = rule.message.empty() ? "failed rule: " + rule.rule : rule.message;
      if (rule.message_program) {
        auto m = rule.message_program->evaluate({&v, old});
        if (m && m->is_string() && !m->get<std::string>().empty()) message = m->get<std::string>();
      }
      if (rule.reason == "FieldValueRequired") {
        rule_errors_.push_back(required(at, message));
      } else if (rule.reason == "FieldValueForbidden") {
        rule_errors_.push_back(forbidden(at, message));
      } else if (rule.reason == "FieldValueDuplicate") {
        rule_errors_.push_back(duplicate(at, type));
      } else {
        rule_errors_.push_back(invalid(at, type, message));
      }
    }
  }

  FieldErrors schema_errors_;
  FieldErrors rule_errors_;
  bool has_rules_ = false;
};

}  // namespace

FieldErrors validate_schema(const Json& value, const Schema& schema, const Json* old_value, const FieldPath& path) {
  Validator v;
  v.node(value, schema, old_value, path);
  return v.take();
}

}  // namespace kthena::api
