#include "apiserver/object_rules.h"

#include <algorithm>

#include <fmt/format.h>

namespace kthena::apiserver {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = path.empty() || path[0] != '.' ? 0 : 1;
  while (start < path.size()) {
    size_t end = path.find('.', start);
    parts.push_back(path.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return parts;
}

void set_at_path(Json& object, const std::string& path, Json value) {
  Json* node = &object;
  for (const auto& part : split_path(path)) {
    if (!node->is_object()) *node = Json::object();
    node = &(*node)[part];
  }
  *node = std::move(value);
}

Json without_volatile_metadata(const Json& object) {
  Json copy = object;
  if (copy.contains("metadata") && copy["metadata"].is_object()) {
    copy["metadata"].erase("resourceVersion");
  }
  return copy;
}

bool is_core(const ResourceInfo& resource, const char* plural) {
  return resource.group.empty() && resource.resource == plural;
}

}  // namespace

std::string string_at(const Json& object, const char* key) {
  if (!object.is_object()) return {};
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string uid_of(const Json& object) {
  auto meta = object.find("metadata");
  return meta == object.end() ? std::string() : string_at(*meta, "uid");
}

bool is_deleting(const Json& object) {
  auto meta = object.find("metadata");
  return meta != object.end() && !string_at(*meta, "deletionTimestamp").empty();
}

std::vector<std::string> finalizers_of(const Json& object) {
  std::vector<std::string> out;
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return out;
  auto list = meta->find("finalizers");
  if (list == meta->end() || !list->is_array()) return out;
  for (const auto& f : *list) {
    if (f.is_string()) out.push_back(f.get<std::string>());
  }
  return out;
}

void add_finalizer(Json& object, const std::string& finalizer) {
  Json& list = object["metadata"]["finalizers"];
  if (!list.is_array()) list = Json::array();
  if (std::find(list.begin(), list.end(), Json(finalizer)) == list.end()) list.push_back(finalizer);
}

void remove_finalizer(Json& object, const std::string& finalizer) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->contains("finalizers")) return;
  Json& list = (*meta)["finalizers"];
  if (!list.is_array()) return;
  Json kept = Json::array();
  for (const auto& f : list) {
    if (f != finalizer) kept.push_back(f);
  }
  if (kept.empty()) {
    meta->erase("finalizers");
  } else {
    list = std::move(kept);
  }
}

void remove_owner_reference(Json& object, const std::string& owner_uid) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->contains("ownerReferences")) return;
  Json& refs = (*meta)["ownerReferences"];
  if (!refs.is_array()) return;
  Json kept = Json::array();
  for (const auto& ref : refs) {
    if (string_at(ref, "uid") != owner_uid) kept.push_back(ref);
  }
  if (kept.empty()) {
    meta->erase("ownerReferences");
  } else {
    refs = std::move(kept);
  }
}

void mark_deleting(Json& object, const std::string& now, int64_t grace_seconds) {
  Json& meta = object["metadata"];
  meta["deletionTimestamp"] = now;
  meta["deletionGracePeriodSeconds"] = grace_seconds;
}

bool ready_to_remove(const ResourceInfo& resource, const Json& object) {
  if (!is_deleting(object) || !finalizers_of(object).empty()) return false;
  if (is_core(resource, "namespaces")) {
    auto spec = object.find("spec");
    if (spec != object.end() && spec->is_object()) {
      auto list = spec->find("finalizers");
      if (list != spec->end() && list->is_array() && !list->empty()) return false;
    }
  }
  // A pod in its grace period waits for its node agent to confirm with a zero-grace delete.
  if (is_core(resource, "pods")) {
    const auto& meta = object["metadata"];
    auto grace = meta.find("deletionGracePeriodSeconds");
    if (grace != meta.end() && grace->is_number_integer() && grace->get<int64_t>() > 0) return false;
  }
  return true;
}

