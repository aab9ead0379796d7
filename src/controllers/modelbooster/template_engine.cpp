#include "controllers/modelbooster/template_engine.h"

#include <fmt/format.h>

#include <optional>

#include "api/field_error.h"
#include "controllers/modelbooster/go_format.h"

namespace kthena::controllers::modelbooster {
namespace {

constexpr std::string_view kOpen = "${";

class Renderer {
 public:
  Renderer(const TemplateValues& values, std::string_view name) : values_(values), name_(name) {}

  // The rendered node, or nullopt when it rendered to null and must be left out of its parent.
  Result<std::optional<Json>> render(const Json& node, const FieldPath& path, bool in_string_list) const {
    if (node.is_object()) {
      Json out = Json::object();
      for (auto it = node.begin(); it != node.end(); ++it) {
        auto child = render(it.value(), path.child(it.key()), false);
        if (!child) return fail(child.error());
        if (*child) out[it.key()] = std::move(**child);
      }
      return std::optional<Json>(std::move(out));
    }
    if (node.is_array()) {
      bool has_literal_string = false;
      for (const Json& e : node)
        has_literal_string |= e.is_string() && e.get_ref<const std::string&>().find(kOpen) == std::string::npos;
      Json out = Json::array();
      for (size_t i = 0; i < node.size(); ++i) {
        auto child = render(node[i], path.index(i), has_literal_string);
        if (!child) return fail(child.error());
        if (*child) out.push_back(std::move(**child));
      }
      return std::optional<Json>(std::move(out));
    }
    if (!node.is_string()) return std::optional<Json>(node);
    return render_string(node.get_ref<const std::string&>(), path, in_string_list);
  }

 private:
  Result<std::optional<Json>> render_string(const std::string& s, const FieldPath& path, bool in_string_list) const {
    const size_t open = s.find(kOpen);
    if (open == std::string::npos) return std::optional<Json>(s);
    const size_t close = s.find('}', open);
    if (open == 0 && close == s.size() - 1) {
      auto value = lookup(s.substr(2, close - 2), path);
      if (!value) return fail(value.error());
      const Json& v = **value;
      if (v.is_null()) return std::optional<Json>();
      if (in_string_list && (v.is_number() || v.is_boolean())) return std::optional<Json>(interpolate(v));
      return std::optional<Json>(v);
    }
    std::string out;
    size_t pos = 0;
    while (true) {
      const size_t start = s.find(kOpen, pos);
      if (start == std::string::npos) break;
      const size_t end = s.find('}', start);
      if (end == std::string::npos) {
        return fail(ErrorCode::kInternal, fmt::format("template {}: no closing }} in {}", name_, go_quote(s)),
                    path.str());
      }
      auto value = lookup(s.substr(start + 2, end - start - 2), path);
      if (!value) return fail(value.error());
      out.append(s, pos, start - pos);
      out += interpolate(**value);
      pos = end + 1;
    }
    out.append(s, pos, std::string::npos);
    return std::optional<Json>(std::move(out));
  }

  Result<const Json*> lookup(std::string_view key, const FieldPath& path) const {
    const Json* value = values_.find(key);
    if (value == nullptr) {
      return fail(ErrorCode::kInternal, fmt::format("template {}: unknown placeholder ${{{}}}", name_, key),
                  path.str());
    }
    return value;
  }

  static std::string interpolate(const Json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return go_format_number(v, /*as_float64=*/false);
    if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
    return v.dump();
  }

  const TemplateValues& values_;
  std::string_view name_;
};

}  // namespace

TemplateValues& TemplateValues::set(std::string key, Json value) {
  values_.insert_or_assign(std::move(key), std::move(value));
  return *this;
}

const Json* TemplateValues::find(std::string_view key) const {
  auto it = values_.find(key);
  return it == values_.end() ? nullptr : &it->second;
}

Result<Json> render_template(const Json& template_tree, const TemplateValues& values, std::string_view template_name) {
  auto rendered = Renderer(values, template_name).render(template_tree, FieldPath(), false);
  if (!rendered) return fail(rendered.error());
  return rendered->value_or(Json());
}

}  // namespace kthena::controllers::modelbooster
