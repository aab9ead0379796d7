// The informer's store: the latest state of every watched object, keyed "namespace/name" (or "name" for
// cluster-scoped objects), with secondary indexes. Objects are handed out as shared_ptr<const Json>: readers share
// the cache's copy and cannot mutate it ("never mutate the store" enforced by the type).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "api/json.h"

namespace kthena::kube {

using ObjectPtr = std::shared_ptr<const Json>;
// The values an object is indexed under (e.g. its owner's uid, its node name).
using IndexFn = std::function<std::vector<std::string>(const Json& object)>;

// Thread-safe: the informer thread writes, any thread reads.
class ObjectCache {
 public:
  ObjectCache();

  // Adds an index; call before the informer starts. "namespace" exists from the start.
  void add_index(const std::string& name, IndexFn fn);

  ObjectPtr get(std::string_view key) const;
  ObjectPtr get(std::string_view ns, std::string_view name) const;
  std::vector<ObjectPtr> list() const;
  std::vector<ObjectPtr> by_index(const std::string& index, const std::string& value) const;
  size_t size() const;

  // Informer side. Each returns the previous object under the key (null if none).
  ObjectPtr upsert(ObjectPtr object);
  ObjectPtr remove(std::string_view key);
  struct Delta {
    std::vector<ObjectPtr> added;
    std::vector<std::pair<ObjectPtr, ObjectPtr>> updated;  // (old, new)
    std::vector<ObjectPtr> deleted;
  };
  // Replaces the whole content (after a list) and says what changed.
  Delta replace(std::vector<ObjectPtr> objects);

  static std::string key_of(const Json& object);

 private:
  void index_locked(const std::string& key, const Json& object);
  void unindex_locked(const std::string& key, const Json& object);

  mutable std::shared_mutex mutex_;
  std::map<std::string, ObjectPtr, std::less<>> objects_;
  std::map<std::string, IndexFn> index_fns_;
  // index name -> value -> keys
  std::unordered_map<std::string, std::unordered_map<std::string, std::set<std::string>>> indexes_;
};

}  // namespace kthena::kube
