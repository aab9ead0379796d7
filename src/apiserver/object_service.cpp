#include "apiserver/object_service.h"

#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "apiserver/apply/managed_fields.h"
#include "apiserver/crd_rules.h"
#include "apiserver/object_rules.h"
#include "apiserver/patch/json_merge_patch.h"
#include "apiserver/patch/json_patch.h"

namespace kthena::apiserver {
namespace {

// Carries a dry run's result out of a transaction that is then rolled back.
constexpr std::string_view kDryRunRollback = "dry run: roll back";

ObjectKey key_of(const ResourceInfo& resource, const std::string& ns, const std::string& name) {
  return {resource.group, resource.resource, resource.namespaced ? ns : std::string(), name};
}

}  // namespace

std::string now_rfc3339() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

ObjectService::ObjectService(Store& store, AdmitFn admit, MergeRulesFn merge_rules)
    : store_(store), admit_(std::move(admit)), merge_rules_(std::move(merge_rules)), random_(std::random_device{}()) {}

void ObjectService::set_on_delete(std::function<void()> on_delete) {
  std::lock_guard lock(callback_mutex_);
  on_delete_ = std::move(on_delete);
}

void ObjectService::notify_deleted() {
  std::function<void()> callback;
  {
    std::lock_guard lock(callback_mutex_);
    callback = on_delete_;
  }
  if (callback) callback();
}

std::string ObjectService::new_uid() {
  std::lock_guard lock(random_mutex_);
  uint64_t hi = random_(), lo = random_();
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                         // version 4
  lo = (lo & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;  // RFC 4122 variant
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffULL);
}

std::string ObjectService::random_suffix() {
  // apimachinery's SimpleNameGenerator alphabet: no vowels, no confusable characters.
  static constexpr std::string_view kAlphabet = "bcdfghjklmnpqrstvwxz2456789";
  std::lock_guard lock(random_mutex_);
  std::string out;
  for (int i = 0; i < 5; ++i) out += kAlphabet[random_() % kAlphabet.size()];
  return out;
}

namespace {

FieldManager field_manager(const ResourceInfo& resource, const WriteOptions& options, Subresource subresource) {
  std::string api_version = resource.group.empty() ? resource.version : resource.group + "/" + resource.version;
  std::string sub = subresource == Subresource::kStatus ? "status" : subresource == Subresource::kScale ? "scale" : "";
  return {options.field_manager.empty() ? std::string("unknown") : options.field_manager, std::move(api_version),
          std::move(sub)};
}

}  // namespace

ListRuleLookup ObjectService::rules_of(const ResourceInfo& resource) const {
  return [this, &resource](const std::vector<std::string>& path) {
    return merge_rules_ ? merge_rules_(resource, path) : ListMergeRule{};
  };
}

ApiResult<StoredObject> ObjectService::get(const ResourceInfo& resource, const std::string& ns,
                                           const std::string& name) const {
  auto found = store_.get(key_of(resource, ns, name));
  if (!found) return fail(not_found(resource.resource, resource.group, name));
  return *found;
}

Store::ListResult ObjectService::list(const ResourceInfo& resource, const std::string& ns,
                                      const ListOptions& options) const {
  Store::ListQuery query{resource.group, resource.resource, resource.namespaced ? ns : std::string(),
                         options.after,  options.limit,     options.matches};
  return store_.list(query);
}

ApiResult<Written> ObjectService::create(const ResourceInfo& resource, const std::string& ns, Json object,
                                         const WriteOptions& options) {
  if (auto r = check_type_meta(resource, object); !r) return fail(r.error());
  Json& meta = object["metadata"];
  if (resource.namespaced) {
    std::string body_ns = string_at(meta, "namespace");
    if (!body_ns.empty() && body_ns != ns) {
      return fail(bad_request("the namespace of the provided object does not match the namespace sent on the request"));
    }
    meta["namespace"] = ns;
  } else {
    meta.erase("namespace");
  }
  if (string_at(meta, "name").empty()) {
    std::string prefix = string_at(meta, "generateName");
    if (prefix.empty()) {
      return fail(invalid(resource.kind, resource.group, "",
                          {required(FieldPath("metadata.name"), "name or generateName is required")}));
    }
    meta["name"] = prefix + random_suffix();
  }
  const std::string name = meta["name"].get<std::string>();
  const ObjectKey key = key_of(resource, ns, name);

  ApiResult<Written> result = fail(internal_error("create did not run"));
  auto committed = store_.transact([&](StoreTransaction& txn) -> Result<void> {
    result = [&]() -> ApiResult<Written> {
      if (resource.namespaced) {
        auto namespace_object = txn.get({"", "namespaces", "", ns});
        if (!namespace_object) return fail(not_found("namespaces", "", ns));
        if (is_deleting(*namespace_object->object)) {
          return fail(forbidden(fmt::format(
              "{} \"{}\" is forbidden: unable to create new content in namespace {} because it is being terminated",
              qualified_resource(resource.resource, resource.group), name, ns)));
        }
      }
      if (txn.get(key)) return fail(already_exists(resource.resource, resource.group, name));
      Json next = object;
      prepare_for_create(resource, next, new_uid(), now_rfc3339());
      std::vector<std::string> warnings;
      auto admitted = admit_ ? admit_({resource, Operation::kCreate, Subresource::kNone, nullptr, options.validation},
                                      next, warnings)
                             : ApiResult<Json>(next);
      if (!admitted) return fail(admitted.error());
      next = std::move(*admitted);
      if (auto r = check_scale_replicas(resource, next); !r) return fail(r.error());
      const FieldManager who = field_manager(resource, options, Subresource::kNone);
      if (options.apply) {
        // Created by an apply: the manager owns the fields of its configuration, as Apply.
        auto applied = server_side_apply(nullptr, object, who, true, rules_of(resource));
        if (!applied) return fail(applied.error());
        next["metadata"]["managedFields"] = (*applied)["metadata"].value("managedFields", Json::array());
      } else if (options.own_fields) {
        record_update(nullptr, next, who, rules_of(resource));
      }
      auto stored = txn.put(key, std::move(next));
      if (!stored) return fail(status_from(stored.error()));
      return Written{*stored, true, std::move(warnings)};
    }();
    if (!result) return fail(ErrorCode::kConflict, "rolled back");
    if (options.dry_run) return fail(ErrorCode::kInternal, std::string(kDryRunRollback));
    return {};
  });
  if (result && options.dry_run) {
    Json shown = *result->object.object;
    shown["metadata"].erase("resourceVersion");
    result->object = {std::make_shared<const Json>(shown), std::make_shared<const std::string>(shown.dump()), 0};
    return result;
  }
  if (result && !committed) return fail(status_from(committed.error()));
  return result;
}

ApiResult<Written> ObjectService::update(const ResourceInfo& resource, const std::string& ns, const std::string& name,
                                         Json object, Subresource subresource, const WriteOptions& options) {
  if (subresource != Subresource::kScale) {
    if (auto r = check_type_meta(resource, object); !r) return fail(r.error());
    std::string body_name = string_at(object["metadata"], "name");
    if (body_name != name) {
      return fail(bad_request(
          fmt::format("the name of the object ({}) does not match the name on the URL ({})", body_name, name)));
    }
    std::string body_ns = string_at(object["metadata"], "namespace");
    if (resource.namespaced && !body_ns.empty() && body_ns != ns) {
      return fail(bad_request("the namespace of the provided object does not match the namespace sent on the request"));
    }
  }
  const ObjectKey key = key_of(resource, ns, name);
  ApiResult<Written> result = fail(internal_error("update did not run"));
  auto committed = store_.transact([&](StoreTransaction& txn) -> Result<void> {
    result = [&]() -> ApiResult<Written> {
      auto current = txn.get(key);
      if (!current) return fail(not_found(resource.resource, resource.group, name));
      Json next = object;
      if (subresource == Subresource::kScale) {
        auto scaled = apply_scale(resource, *current->object, object);
        if (!scaled) return fail(scaled.error());
        next = std::move(*scaled);
      }
      return write(resource, txn, key, *current, std::move(next), subresource, options);
    }();
    if (!result) return fail(ErrorCode::kConflict, "rolled back");
    if (options.dry_run) return fail(ErrorCode::kInternal, std::string(kDryRunRollback));
    return {};
  });
  if (result && !options.dry_run && !committed) return fail(status_from(committed.error()));
  if (result && result->object.rv == 0) notify_deleted();
  return result;
}

ApiResult<Written> ObjectService::patch(const ResourceInfo& resource, const std::string& ns, const std::string& name,
                                        PatchType type, const Json& patch, Subresource subresource,
                                        const WriteOptions& options) {
  if (type == PatchType::kStrategicMerge && !resource.builtin) {
    return fail(unsupported_media_type(
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml"));
  }
  const ObjectKey key = key_of(resource, ns, name);
  bool create_instead = false;
  ApiResult<Written> result = fail(internal_error("patch did not run"));
  auto committed = store_.transact([&](StoreTransaction& txn) -> Result<void> {
    result = [&]() -> ApiResult<Written> {
      auto current = txn.get(key);
      if (!current) {
        if (type == PatchType::kApply && subresource == Subresource::kNone) {
          create_instead = true;
          return Written{};
        }
        return fail(not_found(resource.resource, resource.group, name));
      }
      Json base = *current->object;
      if (subresource == Subresource::kScale) {
        auto scale = scale_of(resource, *current);
        if (!scale) return fail(scale.error());
        base = std::move(*scale);
      }
      const bool applying = type == PatchType::kApply && subresource == Subresource::kNone;
      // Conflicts are judged on the defaulted result, as kube-apiserver (admission without validation).
      auto defaulted = [&](const Json& object) {
        if (!admit_) return object;
        std::vector<std::string> ignored;
        auto admitted = admit_({resource, Operation::kUpdate, Subresource::kNone, &base, FieldValidation::kIgnore},
                               object, ignored);
        return admitted ? *admitted : object;
      };
      auto patched = applying ? server_side_apply(&base, patch, field_manager(resource, options, subresource),
                                                  options.force, rules_of(resource), defaulted)
                              : apply_patch(resource, base, type, patch, subresource);
      if (!patched) return fail(patched.error());
      Json next = std::move(*patched);
      if (subresource != Subresource::kScale) {
        if (auto r = check_patched_identity(next, name, resource.namespaced ? ns : std::string()); !r) {
          return fail(r.error());
        }
      }
      if (subresource == Subresource::kScale) {
        auto scaled = apply_scale(resource, *current->object, next);
        if (!scaled) return fail(scaled.error());
        next = std::move(*scaled);
      }
      return write(resource, txn, key, *current, std::move(next), subresource, options, applying);
    }();
    if (!result) return fail(ErrorCode::kConflict, "rolled back");
    if (create_instead) return {};
    if (options.dry_run) return fail(ErrorCode::kInternal, std::string(kDryRunRollback));
    return {};
  });
  if (create_instead) {
    Json object = patch;
    if (!object.is_object()) return fail(bad_request("an apply patch must be an object"));
    if (!object.contains("metadata") || !object["metadata"].is_object()) object["metadata"] = Json::object();
    if (string_at(object["metadata"], "name").empty()) object["metadata"]["name"] = name;
    WriteOptions create_options = options;
    create_options.apply = true;
    return create(resource, ns, std::move(object), create_options);
  }
  if (result && !options.dry_run && !committed) return fail(status_from(committed.error()));
  if (result && result->object.rv == 0) notify_deleted();
  return result;
}

ApiResult<Json> ObjectService::apply_patch(const ResourceInfo& resource, const Json& current, PatchType type,
                                           const Json& patch, Subresource subresource) const {
  (void)subresource;
  auto rules = [&](const std::vector<std::string>& path) {
    return merge_rules_ ? merge_rules_(resource, path) : ListMergeRule{};
  };
  switch (type) {
    case PatchType::kMerge: {
      if (!patch.is_object()) return fail(bad_request("a merge patch must be a JSON object"));
      Json next = current;
      apply_merge_patch(next, patch);
      return next;
    }
    case PatchType::kJson: {
      auto next = apply_json_patch(current, patch);
      if (!next) {
        auto status = status_from(next.error());
        status.message = next.error().message;
        return fail(status);
      }
      return *next;
    }
    case PatchType::kStrategicMerge:
    case PatchType::kApply: {
      // Apply merges the applied configuration as a structured merge: maps by key, list-type=map lists by their
      // keys, other lists replaced. Field ownership (managedFields) is not tracked: see docs/apiserver.md.
      auto next = apply_strategic_merge_patch(current, patch, rules);
      if (!next) return fail(status_from(next.error()));
      return *next;
    }
  }
  return fail(internal_error("unknown patch type"));
}

ApiResult<Written> ObjectService::write(const ResourceInfo& resource, StoreTransaction& txn, const ObjectKey& key,
                                        const StoredObject& current, Json next, Subresource subresource,
                                        const WriteOptions& options, bool applied) {
  const Json& old = *current.object;
  if (!next.is_object()) return fail(bad_request("the object must be a JSON object"));
  if (!next.contains("metadata") || !next["metadata"].is_object()) next["metadata"] = Json::object();
  // A client's managedFields are never taken: the server's, from server-side apply or recorded below.
  const Json applied_fields = applied ? next["metadata"].value("managedFields", Json()) : Json();
  std::string precondition = string_at(next["metadata"], "resourceVersion");
  if (!precondition.empty() && precondition != std::to_string(current.rv)) {
    return fail(conflict(resource.resource, resource.group, key.name));
  }
  if (subresource == Subresource::kStatus) {
    Json status_only = old;
    if (next.contains("status")) {
      status_only["status"] = next["status"];
    } else {
      status_only.erase("status");
    }
    next = std::move(status_only);
  } else {
    carry_over_for_update(resource, old, next);
    if (auto r = check_finalizers(resource, old, next); !r) return fail(r.error());
  }
  std::vector<std::string> warnings;
  if (admit_) {
    auto admitted = admit_({resource, Operation::kUpdate, subresource, &old, options.validation}, next, warnings);
    if (!admitted) return fail(admitted.error());
    next = std::move(*admitted);
  }
  if (auto r = check_scale_replicas(resource, next); !r) return fail(r.error());
  set_generation(resource, old, next);
  if (applied) {
    if (applied_fields.is_array()) {
      next["metadata"]["managedFields"] = applied_fields;
    } else {
      next["metadata"].erase("managedFields");
    }
  } else {
    next["metadata"].erase("managedFields");
    record_update(&old, next, field_manager(resource, options, subresource), rules_of(resource));
  }
  if (same_object(old, next)) return Written{current, false, std::move(warnings)};
  if (ready_to_remove(resource, next)) {
    auto removed = txn.remove(key);
    if (!removed) return fail(status_from(removed.error()));
    StoredObject gone = *removed;
    gone.rv = 0;  // tells the caller to wake the garbage collector
    return Written{gone, false, std::move(warnings)};
  }
  auto stored = txn.put(key, std::move(next));
  if (!stored) return fail(status_from(stored.error()));
  if (options.dry_run) {
    Json shown = *stored->object;
    shown["metadata"]["resourceVersion"] = std::to_string(current.rv);
    return Written{{std::make_shared<const Json>(shown), std::make_shared<const std::string>(shown.dump()), current.rv},
                   false,
                   std::move(warnings)};
  }
  return Written{*stored, false, std::move(warnings)};
}

ApiResult<Written> ObjectService::mutate(const ResourceInfo& resource, const std::string& ns, const std::string& name,
                                         const std::function<void(Json&)>& fn) {
  const ObjectKey key = key_of(resource, ns, name);
  ApiResult<Written> result = fail(internal_error("mutate did not run"));
  auto committed = store_.transact([&](StoreTransaction& txn) -> Result<void> {
    result = [&]() -> ApiResult<Written> {
      auto current = txn.get(key);
      if (!current) return fail(not_found(resource.resource, resource.group, name));
      Json next = *current->object;
      fn(next);
      if (same_object(*current->object, next)) return Written{*current, false, {}};
      if (ready_to_remove(resource, next)) {
        auto removed = txn.remove(key);
        if (!removed) return fail(status_from(removed.error()));
        StoredObject gone = *removed;
        gone.rv = 0;
        return Written{gone, false, {}};
      }
      auto stored = txn.put(key, std::move(next));
      if (!stored) return fail(status_from(stored.error()));
      return Written{*stored, false, {}};
    }();
    if (!result) return fail(ErrorCode::kConflict, "rolled back");
    return {};
  });
  if (result && !committed) return fail(status_from(committed.error()));
  if (result && result->object.rv == 0) notify_deleted();
  return result;
}

ApiResult<Deleted> ObjectService::remove(const ResourceInfo& resource, const std::string& ns, const std::string& name,
                                         const DeleteOptions& options) {
  const ObjectKey key = key_of(resource, ns, name);
  ApiResult<Deleted> result = fail(internal_error("delete did not run"));
  auto committed = store_.transact([&](StoreTransaction& txn) -> Result<void> {
    result = [&]() -> ApiResult<Deleted> {
      auto current = txn.get(key);
      if (!current) return fail(not_found(resource.resource, resource.group, name));
      return remove_in(txn, resource, key, *current, options);
    }();
    if (!result) return fail(ErrorCode::kConflict, "rolled back");
    if (options.dry_run) return fail(ErrorCode::kInternal, std::string(kDryRunRollback));
    return {};
  });
  if (!result) return result;
  if (options.dry_run) {
    // Nothing was stored: answer with the object as it is.
    auto current = store_.get(key);
    if (current) result->object = *current;
    return result;
  }
  if (!committed) return fail(status_from(committed.error()));
  notify_deleted();
  return result;
}

ApiResult<Deleted> ObjectService::remove_in(StoreTransaction& txn, const ResourceInfo& resource, const ObjectKey& key,
                                            const StoredObject& current, const DeleteOptions& options) {
  const Json& object = *current.object;
  const std::string uid = uid_of(object);
  if (!options.precondition_uid.empty() && options.precondition_uid != uid) {
    return fail(conflict(resource.resource, resource.group, key.name,
                         fmt::format("Precondition failed: UID in precondition: {}, UID in object meta: {}",
                                     options.precondition_uid, uid)));
  }
  if (!options.precondition_resource_version.empty() &&
      options.precondition_resource_version != std::to_string(current.rv)) {
    return fail(conflict(resource.resource, resource.group, key.name,
                         fmt::format("Precondition failed: ResourceVersion in precondition: {}, ResourceVersion in "
                                     "object meta: {}",
                                     options.precondition_resource_version, current.rv)));
  }
  if (resource.group.empty() && resource.resource == "namespaces" && is_protected_namespace(key.name)) {
    return fail(forbidden(fmt::format("namespaces \"{}\" is forbidden: this namespace may not be deleted", key.name)));
  }
  if (is_crd_resource(resource)) return fail(crd_deletion_refused(key.name));
  const std::string& policy = options.propagation.empty() ? std::string("Background") : options.propagation;
  if (policy != "Background" && policy != "Foreground" && policy != "Orphan") {
    return fail(bad_request(
        fmt::format("DeleteOptions.propagationPolicy: Unsupported value: \"{}\": supported values: \"Foreground\", "
                    "\"Background\", \"Orphan\"",
                    policy)));
  }

  Json next = object;
  auto grace = deletion_grace_seconds(resource, object, options.grace_period_seconds);
  if (is_deleting(object)) {
    // Already on its way out: only a shorter grace period (a force delete of a pod) changes anything.
    if (grace && *grace == 0 && finalizers_of(object).empty()) {
      auto removed = txn.remove(key);
      if (!removed) return fail(status_from(removed.error()));
      return Deleted{*removed, true};
    }
    return Deleted{current, false};
  }

  auto dependents = txn.dependents(uid);
  if (policy == "Orphan") {
    for (const auto& dependent_key : dependents) {
      auto dependent = txn.get(dependent_key);
      if (!dependent) continue;
      Json orphaned = *dependent->object;
      remove_owner_reference(orphaned, uid);
      auto stored = txn.put(dependent_key, std::move(orphaned));
      if (!stored) return fail(status_from(stored.error()));
    }
  }
  if (policy == "Foreground" && !dependents.empty()) add_finalizer(next, "foregroundDeletion");
  if (resource.group.empty() && resource.resource == "namespaces") next["status"]["phase"] = "Terminating";
  mark_deleting(next, now_rfc3339(), grace.value_or(0));
  if (ready_to_remove(resource, next)) {
    auto removed = txn.remove(key);
    if (!removed) return fail(status_from(removed.error()));
    return Deleted{*removed, true};
  }
  auto stored = txn.put(key, std::move(next));
  if (!stored) return fail(status_from(stored.error()));
  return Deleted{*stored, false};
}

ApiResult<Json> ObjectService::scale_of(const ResourceInfo& resource, const StoredObject& stored) const {
  if (!resource.scale) return fail(not_found(resource.resource + "/scale", resource.group, ""));
  return make_scale(resource, *stored.object, stored.rv);
}

}  // namespace kthena::apiserver