ApiResult<void> check_type_meta(const ResourceInfo& resource, Json& object) {
  if (!object.is_object()) {
    return fail(bad_request(fmt::format("{} in version \"{}\" cannot be handled as a {}: the body is not a JSON object",
                                        resource.kind, resource.version, resource.kind)));
  }
  // A number or an object where a string belongs is refused rather than read as absent (kube-apiserver fails to
  // decode it), so `kind: 5` does not create a ConfigMap.
  for (const char* field : {"apiVersion", "kind"}) {
    auto it = object.find(field);
    if (it != object.end() && !it->is_null() && !it->is_string()) {
      return fail(bad_request(fmt::format("{} in version \"{}\" cannot be handled as a {}: {} must be a string, not {}",
                                          resource.kind, resource.version, resource.kind, field, it->dump())));
    }
  }
  std::string api_version = string_at(object, "apiVersion");
  std::string kind = string_at(object, "kind");
  if (!api_version.empty() && api_version != resource.api_version()) {
    return fail(bad_request(fmt::format("the API version in the data ({}) does not match the expected API version ({})",
                                        api_version, resource.api_version())));
  }
  if (!kind.empty() && kind != resource.kind) {
    return fail(bad_request(
        fmt::format("the kind in the data ({}) does not match the expected kind ({})", kind, resource.kind)));
  }
  object["apiVersion"] = resource.api_version();
  object["kind"] = resource.kind;
  if (!object.contains("metadata") || object["metadata"].is_null()) object["metadata"] = Json::object();
  if (!object["metadata"].is_object()) {
    return fail(bad_request(fmt::format("{} in version \"{}\" cannot be handled as a {}: metadata must be an object",
                                        resource.kind, resource.version, resource.kind)));
  }
  // apiVersion and kind first, as every real object is printed.
  Json ordered = {{"apiVersion", object["apiVersion"]}, {"kind", object["kind"]}};
  for (auto& [key, value] : object.items()) {
    if (key != "apiVersion" && key != "kind") ordered[key] = std::move(value);
  }
  object = std::move(ordered);
  return {};
}

void prepare_for_create(const ResourceInfo& resource, Json& object, const std::string& uid, const std::string& now) {
  Json& meta = object["metadata"];
  for (const char* key : {"resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds", "selfLink",
                          "managedFields", "uid", "creationTimestamp", "generation"}) {
    meta.erase(key);
  }
  meta["uid"] = uid;
  meta["generation"] = 1;
  meta["creationTimestamp"] = now;
  if (is_core(resource, "namespaces")) {
    object["spec"]["finalizers"] = Json::array({"kubernetes"});
    object["status"] = {{"phase", "Active"}};
  } else if (is_core(resource, "pods")) {
    object["status"] = {{"phase", "Pending"}};
  } else if (is_core(resource, "services")) {
    object["status"] = {{"loadBalancer", Json::object()}};
  } else if (is_core(resource, "nodes")) {
    // Nodes register with their status (capacity, addresses): kept, as the real API server does.
  } else if (resource.status_subresource) {
    object.erase("status");
  }
}

ApiResult<void> check_patched_identity(const Json& patched, const std::string& name, const std::string& ns) {
  const Json empty = Json::object();
  const Json& meta = patched.is_object() && patched.contains("metadata") ? patched["metadata"] : empty;
  std::string patched_name = string_at(meta, "name");
  if (patched_name != name) {
    return fail(bad_request(
        fmt::format("the name of the object ({}) does not match the name on the URL ({})", patched_name, name)));
  }
  std::string patched_ns = string_at(meta, "namespace");
  if (!ns.empty() && !patched_ns.empty() && patched_ns != ns) {
    return fail(bad_request(
        fmt::format("the namespace of the object ({}) does not match the namespace on the URL ({})", patched_ns, ns)));
  }
  return {};
}

void carry_over_for_update(const ResourceInfo& resource, const Json& old, Json& next) {
  const Json& old_meta = old["metadata"];
  Json& meta = next["metadata"];
  for (const char* key : {"uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation",
                          "name", "namespace"}) {
    if (old_meta.contains(key)) {
      meta[key] = old_meta[key];
    } else {
      meta.erase(key);
    }
  }
  meta.erase("managedFields");
  meta.erase("selfLink");
  if (resource.status_subresource) {
    if (old.contains("status")) {
      next["status"] = old["status"];
    } else {
      next.erase("status");
    }
  }
  if (is_core(resource, "namespaces")) {
    if (old.contains("spec") && old["spec"].contains("finalizers")) {
      next["spec"]["finalizers"] = old["spec"]["finalizers"];
    }
  }
}

ApiResult<void> check_finalizers(const ResourceInfo& resource, const Json& old, const Json& next) {
  if (!is_deleting(old)) return {};
  auto before = finalizers_of(old);
  std::vector<std::string> added;
  for (const auto& f : finalizers_of(next)) {
    if (std::find(before.begin(), before.end(), f) == before.end()) added.push_back("\"" + f + "\"");
  }
  if (added.empty()) return {};
  return fail(invalid(resource.kind, resource.group, string_at(old["metadata"], "name"),
                      {forbidden(FieldPath("metadata.finalizers"),
                                 fmt::format("no new finalizers can be added if the object is being deleted, found "
                                             "new finalizers []string{{{}}}",
                                             fmt::join(added, ", ")))}));
}

