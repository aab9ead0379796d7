#include "ctl/apply.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "api/codec/yaml_decoder.h"
#include "api/json_fields.h"

namespace kthena::ctl {
namespace {

using api::lenient::member;
using api::lenient::str;

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string where(std::string_view source, int document, const Json& object) {
  std::string kind = str(object, "kind");
  std::string name = str(member(object, "metadata"), "name");
  std::string who = kind.empty() ? std::string() : kind + (name.empty() ? "" : "/" + name);
  return fmt::format("{}: document {}{}", source, document, who.empty() ? "" : " (" + who + ")");
}

Result<void> add_object(std::vector<ManifestObject>& out, const Json& object, std::string_view source, int document,
                        int line, std::string_view default_ns, bool explicit_ns) {
  auto bad = [&](std::string field, std::string message) {
    return fail(ErrorCode::kInvalid, where(source, document, object) + ": " + field + ": " + message);
  };
  if (!object.is_object()) return bad("(root)", "Invalid value: an object must be a YAML map");
  if (object.contains("apiVersion") && !object["apiVersion"].is_string()) {
    return bad("apiVersion", "Invalid value: must be a string");
  }
  if (object.contains("kind") && !object["kind"].is_string()) return bad("kind", "Invalid value: must be a string");
  const std::string kind = str(object, "kind");
  if (kind.ends_with("List") && object.contains("items")) {
    if (!object["items"].is_array()) return bad("items", "Invalid value: must be a list");
    for (const Json& item : object["items"]) {
      if (auto added = add_object(out, item, source, document, line, default_ns, explicit_ns); !added) return added;
    }
    return {};
  }
  if (str(object, "apiVersion").empty()) return bad("apiVersion", "Required value");
  if (kind.empty()) return bad("kind", "Required value");
  auto resolved = resolve_object_kind(object);
  if (!resolved) return bad("kind", resolved.error().message);
  const Json& metadata = member(object, "metadata");
  if (object.contains("metadata") && !object["metadata"].is_object()) {
    return bad("metadata", "Invalid value: must be a map");
  }
  if (metadata.contains("name") && !metadata["name"].is_string()) {
    return bad("metadata.name", "Invalid value: must be a string");
  }
  const std::string name = str(metadata, "name");
  if (name.empty()) return bad("metadata.name", "Required value: name is required (generateName cannot be applied)");
  std::string ns;
  if (resolved->resource.namespaced) {
    ns = str(metadata, "namespace");
    if (ns.empty()) {
      ns = std::string(default_ns);
    } else if (explicit_ns && ns != default_ns) {
      return bad("metadata.namespace", "Invalid value: \"" + ns + "\": does not match the namespace \"" +
                                           std::string(default_ns) + "\" given with -n");
    }
  }
  ManifestObject item{std::string(source), document, line, object, std::move(*resolved), ns, name};
  if (!ns.empty()) item.object["metadata"]["namespace"] = ns;
  out.push_back(std::move(item));
  return {};
}

}  // namespace

Result<std::vector<ManifestObject>> manifest_objects(std::string_view text, std::string_view source,
                                                     std::string_view default_ns, bool explicit_ns) {
  auto documents = api::decode_documents(text, source);
  if (!documents) return fail(documents.error());
  std::vector<ManifestObject> out;
  int index = 0;
  for (const api::Document& doc : *documents) {
    ++index;
    if (doc.value.is_null()) continue;
    if (auto added = add_object(out, doc.value, source, index, doc.line, default_ns, explicit_ns); !added) {
      return fail(added.error());
    }
  }
  return out;
}

std::string object_reference(const ResolvedKind& kind, std::string_view name) {
  std::string type = lower(kind.resource.kind);
  if (!kind.resource.group.empty()) type += "." + kind.resource.group;
  return type + "/" + std::string(name);
}

std::string_view to_string(ApplyOutcome outcome) {
  switch (outcome) {
    case ApplyOutcome::kCreated:
      return "created";
    case ApplyOutcome::kConfigured:
      return "configured";
    case ApplyOutcome::kUnchanged:
      return "unchanged";
  }
  return "";
}

Result<ApplyOutcome> apply_object(kube::KubeClient& client, const ManifestObject& object) {
  auto prefixed = [&](const Error& error) {
    Error e = error;
    e.message = where(object.source, object.document, object.object) + ": " + error.to_string();
    e.field.clear();
    return fail(std::move(e));
  };
  auto before = client.get(object.kind.resource, object.ns, object.name);
  if (!before && before.error().code != ErrorCode::kNotFound) return prefixed(before.error());
  kube::WriteOptions options;
  options.field_manager = "kthena";
  options.force = true;
  auto after =
      client.patch(object.kind.resource, object.ns, object.name, kube::PatchType::kApply, object.object, {}, options);
  if (!after) return prefixed(after.error());
  if (!before) return ApplyOutcome::kCreated;
  const std::string old_version = str(member(*before, "metadata"), "resourceVersion");
  const std::string new_version = str(member(*after, "metadata"), "resourceVersion");
  return old_version == new_version ? ApplyOutcome::kUnchanged : ApplyOutcome::kConfigured;
}

Result<bool> delete_object(kube::KubeClient& client, const ResolvedKind& kind, std::string_view ns,
                           std::string_view name) {
  kube::DeleteOptions options;
  options.propagation = "Background";
  auto removed = client.remove(kind.resource, ns, name, options);
  if (!removed) {
    if (removed.error().code == ErrorCode::kNotFound) return false;
    return fail(removed.error());
  }
  return true;
}

}  // namespace kthena::ctl
