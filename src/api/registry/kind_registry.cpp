#include "api/registry/kind_registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "api/codec/yaml_decoder.h"

namespace kthena::api {
namespace {

tl::unexpected<Error> load_error(const std::string& where, std::string message) {
  return fail(ErrorCode::kInvalid, std::move(message), where);
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

Result<std::vector<std::string>> strings(const Json& entry, const char* key, const std::string& where) {
  std::vector<std::string> out;
  auto it = entry.find(key);
  if (it == entry.end() || it->is_null()) return out;
  if (!it->is_array()) return load_error(where, fmt::format("{} must be a list of strings", key));
  for (const Json& v : *it) {
    if (!v.is_string()) return load_error(where, fmt::format("{} must be a list of strings", key));
    out.push_back(v.get<std::string>());
  }
  return out;
}

Result<KindInfo> parse_kind(const Json& entry, const std::string& where, SchemaSet& schemas) {
  static const std::set<std::string, std::less<>> kKeys = {
      "group", "version",    "kind",       "listKind", "plural",       "singular",
      "scope", "shortNames", "categories", "crd",      "subresources", "additionalPrinterColumns",
      "schema"};
  if (!entry.is_object()) return load_error(where, "a kind must be a mapping");
  for (const auto& [k, _] : entry.items()) {
    if (!kKeys.count(k)) return load_error(where, fmt::format("unknown kind keyword \"{}\"", k));
  }
  auto text = [&](const char* key, bool required) -> Result<std::string> {
    auto it = entry.find(key);
    if (it == entry.end() || it->is_null()) {
      if (required) return load_error(where, fmt::format("{} is required", key));
      return std::string();
    }
    if (!it->is_string()) return load_error(where, fmt::format("{} must be a string", key));
    return it->get<std::string>();
  };
  KindInfo k;
  for (auto [field, key, required] :
       {std::tuple{&k.group, "group", true}, std::tuple{&k.version, "version", true}, std::tuple{&k.kind, "kind", true},
        std::tuple{&k.list_kind, "listKind", false}, std::tuple{&k.plural, "plural", true},
        std::tuple{&k.singular, "singular", false}}) {
    auto v = text(key, required);
    if (!v) return tl::unexpected(v.error());
    *field = std::move(*v);
  }
  std::string at = fmt::format("{} ({})", where, k.kind);
  if (k.version.empty() || k.kind.empty() || k.plural.empty())
    return load_error(at, "version, kind and plural may not be empty");
  if (k.list_kind.empty()) k.list_kind = k.kind + "List";
  if (k.singular.empty()) k.singular = lower(k.kind);
  auto scope = text("scope", true);
  if (!scope) return tl::unexpected(scope.error());
  if (*scope != "Namespaced" && *scope != "Cluster") return load_error(at, "scope must be Namespaced or Cluster");
  k.namespaced = *scope == "Namespaced";
  auto short_names = strings(entry, "shortNames", at);
  if (!short_names) return tl::unexpected(short_names.error());
  k.short_names = std::move(*short_names);
  auto categories = strings(entry, "categories", at);
  if (!categories) return tl::unexpected(categories.error());
  k.categories = std::move(*categories);
  if (auto crd = entry.find("crd"); crd != entry.end()) {
    if (!crd->is_boolean()) return load_error(at, "crd must be a boolean");
    k.crd = crd->get<bool>();
  }
  if (auto sub = entry.find("subresources"); sub != entry.end() && !sub->is_null()) {
    if (!sub->is_object()) return load_error(at, "subresources must be a mapping");
    for (const auto& [name, value] : sub->items()) {
      if (name == "status") {
        k.status_subresource = true;
      } else if (name == "scale") {
        if (!value.is_object() || !value.contains("specReplicasPath") || !value.contains("statusReplicasPath")) {
          return load_error(at, "scale needs specReplicasPath and statusReplicasPath");
        }
        k.scale = ScaleSubresource{value.value("specReplicasPath", ""), value.value("statusReplicasPath", ""),
                                   value.value("labelSelectorPath", "")};
      } else {
        return load_error(at, fmt::format("unknown subresource \"{}\"", name));
      }
    }
  }
  if (auto cols = entry.find("additionalPrinterColumns"); cols != entry.end() && !cols->is_null()) {
    if (!cols->is_array()) return load_error(at, "additionalPrinterColumns must be a list");
    for (const Json& c : *cols) {
      if (!c.is_object() || !c.contains("name") || !c.contains("type") || !c.contains("jsonPath")) {
        return load_error(at, "a printer column needs name, type and jsonPath");
      }
      for (const auto& [ck, _] : c.items()) {
        if (ck != "name" && ck != "type" && ck != "format" && ck != "description" && ck != "jsonPath" &&
            ck != "priority") {
          return load_error(at, fmt::format("unknown printer column keyword \"{}\"", ck));
        }
      }
      k.printer_columns.push_back(PrinterColumn{c.value("name", ""), c.value("type", ""), c.value("format", ""),
                                                c.value("description", ""), c.value("jsonPath", ""),
                                                c.value("priority", 0)});
    }
  }
  auto schema = entry.find("schema");
  if (schema == entry.end()) return load_error(at, "schema is required");
  k.schema_source = *schema;
  if (schema->is_object() && schema->contains("$ref") && (*schema)["$ref"].is_string()) {
    k.schema_name = (*schema)["$ref"].get<std::string>();
  }
  auto compiled = schemas.compile(*schema, at + ".schema");
  if (!compiled) return tl::unexpected(compiled.error());
  k.schema = *compiled;
  return k;
}

}  // namespace

Result<KindRegistry> KindRegistry::load(const std::vector<SchemaSource>& sources) {
  std::vector<SchemaSet::Definition> definitions;
  std::vector<std::pair<Json, std::string>> kind_entries;
  for (const SchemaSource& source : sources) {
    auto docs = decode_yaml(source.text, source.name);
    if (!docs) return tl::unexpected(docs.error());
    for (const Document& doc : *docs) {
      if (doc.value.is_null()) continue;
      std::string where = fmt::format("{}:{}", source.name, doc.line);
      if (!doc.value.is_object()) return load_error(where, "a schema file holds a mapping");
      for (const auto& [key, value] : doc.value.items()) {
        if (key == "definitions") {
          if (value.is_null()) continue;
          if (!value.is_object()) return load_error(where, "definitions must be a mapping");
          for (const auto& [name, node] : value.items()) definitions.push_back({name, node, source.name});
        } else if (key == "kinds") {
          if (value.is_null()) continue;
          if (!value.is_array()) return load_error(where, "kinds must be a list");
          for (size_t i = 0; i < value.size(); ++i) {
            kind_entries.emplace_back(value[i], fmt::format("{}: kinds[{}]", source.name, i));
          }
        } else {
          return load_error(where, fmt::format("unknown top-level key \"{}\" (expected definitions or kinds)", key));
        }
      }
    }
  }
  auto schemas = SchemaSet::build(std::move(definitions));
  if (!schemas) return tl::unexpected(schemas.error());
  auto state = std::make_unique<State>(State{std::move(*schemas), {}});
  std::set<std::string> seen_kinds, seen_resources, seen_names;
  for (const auto& [entry, where] : kind_entries) {
    auto k = parse_kind(entry, where, state->schemas);
    if (!k) return tl::unexpected(k.error());
    if (!seen_kinds.insert(k->api_version() + "/" + k->kind).second) {
      return load_error(where, fmt::format("kind {} of {} is declared twice", k->kind, k->api_version()));
    }
    if (!seen_resources.insert(k->api_version() + "/" + k->plural).second) {
      return load_error(where, fmt::format("resource {} of {} is declared twice", k->plural, k->api_version()));
    }
    for (const std::string& s : k->short_names) {
      if (!seen_names.insert(lower(s)).second) return load_error(where, fmt::format("short name \"{}\" is taken", s));
    }
    state->kinds.push_back(std::move(*k));
  }
  return KindRegistry(std::move(state));
}

const KindRegistry& KindRegistry::builtin() {
  static const KindRegistry registry = [] {
    auto r = load(embedded_schema_sources());
    if (!r) {
      std::fprintf(stderr, "kthena: the embedded API schemas do not load: %s\n", r.error().to_string().c_str());
      std::abort();
    }
    return std::move(*r);
  }();
  return registry;
}

const KindInfo* KindRegistry::find(std::string_view group, std::string_view version, std::string_view kind) const {
  for (const KindInfo& k : state_->kinds) {
    if (k.group == group && k.version == version && k.kind == kind) return &k;
  }
  return nullptr;
}

const KindInfo* KindRegistry::find_by_api_version(std::string_view api_version, std::string_view kind) const {
  size_t slash = api_version.find('/');
  if (slash == std::string_view::npos) return find("", api_version, kind);
  return find(api_version.substr(0, slash), api_version.substr(slash + 1), kind);
}

const KindInfo* KindRegistry::find_resource(std::string_view group, std::string_view version,
                                            std::string_view plural) const {
  for (const KindInfo& k : state_->kinds) {
    if (k.group == group && k.version == version && k.plural == plural) return &k;
  }
  return nullptr;
}

const KindInfo* KindRegistry::find_by_name(std::string_view name) const {
  std::string wanted = lower(name);
  std::string group;
  bool qualified = false;
  if (size_t dot = wanted.find('.'); dot != std::string::npos) {
    group = wanted.substr(dot + 1);
    wanted = wanted.substr(0, dot);
    qualified = true;
  }
  for (const KindInfo& k : state_->kinds) {
    if (qualified && k.group != group) continue;
    bool match = k.plural == wanted || k.singular == wanted || lower(k.kind) == wanted;
    for (const std::string& s : k.short_names) match = match || lower(s) == wanted;
    if (match) return &k;
  }
  return nullptr;
}

std::vector<std::string> KindRegistry::group_versions() const {
  std::vector<std::string> out;
  for (const KindInfo& k : state_->kinds) {
    std::string gv = k.api_version();
    if (std::find(out.begin(), out.end(), gv) == out.end()) out.push_back(gv);
  }
  std::stable_sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    bool core_a = a.find('/') == std::string::npos, core_b = b.find('/') == std::string::npos;
    if (core_a != core_b) return core_a;
    return a < b;
  });
  return out;
}

}  // namespace kthena::api
