#include "router/control/static_source.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "api/codec/yaml_decoder.h"
#include "api/validation/webhooks.h"

namespace kthena::router {
namespace {

constexpr std::string_view kNetworking = "networking.serving.volcano.sh";

tl::unexpected<Error> located(std::string_view source, int line, std::string_view what, const Error& e) {
  std::string where = fmt::format("{}:{}", source, line);
  std::string message = what.empty() ? e.to_string() : fmt::format("{}: {}", what, e.to_string());
  return fail(ErrorCode::kInvalid, message, where);
}

// Admission as the API server runs it: the kind's mutating defaults, then its validating rules.
Result<void> admit(std::string_view group, std::string_view kind, Json& object) {
  api::Webhooks hooks = api::find_webhooks(group, kind);
  if (hooks.mutate != nullptr) hooks.mutate(object);
  if (hooks.validate != nullptr) {
    FieldErrors errors = hooks.validate(object, nullptr);
    if (!errors.empty()) return fail(to_error(errors));
  }
  return {};
}

std::string identity(const Json& object) {
  std::string ns = "default", name = "<unnamed>";
  if (auto m = object.find("metadata"); m != object.end() && m->is_object()) {
    if (auto n = m->find("namespace"); n != m->end() && n->is_string()) ns = n->get<std::string>();
    if (auto n = m->find("name"); n != m->end() && n->is_string()) name = n->get<std::string>();
  }
  return ns + "/" + name;
}

Result<void> add_object(Json object, std::string_view source, int line, StaticObjects& out,
                        std::set<std::string>& seen) {
  if (!object.is_object())
    return located(source, line, "", Error{ErrorCode::kInvalid, "", "a document must be an object"});
  std::string kind = object.value("kind", "");
  std::string api_version = object.value("apiVersion", "");
  if (kind == "List") {
    auto items = object.find("items");
    if (items == object.end() || !items->is_array()) return {};
    for (Json& item : *items) {
      if (auto ok = add_object(std::move(item), source, line, out, seen); !ok) return ok;
    }
    return {};
  }
  std::string what = fmt::format("{} {}", kind.empty() ? "object" : kind, identity(object));
  if (!seen.insert(kind + " " + identity(object)).second) {
    return located(source, line, what, Error{ErrorCode::kAlreadyExists, "", "defined twice"});
  }
  std::string group = api_version.substr(0, api_version.find('/'));
  if (kind == "ModelRoute" || kind == "ModelServer") {
    if (api_version != std::string(kNetworking) + "/v1alpha1") {
      return located(source, line, what,
                     Error{ErrorCode::kInvalid, "apiVersion", fmt::format("must be {}/v1alpha1", kNetworking)});
    }
    if (auto ok = admit(kNetworking, kind, object); !ok) return located(source, line, what, ok.error());
    if (kind == "ModelRoute") {
      auto r = api::decode_model_route(object);
      if (!r) return located(source, line, what, r.error());
      out.routes.push_back(std::move(*r));
    } else {
      auto s = api::decode_model_server(object);
      if (!s) return located(source, line, what, s.error());
      out.servers.push_back(std::move(*s));
    }
    return {};
  }
  if (kind == "Pod") {
    if (api_version != "v1") return located(source, line, what, Error{ErrorCode::kInvalid, "apiVersion", "must be v1"});
    auto p = api::decode_pod(object);
    if (!p) return located(source, line, what, p.error());
    out.pods.push_back(std::move(*p));
    return {};
  }
  return located(source, line, what,
                 Error{ErrorCode::kInvalid, "kind",
                       fmt::format("unsupported kind \"{}\": a static file holds ModelRoute, ModelServer and Pod "
                                   "objects (or a List of them)",
                                   kind)});
}

}  // namespace

Result<StaticObjects> parse_static_objects(std::string_view text, std::string_view source) {
  auto documents = api::decode_documents(text, source);
  if (!documents) return fail(documents.error());
  StaticObjects out;
  std::set<std::string> seen;
  for (api::Document& doc : *documents) {
    if (doc.value.is_null()) continue;
    if (auto ok = add_object(std::move(doc.value), source, doc.line, out, seen); !ok) return fail(ok.error());
  }
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
