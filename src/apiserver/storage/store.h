// The durable object store of the embedded API server.
//
// SQLite (WAL, synchronous=FULL) holds the truth: one table of objects keyed by (group, resource, namespace, name)
// and an event log keyed by resourceVersion. A transaction returns only after its COMMIT is on disk, so a kill -9
// at any point loses no acknowledged write. Transactions that arrive while a commit is being synced are run
// together by one writer thread and share the next commit (group commit): each still succeeds or fails alone
// (a savepoint each), and each is acknowledged only after the shared commit is on disk. Everything else is derived from
// those tables when the store opens: the in-memory copy of every object that reads are served from, the uid and owner
// indexes that garbage collection uses, and the watch history.
//
// The store knows resourceVersions and nothing else of Kubernetes: uids, generations, finalizers and garbage
// collection are rules of the layer above (ObjectService), which runs them inside one transaction.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "apiserver/storage/object_key.h"
#include "apiserver/storage/sqlite_database.h"
#include "apiserver/storage/watch_hub.h"
#include "common/result.h"

namespace kthena::apiserver {

struct StoreOptions {
  // Events kept for watches to resume from; a watch from an older resourceVersion gets 410 Gone.
  size_t event_history = 10000;
  // ...and at most this many bytes of their JSON.
  size_t event_history_bytes = 256 * 1024 * 1024;
  // Undelivered events a watcher may hold before its stream is closed.
  size_t watcher_queue = 10000;
  // Undelivered bytes a watcher may hold, and all watchers together, before a watcher is closed.
  size_t watcher_bytes = 8 * 1024 * 1024;
  size_t all_watchers_bytes = 256 * 1024 * 1024;
};

class StoreTransaction;

class Store {
 public:
  // Opens (creating if needed) the database file and loads it. Fails if another process holds it.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& file, const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Reads: any thread; each sees one committed state.
  std::optional<StoredObject> get(const ObjectKey& key) const;
  std::optional<ObjectKey> key_of_uid(const std::string& uid) const;
  int64_t resource_version() const;

  struct ListQuery {
    std::string group;
    std::string resource;
    std::string ns;  // "" = every namespace
    // Resume after this (namespace, name), exclusive: the continue point of a paged list.
    std::optional<std::pair<std::string, std::string>> after;
    size_t limit = 0;                          // 0 = no limit
    std::function<bool(const Json&)> matches;  // empty = every object
  };
  struct ListResult {
    std::vector<StoredObject> items;
    int64_t rv = 0;  // the state the items were read at
    // When `limit` cut the list short: the (namespace, name) of the last item returned.
    std::optional<std::pair<std::string, std::string>> next;
  };
  ListResult list(const ListQuery& query) const;

  // Runs `body` as one atomic, durable transaction, on the writer thread (the caller blocks until it is durable).
  // Writers are serialized; readers are never blocked by the disk. If `body` fails, nothing of it is stored and its
  // error is returned. `body` must not call transact() or watch().
  Result<void> transact(const std::function<Result<void>(StoreTransaction&)>& body);

  // A watch of everything after `from_rv`; `from_rv` = 0 means "from now", preceded by a synthetic ADDED event
  // for every object that matches. kGone when `from_rv` has been compacted away.
  Result<std::shared_ptr<Watcher>> watch(WatchFilter filter, int64_t from_rv);
  int64_t compacted_rv() const;

  // Ends every open watch; used at shutdown before the HTTP server drains.
  void close_watches();
  const WatchHub& watch_hub() const { return hub_; }

  // Every object for which `matches` holds: a full scan, for the garbage collector's periodic passes.
  std::vector<std::pair<ObjectKey, StoredObject>> scan(
      const std::function<bool(const ObjectKey&, const Json&)>& matches) const;

  // Owner uid -> dependents, as the ownerReferences of stored objects say (for garbage collection).
  std::vector<ObjectKey> dependents(const std::string& owner_uid) const;
  // The owner uids that some object references but no stored object has: their dependents are garbage.
  std::vector<std::string> missing_owners() const;

 private:
  friend class StoreTransaction;
  struct Statements;
  struct Pending;
  Store(SqliteDatabase db, const StoreOptions& options);
  Result<void> load();
  void run_writer(std::stop_token stop);
  void commit_batch(std::vector<std::shared_ptr<Pending>>& batch);
  void index(const ObjectKey& key, const Json& object);
  void unindex(const ObjectKey& key, const Json& object);

  const StoreOptions options_;
  std::mutex write_mutex_;  // serializes transactions, the database connection and publication
  SqliteDatabase db_;

  std::mutex queue_mutex_;
  std::condition_variable_any queue_ready_;
  std::vector<std::shared_ptr<Pending>> queue_;
  std::unique_ptr<Statements> statements_;
  int64_t last_compaction_check_ = 0;

  mutable std::shared_mutex state_mutex_;  // guards the fields below
  std::map<ObjectKey, StoredObject> objects_;
  std::unordered_map<std::string, ObjectKey> uids_;
  std::unordered_map<std::string, std::set<ObjectKey>> owners_;
  int64_t rv_ = 0;

  WatchHub hub_;
  std::jthread writer_;  // last: stopped first
};

// The view of a transaction in progress: reads see its own earlier writes. Used only on the thread that runs it.
class StoreTransaction {
 public:
  std::optional<StoredObject> get(const ObjectKey& key) const;
  std::optional<ObjectKey> key_of_uid(const std::string& uid) const;
  std::vector<ObjectKey> dependents(const std::string& owner_uid) const;

  // Stores `object` under `key` with the next resourceVersion (written into metadata.resourceVersion) and logs an
  // ADDED or MODIFIED event.
  Result<StoredObject> put(const ObjectKey& key, Json object);
  // Deletes `key` and logs a DELETED event carrying its last state with the deletion's resourceVersion.
  Result<StoredObject> remove(const ObjectKey& key);

 private:
  friend class Store;
  explicit StoreTransaction(Store& store, int64_t rv) : store_(store), rv_(rv) {}
  // What one body of a group commit changed, for undoing it alone.
  struct Mark {
    std::map<ObjectKey, std::optional<StoredObject>> staged;
    size_t events = 0;
    int64_t rv = 0;
  };
  Mark mark() const { return {staged_, events_.size(), rv_}; }
  void undo_to(Mark mark);
  Store& store_;
  int64_t rv_;
  std::map<ObjectKey, std::optional<StoredObject>> staged_;  // nullopt = deleted
  std::vector<EventPtr> events_;
};

}  // namespace kthena::apiserver
