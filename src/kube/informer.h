// An informer, as client-go's: lists a resource, then watches it from the list's resourceVersion, keeps an
// ObjectCache current, and calls event handlers. It resumes a broken watch from the last resourceVersion it saw
// (bookmarks advance it), relists after 410 Gone, backs off while the server is unreachable, and can resync
// (replay every cached object as an update) periodically. A watch on which nothing arrives, not even a bookmark, for
// watch_idle_timeout is taken for a connection that died silently (no FIN: a paused server, a partition): it is
// dropped and resumed on a new connection, so the cache cannot go stale without a warning in the log.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "kube/client.h"
#include "kube/object_cache.h"
#include "kube/resource.h"

namespace kthena::kube {

struct EventHandler {
  std::function<void(const ObjectPtr& object)> on_add;
  std::function<void(const ObjectPtr& old_object, const ObjectPtr& new_object)> on_update;
  std::function<void(const ObjectPtr& object)> on_delete;
};

struct InformerOptions {
  std::string ns;  // "" = every namespace
  std::string label_selector;
  std::string field_selector;
  std::chrono::milliseconds resync{0};  // 0: never
  // Each watch asks the server to end it after a random time in [watch_timeout, 2*watch_timeout).
  std::chrono::seconds watch_timeout{300};
  // Longer than the server's bookmark interval (Kubernetes: about a minute; the embedded server: bookmark_interval).
  // Against a server that sends none, a quiet watch is resumed once per idle timeout: a cheap request, not a relist.
  std::chrono::milliseconds watch_idle_timeout{std::chrono::minutes(2)};
  std::chrono::milliseconds max_backoff{std::chrono::seconds(30)};
};

class Informer {
 public:
  Informer(std::shared_ptr<KubeClient> client, Resource resource, InformerOptions options = {});
  ~Informer();
  Informer(const Informer&) = delete;
  Informer& operator=(const Informer&) = delete;

  // Before start(). Handlers run on the informer's thread, one event at a time, after the cache was updated.
  void add_handler(EventHandler handler);
  const ObjectCache& cache() const { return cache_; }
  // Before start().
  void add_index(const std::string& name, IndexFn fn) { cache_.add_index(name, std::move(fn)); }

  void start();
  void stop();
  // True once the first list has been applied to the cache (and handlers called for it).
  bool has_synced() const { return synced_.load(); }
  bool wait_for_sync(std::chrono::milliseconds timeout) const;
  // The resourceVersion the cache is current to.
  std::string resource_version() const;

 private:
  void run(std::stop_token stop);
  bool list_and_apply();
  // Returns true when the informer must relist (410 Gone), false on a clean or failed end of one watch.
  bool watch_once(std::stop_token stop);
  void dispatch_add(const ObjectPtr& object);
  void dispatch_update(const ObjectPtr& old_object, const ObjectPtr& new_object);
  void dispatch_delete(const ObjectPtr& object);
  void maybe_resync();
  void sleep(std::stop_token stop, std::chrono::milliseconds duration);

  std::shared_ptr<KubeClient> client_;
  const Resource resource_;
  const InformerOptions options_;
  ObjectCache cache_;
  std::vector<EventHandler> handlers_;
  std::atomic<bool> synced_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable_any changed_;
  std::string rv_;
  std::chrono::steady_clock::time_point last_resync_{};
  std::chrono::milliseconds backoff_{100};
  std::jthread thread_;
};

}  // namespace kthena::kube
