// The caches lag behind a controller's own writes. Expectations bridge that: a pod it created and does not see yet
// counts as present; a pod it deleted and still sees counts as going. Without them a reconcile right after a create
// would find the pod missing and create it twice (client-go's ControllerExpectations, by name and uid rather than
// by count, so that one lost event cannot stall a key). An expectation not met within 30 s is dropped.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kube/object_cache.h"

namespace kthena::controllers {

class Expectations {
 public:
  using Clock = std::chrono::steady_clock;
  void created(const std::string& key, const std::string& pod_name);
  void deleted(const std::string& key, const std::string& pod_uid);
  // Drops what the cache now shows; returns the pod names still expected to appear and the uids still expected to go.
  std::pair<std::set<std::string>, std::set<std::string>> pending(const std::string& key,
                                                                  const std::vector<kube::ObjectPtr>& pods);
  // Whether we deleted the pod `pod_uid` (so its deletion is no news).
  bool expects_deletion(const std::string& key, const std::string& pod_uid);
  void forget(const std::string& key);

 private:
  struct Entry {
    std::map<std::string, Clock::time_point> creates;  // pod name -> give up after
    std::map<std::string, Clock::time_point> deletes;  // pod uid -> give up after
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace kthena::controllers
