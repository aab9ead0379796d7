// What a ModelServing has in the world, rebuilt on every reconcile from the informers' caches (pod labels are the
// record: spec §3.4's rule "all state must be reconstructible from pod labels", with no store of our own):
// serving groups by ordinal, their role instances by role and ordinal, and each instance's pods.
//
// The caches lag behind our own writes. Expectations bridge that: a pod we created and do not see yet counts as
// present (not ready); a pod we deleted and still see counts as terminating. Without them a reconcile right after a
// create would find the pod missing and act on it twice (RoleRecreate would delete its siblings).
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "api/json.h"
#include "controllers/expectations.h"
#include "kube/object_cache.h"

namespace kthena::controllers::modelserving {

using kube::ObjectPtr;

bool pod_running_and_ready(const Json& pod);
// Failed, or a container (or init container) restarted: upstream's error pod (spec §3.9).
bool pod_failed(const Json& pod);
bool is_terminating(const Json& object);

struct InstanceState {
  int ordinal = 0;
  std::string role;
  std::string role_id;
  std::map<int, ObjectPtr> pods;  // by pod index (0 = entry), live pods only
  int pending = 0;                // created by us, not yet in the cache
  int terminating = 0;
  std::string revision;       // of its pods (the first found)
  std::string template_hash;  // of its pods
  int ready = 0;              // pods Running and Ready
  bool running = false;       // every expected pod Running and Ready (set by the reconciler, which knows the role)
  bool failed = false;        // one of its pods is an error pod
  int present() const { return static_cast<int>(pods.size()) + pending; }
};

struct GroupState {
  int ordinal = 0;
  std::string name;
  std::map<std::string, std::map<int, InstanceState>> roles;  // role -> ordinal -> instance
  std::set<std::string> revisions;                            // of its live pods
  int live_pods = 0;
  int terminating_pods = 0;
  bool deleting() const { return live_pods == 0 && terminating_pods > 0; }
};

struct ObservedState {
  std::map<int, GroupState> groups;     // by ordinal; groups with live or terminating pods
  std::vector<ObjectPtr> foreign_pods;  // carry our names but another owner
};

// Per ModelServing: pods created and deleted that the cache has not caught up with. Thread-safe.
using controllers::Expectations;

// Builds the state of `ms` from its pods (those labelled with its name), with the expectations applied.
ObservedState observe(const Json& ms, const std::vector<ObjectPtr>& pods, const std::set<std::string>& pending_names,
                      const std::set<std::string>& deleted_uids);

}  // namespace kthena::controllers::modelserving
