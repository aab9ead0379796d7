#include "router/control/static_source.h"

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "api/admission.h"
#include "api/codec/yaml_decoder.h"
#include "common/log.h"

namespace kthena::router {
namespace {

constexpr std::string_view kNetworking = "networking.serving.volcano.sh";

// "Kind/namespace/name", as `kthena validate` names objects.
std::string identity(const Json& object) {
  std::string kind = object.value("kind", ""), ns = "default", name = "<unnamed>";
  if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
    if (auto n = m->find("namespace"); n != m->end() && n->is_string()) ns = n->get<std::string>();
    if (auto n = m->find("name"); n != m->end() && n->is_string()) name = n->get<std::string>();
  }
  return fmt::format("{}/{}/{}", kind.empty() ? "object" : kind, ns, name);
}

// Every problem of the file, one line each; the file fails as a whole if there is any.
struct Problems {
  std::string_view source;
  std::vector<std::string> lines;

  void at_line(int line, std::string_view who, std::string_view what) {
    lines.push_back(who.empty() ? fmt::format("{}:{}: {}", source, line, what)
                                : fmt::format("{}:{}: {}: {}", source, line, who, what));
  }
};

// Admission as `kthena validate` runs it (api/admission.h): unknown fields pruned, schema defaults and the mutating
// webhook, then ObjectMeta, the schema with its CEL rules and the validating webhook. Field errors are reported as
// `kthena validate` prints them: "FILE: Kind/namespace/name: field: error".
std::optional<Json> admit(Json object, int line, Problems& problems) {
  api::AdmissionOptions options;
  options.field_validation = api::FieldValidation::kWarn;
  std::string who = identity(object);
  auto admitted = api::admit(api::KindRegistry::builtin(), std::move(object), nullptr, options);
  if (!admitted) {
    problems.at_line(line, who, admitted.error().to_string());
    return std::nullopt;
  }
  for (const std::string& w : admitted->warnings()) spdlog::warn("{}: {}: {}", problems.source, who, w);
  if (!admitted->ok()) {
    for (const FieldError& e : admitted->errors) {
      problems.lines.push_back(fmt::format("{}: {}: {}", problems.source, who, e.to_string()));
    }
    return std::nullopt;
  }
  return std::move(admitted->object);
}

void add_object(Json object, int line, StaticObjects& out, std::set<std::string>& seen, Problems& problems) {
  if (!object.is_object()) {
    problems.at_line(line, "", "a document must be an object");
    return;
  }
  std::string kind = object.value("kind", "");
  std::string api_version = object.value("apiVersion", "");
  if (kind == "List") {
    auto items = object.find("items");
    if (items == object.end() || !items->is_array()) return;
    for (Json& item : *items) add_object(std::move(item), line, out, seen, problems);
    return;
  }
  std::string who = identity(object);
  if (!seen.insert(who).second) {
    problems.at_line(line, who, "defined twice");
    return;
  }
  if (kind == "ModelRoute" || kind == "ModelServer") {
    if (api_version != std::string(kNetworking) + "/v1alpha1") {
      problems.at_line(line, who, fmt::format("apiVersion: must be {}/v1alpha1", kNetworking));
      return;
    }
    std::optional<Json> admitted = admit(std::move(object), line, problems);
    if (!admitted) return;
    if (kind == "ModelRoute") {
      auto r = api::decode_model_route(*admitted);
      if (!r) return problems.at_line(line, who, r.error().to_string());
      out.routes.push_back(std::move(*r));
    } else {
      auto s = api::decode_model_server(*admitted);
      if (!s) return problems.at_line(line, who, s.error().to_string());
      out.servers.push_back(std::move(*s));
    }
    return;
  }
  if (kind == "Pod") {
    // Pods are taken as the API server reports them (only their addresses, labels and state matter here): no
    // admission, which would want the spec a `kubectl get` listing may leave out.
    if (api_version != "v1") return problems.at_line(line, who, "apiVersion: must be v1");
    auto p = api::decode_pod(object);
    if (!p) return problems.at_line(line, who, p.error().to_string());
    out.pods.push_back(std::move(*p));
    return;
  }
  problems.at_line(line, who,
                   fmt::format("kind: unsupported kind \"{}\": a static file holds ModelRoute, ModelServer and Pod "
                               "objects (or a List of them)",
                               kind));
}

}  // namespace

Result<StaticObjects> parse_static_objects(std::string_view text, std::string_view source) {
  auto documents = api::decode_documents(text, source);
  if (!documents) return fail(documents.error());
  StaticObjects out;
  std::set<std::string> seen;
  Problems problems{source, {}};
  for (api::Document& doc : *documents) {
    if (doc.value.is_null()) continue;
    ++out.documents;
    add_object(std::move(doc.value), doc.line, out, seen, problems);
  }
  if (!problems.lines.empty()) return fail(ErrorCode::kInvalid, fmt::format("{}", fmt::join(problems.lines, "\n")));
  return out;
}

Result<StaticObjects> load_static_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read the static file", path);
  std::stringstream text;
  text << in.rdbuf();
  return parse_static_objects(text.str(), path);
}

}  // namespace kthena::router
