// The Kubernetes semantics of objects on top of the Store: what create, update, patch and delete mean for
// metadata (uid, generation, resourceVersion preconditions, deletionTimestamp and finalizers), for the status and
// scale subresources, for namespaces, and for owners and their dependents. Every call is one Store transaction, so
// it either happens entirely and durably or not at all.
//
// Thread-safe: any number of request threads.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "apiserver/api_status.h"
#include "apiserver/patch/strategic_merge_patch.h"
#include "apiserver/resource_info.h"
#include "apiserver/storage/store.h"

namespace kthena::apiserver {

enum class FieldValidation { kIgnore, kWarn, kStrict };
enum class Operation { kCreate, kUpdate };
enum class Subresource { kNone, kStatus, kScale };
enum class PatchType { kMerge, kJson, kStrategicMerge, kApply };

// The admission pipeline (pruning of unknown fields, defaults, schema and webhook validation). It returns the object
// to store, adding warnings for unknown fields under kWarn; under kStrict unknown fields are a 400, invalid values
// a 422. `old` is the stored object on update.
struct AdmissionRequest {
  const ResourceInfo& resource;
  Operation operation;
  Subresource subresource;
  const Json* old;
  FieldValidation validation;
};
using AdmitFn =
    std::function<ApiResult<Json>(const AdmissionRequest& request, Json object, std::vector<std::string>& warnings)>;

// The list-merge rules of a built-in kind, for strategic merge patch and apply.
using MergeRulesFn = std::function<ListMergeRule(const ResourceInfo& resource, const std::vector<std::string>& path)>;

struct WriteOptions {
  bool dry_run = false;
  std::string field_manager;  // managedFields' manager; "unknown" when empty
  FieldValidation validation = FieldValidation::kStrict;
  bool force = false;
  bool apply = false;  // a create made by server-side apply (its fields are owned as Apply)
  // False for objects the server makes for itself at startup (the CRDs of its kinds): nobody owns their fields, so
  // the first apply of a user's own copy takes them without a conflict.
  bool own_fields = true;
};

struct DeleteOptions {
  std::string propagation;  // "Background" (default), "Foreground", "Orphan"
  std::optional<int64_t> grace_period_seconds;
  std::string precondition_uid;
  std::string precondition_resource_version;
  bool dry_run = false;
};

struct Written {
  StoredObject object;
  bool created = false;
  std::vector<std::string> warnings;
};

// A delete either removed the object (its last state) or left it waiting on finalizers or dependents (the object
// with deletionTimestamp set).
struct Deleted {
  StoredObject object;
  bool gone = false;
};

struct ListOptions {
  std::function<bool(const Json&)> matches;
  size_t limit = 0;
  std::optional<std::pair<std::string, std::string>> after;
};

class ObjectService {
 public:
  ObjectService(Store& store, AdmitFn admit, MergeRulesFn merge_rules);

  ApiResult<StoredObject> get(const ResourceInfo& resource, const std::string& ns, const std::string& name) const;
  Store::ListResult list(const ResourceInfo& resource, const std::string& ns, const ListOptions& options) const;

  ApiResult<Written> create(const ResourceInfo& resource, const std::string& ns, Json object,
                            const WriteOptions& options);
  // PUT. For kStatus only `.status` is taken from `object`; kScale takes an autoscaling/v1 Scale.
  ApiResult<Written> update(const ResourceInfo& resource, const std::string& ns, const std::string& name, Json object,
                            Subresource subresource, const WriteOptions& options);
  ApiResult<Written> patch(const ResourceInfo& resource, const std::string& ns, const std::string& name, PatchType type,
                           const Json& patch, Subresource subresource, const WriteOptions& options);
  ApiResult<Deleted> remove(const ResourceInfo& resource, const std::string& ns, const std::string& name,
                            const DeleteOptions& options);

  // The autoscaling/v1 Scale view of an object of a kind with a scale subresource.
  ApiResult<Json> scale_of(const ResourceInfo& resource, const StoredObject& object) const;

  // A system change that skips admission (the garbage collector removing a finalizer or a dangling owner
  // reference). `mutate` edits a copy of the stored object; an object left with deletionTimestamp and no finalizers
  // is removed. NotFound when the object is gone.
  ApiResult<Written> mutate(const ResourceInfo& resource, const std::string& ns, const std::string& name,
                            const std::function<void(Json&)>& mutate);

  // Called after every commit that may have created garbage (a delete, a finalizer removed): the garbage
  // collector's wake-up. Must not block.
  void set_on_delete(std::function<void()> on_delete);

 private:
  // `applied`: `next` comes from server-side apply and carries its managedFields; otherwise they are recorded here
  // as an Update.
  ApiResult<Written> write(const ResourceInfo& resource, StoreTransaction& txn, const ObjectKey& key,
                           const StoredObject& current, Json next, Subresource subresource, const WriteOptions& options,
                           bool applied = false);
  ListRuleLookup rules_of(const ResourceInfo& resource) const;
  ApiResult<Deleted> remove_in(StoreTransaction& txn, const ResourceInfo& resource, const ObjectKey& key,
                               const StoredObject& current, const DeleteOptions& options);
  ApiResult<Json> apply_patch(const ResourceInfo& resource, const Json& current, PatchType type, const Json& patch,
                              Subresource subresource) const;
  std::string new_uid();
  std::string random_suffix();
  void notify_deleted();

  Store& store_;
  AdmitFn admit_;
  MergeRulesFn merge_rules_;
  std::mutex random_mutex_;
  std::mt19937_64 random_;
  std::mutex callback_mutex_;
  std::function<void()> on_delete_;
};

// "2026-11-26T18:50:04Z": the RFC 3339 form Kubernetes stores timestamps in (seconds precision).
std::string now_rfc3339();

}  // namespace kthena::apiserver
