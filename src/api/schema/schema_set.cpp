#include "api/schema/schema_set.h"

#include <fmt/format.h>

#include <algorithm>

#include "api/field_error.h"

namespace kthena::api {
namespace {

tl::unexpected<Error> load_error(const std::string& where, std::string message) {
  return fail(ErrorCode::kInvalid, std::move(message), where);
}

bool is_string_list(const Json& v) {
  if (!v.is_array()) return false;
  for (const Json& x : v) {
    if (!x.is_string()) return false;
  }
  return true;
}

std::vector<std::string> string_list(const Json& v) {
  std::vector<std::string> out;
  for (const Json& x : v) out.push_back(x.get<std::string>());
  return out;
}

}  // namespace

Result<SchemaSet> SchemaSet::build(std::vector<Definition> definitions) {
  SchemaSet set;
  set.state_ = std::make_unique<State>();
  for (Definition& d : definitions) {
    std::string name = d.name;
    if (set.state_->sources.count(name)) {
      return load_error(d.origin, fmt::format("definition \"{}\" is defined twice (also in {})", name,
                                              set.state_->sources.find(name)->second.origin));
    }
    set.state_->sources.emplace(name, std::move(d));
  }
  std::vector<std::string> names;
  for (const auto& [name, _] : set.state_->sources) names.push_back(name);
  for (const std::string& name : names) {
    auto s = set.resolve(name, name);
    if (!s) return tl::unexpected(s.error());
  }
  return set;
}

Result<const Schema*> SchemaSet::resolve(const std::string& name, const std::string& where) {
  if (auto it = state_->compiled.find(name); it != state_->compiled.end()) return it->second;
  auto src = state_->sources.find(name);
  if (src == state_->sources.end()) {
    return load_error(where, fmt::format("$ref to unknown definition \"{}\"", name));
  }
  const Definition& def = src->second;
  std::string location = def.origin + ": definitions." + name;
  if (def.node.is_object() && def.node.contains("$ref")) {  // an alias of another definition
    auto target = compile_node(def.node, location);
    if (!target) return target;
    state_->compiled.emplace(name, *target);
    return *target;
  }
  // Register before compiling the body, so that recursive references resolve to this node.
  Schema& s = state_->arena.emplace_back();
  state_->compiled.emplace(name, &s);
  auto filled = compile_node(def.node, location);
  if (!filled) return filled;
  s = **filled;
  s.ref = name;
  return &s;
}

Result<const Schema*> SchemaSet::compile(const Json& node, const std::string& where) {
  return compile_node(node, where);
}

Result<const Schema*> SchemaSet::compile_node(const Json& node, const std::string& where) {
  if (!node.is_object()) return load_error(where, "a schema must be a mapping");
  if (auto ref = node.find("$ref"); ref != node.end()) {
    for (const auto& [k, _] : node.items()) {
      if (k != "$ref" && k != "description") {
        return load_error(where, fmt::format("\"{}\" is not allowed beside $ref (only description is)", k));
      }
    }
    if (!ref->is_string()) return load_error(where, "$ref must be a string");
    return resolve(ref->get<std::string>(), where);
  }
  Schema s;
  s.source = node;
  auto child = [&](const Json& n, const std::string& path) { return compile_node(n, where + "." + path); };
  auto number = [&](const Json& v, const char* key, auto& out) -> Result<void> {
    if (!v.is_number()) return load_error(where, fmt::format("{} must be a number", key));
    using T = typename std::remove_reference_t<decltype(out)>::value_type;
    out = v.get<T>();
    return {};
  };
  for (const auto& [key, v] : node.items()) {
    Result<void> ok;
    if (key == "type") {
      static constexpr std::string_view kTypes[] = {"object", "array", "string", "integer", "number", "boolean"};
      if (!v.is_string() || std::find(std::begin(kTypes), std::end(kTypes), v.get<std::string>()) == std::end(kTypes)) {
        return load_error(where, fmt::format("unsupported type {}", v.dump()));
      }
      s.type = v.get<std::string>();
    } else if (key == "format" || key == "description") {
      if (!v.is_string()) return load_error(where, key + " must be a string");
      (key == "format" ? s.format : s.description) = v.get<std::string>();
    } else if (key == "default") {
      s.default_value = v;
    } else if (key == "enum") {
      if (!v.is_array()) return load_error(where, "enum must be a list");
      s.enum_values = v;
    } else if (key == "pattern") {
      if (!v.is_string()) return load_error(where, "pattern must be a string");
      auto re = Regex::compile(v.get<std::string>());
      if (!re) return load_error(where, "pattern: " + re.error().message);
      s.pattern = std::move(*re);
    } else if (key == "minimum") {
      ok = number(v, "minimum", s.minimum);
    } else if (key == "maximum") {
      ok = number(v, "maximum", s.maximum);
    } else if (key == "exclusiveMinimum" || key == "exclusiveMaximum") {
      if (!v.is_boolean()) return load_error(where, key + " must be a boolean");
      (key == "exclusiveMinimum" ? s.exclusive_minimum : s.exclusive_maximum) = v.get<bool>();
    } else if (key == "minLength") {
      ok = number(v, "minLength", s.min_length);
    } else if (key == "maxLength") {
      ok = number(v, "maxLength", s.max_length);
    } else if (key == "minItems") {
      ok = number(v, "minItems", s.min_items);
    } else if (key == "maxItems") {
      ok = number(v, "maxItems", s.max_items);
    } else if (key == "minProperties") {
      ok = number(v, "minProperties", s.min_properties);
    } else if (key == "maxProperties") {
      ok = number(v, "maxProperties", s.max_properties);
    } else if (key == "required") {
      if (!is_string_list(v)) return load_error(where, "required must be a list of strings");
      s.required = string_list(v);
    } else if (key == "properties") {
      if (!v.is_object()) return load_error(where, "properties must be a mapping");
      for (const auto& [name, prop] : v.items()) {
        auto p = child(prop, "properties." + name);
        if (!p) return p;
        s.properties.emplace_back(name, *p);
      }
    } else if (key == "additionalProperties") {
      if (v.is_boolean()) {
        s.additional_properties_allowed = v.get<bool>();
      } else {
        auto p = child(v, "additionalProperties");
        if (!p) return p;
        s.additional_properties = *p;
      }
    } else if (key == "items") {
      auto p = child(v, "items");
      if (!p) return p;
      s.items = *p;
    } else if (key == "nullable" || key == "x-kubernetes-preserve-unknown-fields" ||
               key == "x-kubernetes-embedded-resource" || key == "x-kubernetes-int-or-string") {
      if (!v.is_boolean()) return load_error(where, key + " must be a boolean");
      bool b = v.get<bool>();
      if (key == "nullable") s.nullable = b;
      if (key == "x-kubernetes-preserve-unknown-fields") s.preserve_unknown_fields = b;
      if (key == "x-kubernetes-embedded-resource") s.embedded_resource = b;
      if (key == "x-kubernetes-int-or-string") s.int_or_string = b;
    } else if (key == "anyOf" || key == "allOf" || key == "oneOf") {
      if (!v.is_array()) return load_error(where, key + " must be a list");
      auto& list = key == "anyOf" ? s.any_of : key == "allOf" ? s.all_of : s.one_of;
      for (size_t i = 0; i < v.size(); ++i) {
        auto p = child(v[i], fmt::format("{}[{}]", key, i));
        if (!p) return p;
        list.push_back(*p);
      }
    } else if (key == "not") {
      auto p = child(v, "not");
      if (!p) return p;
      s.not_schema = *p;
    } else if (key == "x-kubernetes-list-type") {
      if (!v.is_string() || (v != "atomic" && v != "set" && v != "map")) {
        return load_error(where, "x-kubernetes-list-type must be atomic, set or map");
      }
      s.list_type = v.get<std::string>();
    } else if (key == "x-kubernetes-list-map-keys") {
      if (!is_string_list(v) || v.empty())
        return load_error(where, "x-kubernetes-list-map-keys must be a non-empty list");
      s.list_map_keys = string_list(v);
    } else if (key == "x-kubernetes-map-type") {
      if (!v.is_string() || (v != "atomic" && v != "granular")) {
        return load_error(where, "x-kubernetes-map-type must be atomic or granular");
      }
      s.map_type = v.get<std::string>();
    } else if (key == "x-kubernetes-validations") {
      if (!v.is_array()) return load_error(where, "x-kubernetes-validations must be a list");
      for (size_t i = 0; i < v.size(); ++i) {
        const Json& r = v[i];
        std::string at = fmt::format("{}.x-kubernetes-validations[{}]", where, i);
        if (!r.is_object() || !r.contains("rule") || !r["rule"].is_string()) return load_error(at, "rule is required");
        ValidationRule rule;
        for (const auto& [rk, rv] : r.items()) {
          if (rk != "rule" && rk != "message" && rk != "messageExpression" && rk != "reason" && rk != "fieldPath" &&
              rk != "optionalOldSelf") {
            return load_error(at, fmt::format("unknown keyword \"{}\"", rk));
          }
          if (rk != "optionalOldSelf" && !rv.is_string()) return load_error(at, rk + " must be a string");
        }
        rule.rule = r["rule"].get<std::string>();
        rule.message = r.value("message", "");
        rule.message_expression = r.value("messageExpression", "");
        rule.reason = r.value("reason", "");
        rule.field_path = r.value("fieldPath", "");
        if (!rule.reason.empty() && rule.reason != "FieldValueInvalid" && rule.reason != "FieldValueRequired" &&
            rule.reason != "FieldValueForbidden" && rule.reason != "FieldValueDuplicate") {
          return load_error(at, fmt::format("unsupported reason \"{}\"", rule.reason));
        }
        auto program = CelProgram::compile(rule.rule);
        if (!program) return load_error(at, fmt::format("rule {}: {}", go_quote(rule.rule), program.error().message));
        rule.program = std::move(*program);
        rule.transition = rule.program.references_old_self();
        if (!rule.message_expression.empty()) {
          auto m = CelProgram::compile(rule.message_expression);
          if (!m) return load_error(at, "messageExpression: " + m.error().message);
          rule.message_program = std::move(*m);
        }
        s.validations.push_back(std::move(rule));
      }
    } else {
      return load_error(where, fmt::format("unknown schema keyword \"{}\"", key));
    }
    if (!ok) return tl::unexpected(ok.error());
  }
  if (!s.list_map_keys.empty() && s.list_type != "map") {
    return load_error(where, "x-kubernetes-list-map-keys needs x-kubernetes-list-type: map");
  }
  if (s.list_type == "map" && s.list_map_keys.empty()) {
    return load_error(where, "x-kubernetes-list-type: map needs x-kubernetes-list-map-keys");
  }
  Schema& stored = state_->arena.emplace_back(std::move(s));
  return &stored;
}

const Schema* SchemaSet::definition(std::string_view name) const {
  auto it = state_->compiled.find(name);
  return it == state_->compiled.end() ? nullptr : it->second;
}

const Json* SchemaSet::definition_source(std::string_view name) const {
  auto it = state_->sources.find(name);
  return it == state_->sources.end() ? nullptr : &it->second.node;
}

std::vector<std::string> SchemaSet::definition_names() const {
  std::vector<std::string> out;
  for (const auto& [name, _] : state_->sources) out.push_back(name);
  return out;
}

Json SchemaSet::inline_refs(const Json& node) const {
  return inline_refs_at(node, 0);
}

Json SchemaSet::inline_refs_at(const Json& node, int depth) const {
  // Structural schemas cannot recurse; a recursive definition is cut off as free-form data.
  if (depth > 64) return Json{{"type", "object"}, {"x-kubernetes-preserve-unknown-fields", true}};
  if (!node.is_object()) return node;
  if (auto ref = node.find("$ref"); ref != node.end() && ref->is_string()) {
    const Json* target = definition_source(ref->get<std::string>());
    if (!target) return node;
    Json out = inline_refs_at(*target, depth + 1);
    if (auto d = node.find("description"); d != node.end() && out.is_object()) out["description"] = *d;
    return out;
  }
  Json out = Json::object();
  for (const auto& [k, v] : node.items()) {
    if (k == "properties" && v.is_object()) {
      Json props = Json::object();
      for (const auto& [name, p] : v.items()) props[name] = inline_refs_at(p, depth + 1);
      out[k] = std::move(props);
    } else if (k == "items" || k == "additionalProperties" || k == "not") {
      out[k] = inline_refs_at(v, depth + 1);
    } else if ((k == "anyOf" || k == "allOf" || k == "oneOf") && v.is_array()) {
      Json list = Json::array();
      for (const Json& x : v) list.push_back(inline_refs_at(x, depth + 1));
      out[k] = std::move(list);
    } else {
      out[k] = v;  // keywords whose values are data (default, enum, required, ...)
    }
  }
  return out;
}

}  // namespace kthena::api
