#include "ctl/template_values.h"

#include <charconv>

#include "api/codec/yaml_decoder.h"

namespace kthena::ctl {
namespace {

// Helm's strvals typing: integers, booleans and null are typed; anything else stays a string.
Json typed(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  if (text == "null") return nullptr;
  if (!text.empty() && (text.size() == 1 || text[0] != '0')) {
    int64_t integer = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), integer);
    if (ec == std::errc() && end == text.data() + text.size()) return integer;
  }
  if (text == "0") return 0;
  return text;
}

}  // namespace

Result<void> apply_set(Json& values, std::string_view argument) {
  auto bad = [&](const std::string& why) { return fail(ErrorCode::kInvalid, why, "--set " + std::string(argument)); };
  if (!values.is_object()) values = Json::object();
  // Split on unescaped commas, then each part on its first unescaped '='.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::string key, value;
  bool in_value = false;
  auto finish = [&]() -> bool {
    if (!in_value) return key.empty();
    pairs.emplace_back(std::move(key), std::move(value));
    key.clear();
    value.clear();
    in_value = false;
    return true;
  };
  for (size_t i = 0; i < argument.size(); ++i) {
    char c = argument[i];
    if (c == '\\' && i + 1 < argument.size()) {
      (in_value ? value : key) += argument[++i];
    } else if (c == ',') {
      if (!finish()) return bad("key \"" + key + "\" has no value (expected key=value)");
    } else if (c == '=' && !in_value) {
      in_value = true;
    } else {
      (in_value ? value : key) += c;
    }
  }
  if (!finish()) return bad("key \"" + key + "\" has no value (expected key=value)");
  for (auto& [k, v] : pairs) {
    if (k.empty()) return bad("empty key (expected key=value)");
    if (k.find('[') != std::string::npos) return bad("list indexes (a[0]=x) are not supported");
    Json* at = &values;
    size_t start = 0;
    for (;;) {
      size_t dot = k.find('.', start);
      std::string part = k.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (part.empty()) return bad("empty key segment in \"" + k + "\"");
      if (dot == std::string::npos) {
        (*at)[part] = typed(v);
        break;
      }
      Json& next = (*at)[part];
      if (!next.is_object()) next = Json::object();
      at = &next;
      start = dot + 1;
    }
  }
  return {};
}

Result<Json> build_values(const ValueSources& sources) {
  Json values = Json::object();
  if (!sources.file_text.empty()) {
    auto doc = api::decode_document(sources.file_text, sources.file_name);
    if (!doc) return fail(doc.error());
    if (!doc->is_null()) {
      if (!doc->is_object()) {
        return fail(ErrorCode::kInvalid, "a values file must be a YAML map of keys to values", sources.file_name);
      }
      values = std::move(*doc);
    }
  }
  for (const std::string& set : sources.sets) {
    if (auto applied = apply_set(values, set); !applied) return fail(applied.error());
  }
  if (!sources.name.empty()) values["name"] = sources.name;
  if (!sources.ns.empty() && (!values.contains("namespace") || values["namespace"].is_null())) {
    values["namespace"] = sources.ns;
  }
  return values;
}

}  // namespace kthena::ctl