ApiResult<void> check_scale_replicas(const ResourceInfo& resource, const Json& object) {
  if (!resource.scale) return {};
  const Json* replicas = value_at_path(object, resource.scale->spec_replicas_path);
  if (replicas == nullptr || !replicas->is_number_integer() || replicas->get<int64_t>() >= 0) return {};
  std::string field = resource.scale->spec_replicas_path;
  if (!field.empty() && field[0] == '.') field.erase(0, 1);
  return fail(invalid(resource.kind, resource.group, string_at(object["metadata"], "name"),
                      {kthena::invalid(FieldPath(field), *replicas, "should be a non-negative integer")}));
}

void set_generation(const ResourceInfo& resource, const Json& old, Json& next) {
  auto spec_part = [&](const Json& object) {
    Json copy = object;
    copy.erase("metadata");
    if (resource.status_subresource) copy.erase("status");
    return copy;
  };
  int64_t generation = 1;
  if (auto it = old["metadata"].find("generation"); it != old["metadata"].end() && it->is_number_integer()) {
    generation = it->get<int64_t>();
  }
  if (spec_part(old) != spec_part(next)) ++generation;
  next["metadata"]["generation"] = generation;
}

bool same_object(const Json& a, const Json& b) {
  return without_volatile_metadata(a) == without_volatile_metadata(b);
}

bool is_protected_namespace(const std::string& name) {
  return name == "default" || name == "kube-system" || name == "kube-public";
}

std::optional<int64_t> deletion_grace_seconds(const ResourceInfo& resource, const Json& object,
                                              std::optional<int64_t> requested) {
  if (!is_core(resource, "pods")) return std::nullopt;
  const Json* node = value_at_path(object, ".spec.nodeName");
  if (node == nullptr || !node->is_string() || node->get<std::string>().empty()) return 0;
  if (requested) return std::max<int64_t>(*requested, 0);
  const Json* grace = value_at_path(object, ".spec.terminationGracePeriodSeconds");
  if (grace != nullptr && grace->is_number_integer()) return std::max<int64_t>(grace->get<int64_t>(), 0);
  return 30;
}

const Json* value_at_path(const Json& object, const std::string& path) {
  const Json* node = &object;
  for (const auto& part : split_path(path)) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(part);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

Json make_scale(const ResourceInfo& resource, const Json& object, int64_t rv) {
  const Json& meta = object["metadata"];
  Json scale_meta = Json::object();
  for (const char* key : {"name", "namespace", "uid"}) {
    if (meta.contains(key)) scale_meta[key] = meta[key];
  }
  scale_meta["resourceVersion"] = std::to_string(rv);
  if (meta.contains("creationTimestamp")) scale_meta["creationTimestamp"] = meta["creationTimestamp"];
  const Json* spec_replicas = value_at_path(object, resource.scale->spec_replicas_path);
  const Json* status_replicas = value_at_path(object, resource.scale->status_replicas_path);
  Json status = {
      {"replicas", status_replicas != nullptr && status_replicas->is_number_integer() ? *status_replicas : Json(0)}};
  if (!resource.scale->label_selector_path.empty()) {
    const Json* selector = value_at_path(object, resource.scale->label_selector_path);
    if (selector != nullptr && selector->is_string()) status["selector"] = *selector;
  }
  return Json{
      {"kind", "Scale"},
      {"apiVersion", "autoscaling/v1"},
      {"metadata", scale_meta},
      {"spec",
       {{"replicas", spec_replicas != nullptr && spec_replicas->is_number_integer() ? *spec_replicas : Json(0)}}},
      {"status", status}};
}

ApiResult<Json> apply_scale(const ResourceInfo& resource, const Json& object, const Json& scale) {
  std::string name = string_at(object["metadata"], "name");
  if (!scale.is_object()) return fail(bad_request("the body must be an autoscaling/v1 Scale object"));
  const Json* replicas = value_at_path(scale, ".spec.replicas");
  Json value = replicas != nullptr ? *replicas : Json(0);
  if (!value.is_number_integer()) {
    return fail(
        invalid("Scale", "autoscaling", name, {type_invalid(FieldPath("spec.replicas"), value, "must be an integer")}));
  }
  if (value.get<int64_t>() < 0) {
    return fail(invalid("Scale", "autoscaling", name,
                        {kthena::invalid(FieldPath("spec.replicas"), value, "should be a non-negative integer")}));
  }
  Json next = object;
  set_at_path(next, resource.scale->spec_replicas_path, value);
  std::string rv;
  if (const Json* meta = value_at_path(scale, ".metadata"); meta != nullptr) rv = string_at(*meta, "resourceVersion");
  if (rv.empty()) {
    next["metadata"].erase("resourceVersion");
  } else {
    next["metadata"]["resourceVersion"] = rv;
  }
  return next;
}

}  // namespace kthena::apiserver
