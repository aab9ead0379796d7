// The per-object rules of the Kubernetes API server that ObjectService applies inside its transactions: what a
// create fills in, what an update may not change, when generation moves, how deletion and the scale subresource
// are expressed in the object. Pure functions of their arguments.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "apiserver/api_status.h"
#include "apiserver/resource_info.h"

namespace kthena::apiserver {

std::string string_at(const Json& object, const char* key);
std::string uid_of(const Json& object);
bool is_deleting(const Json& object);
std::vector<std::string> finalizers_of(const Json& object);
void add_finalizer(Json& object, const std::string& finalizer);
void remove_finalizer(Json& object, const std::string& finalizer);
void remove_owner_reference(Json& object, const std::string& owner_uid);
void mark_deleting(Json& object, const std::string& now, int64_t grace_seconds);
// Deleting, and nothing holds it back: no metadata finalizers (and, for a namespace, no spec finalizers).
bool ready_to_remove(const ResourceInfo& resource, const Json& object);

// A patch may not rename an object or move it to another namespace: the patched object's metadata.name must be the
// URL's `name`, and its namespace, when it has one, the URL's `ns` (empty for cluster-scoped resources). As
// kube-apiserver's checkName: 400 BadRequest, not a silent restore.
ApiResult<void> check_patched_identity(const Json& patched, const std::string& name, const std::string& ns);

// The body must be an object whose apiVersion and kind (filled in when absent) name `resource`.
ApiResult<void> check_type_meta(const ResourceInfo& resource, Json& object);
// uid, creationTimestamp, generation 1; server-owned fields cleared; status as the kind's create strategy says.
void prepare_for_create(const ResourceInfo& resource, Json& object, const std::string& uid, const std::string& now);
// Keeps what an update of the main resource may not change: identity, timestamps, and (with a status subresource)
// the status.
void carry_over_for_update(const ResourceInfo& resource, const Json& old, Json& next);
// No new finalizers once deletion started (422).
ApiResult<void> check_finalizers(const ResourceInfo& resource, const Json& old, const Json& next);
// A kind with a scale subresource rejects negative replicas at its specReplicasPath (422).
ApiResult<void> check_scale_replicas(const ResourceInfo& resource, const Json& object);
// generation + 1 when anything but metadata (and status, with a status subresource) changed.
void set_generation(const ResourceInfo& resource, const Json& old, Json& next);
// Equal but for resourceVersion: an update that changes nothing keeps its resourceVersion (managedFields count: a
// write that only moves ownership is a change, and only a change of ownership updates an entry's time).
bool same_object(const Json& a, const Json& b);
bool is_protected_namespace(const std::string& name);
// The grace period a delete gets: a pod bound to a node is stopped by its node agent first (default
// spec.terminationGracePeriodSeconds, else 30 s); nullopt for everything else.
std::optional<int64_t> deletion_grace_seconds(const ResourceInfo& resource, const Json& object,
                                              std::optional<int64_t> requested);

// The autoscaling/v1 Scale of `object`, and the object with a Scale's replicas written back (the Scale's
// resourceVersion becomes the write's precondition).
Json make_scale(const ResourceInfo& resource, const Json& object, int64_t rv);
ApiResult<Json> apply_scale(const ResourceInfo& resource, const Json& object, const Json& scale);

// The value at a ".a.b.c" path, or null.
const Json* value_at_path(const Json& object, const std::string& path);

}  // namespace kthena::apiserver
