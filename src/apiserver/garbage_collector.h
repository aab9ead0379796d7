// Garbage collection by ownerReferences, as Kubernetes' garbage collector does it, derived entirely from the stored
// objects so that a restart at any point loses nothing:
// - an object whose owners are all gone is deleted (Background propagation); references to owners that are gone
//   are dropped from an object that still has a live owner;
// - an owner deleted in the foreground (finalizer `foregroundDeletion`) waits until its dependents are gone;
// - an `orphan` finalizer strips the owner's references from its dependents;
// - a terminating namespace is emptied, then removed; meanwhile its status conditions say what remains.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "apiserver/object_service.h"

namespace kthena::apiserver {

using ResourceLookup = std::function<const ResourceInfo*(const std::string& group, const std::string& resource)>;

class GarbageCollector {
 public:
  GarbageCollector(Store& store, ObjectService& objects, ResourceLookup lookup);
  ~GarbageCollector();
  GarbageCollector(const GarbageCollector&) = delete;
  GarbageCollector& operator=(const GarbageCollector&) = delete;

  // Starts the worker: a pass after every poke() and every `period`.
  void start(std::chrono::milliseconds period = std::chrono::seconds(30));
  void stop();
  // Schedules a pass soon. Any thread; never blocks.
  void poke();
  // One pass; returns how many objects it changed. Used by the worker and by tests.
  size_t collect_once();

 private:
  void run(std::stop_token stop, std::chrono::milliseconds period);
  size_t collect_orphans();
  size_t collect_deleting_owners();
  size_t collect_namespaces();
  void report_remaining(const std::string& ns);
  bool delete_object(const ObjectKey& key);

  Store& store_;
  ObjectService& objects_;
  ResourceLookup lookup_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  bool poked_ = false;
  std::jthread worker_;
};

}  // namespace kthena::apiserver
