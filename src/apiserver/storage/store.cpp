#include "apiserver/storage/store.h"

#include <fmt/format.h>

#include "common/log.h"

namespace kthena::apiserver {
namespace {

constexpr int64_t kSchemaVersion = 1;
// The event log is trimmed once per this many writes rather than on every commit.
constexpr int64_t kCompactionInterval = 1000;

constexpr std::string_view kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS objects(
  grp TEXT NOT NULL, resource TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL,
  rv INTEGER NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY(grp, resource, ns, name)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events(
  rv INTEGER PRIMARY KEY, type INTEGER NOT NULL,
  grp TEXT NOT NULL, resource TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL);
)sql";

void for_each_owner_uid(const Json& object, const std::function<void(const std::string&)>& fn) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return;
  auto refs = meta->find("ownerReferences");
  if (refs == meta->end() || !refs->is_array()) return;
  for (const auto& ref : *refs) {
    if (!ref.is_object()) continue;
    auto uid = ref.find("uid");
    if (uid != ref.end() && uid->is_string()) fn(uid->get<std::string>());
  }
}

std::string uid_of(const Json& object) {
  auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  auto uid = meta->find("uid");
  return uid != meta->end() && uid->is_string() ? uid->get<std::string>() : std::string();
}

bool references(const Json& object, const std::string& owner_uid) {
  bool found = false;
  for_each_owner_uid(object, [&](const std::string& uid) { found = found || uid == owner_uid; });
  return found;
}

Result<Json> parse_stored(std::string_view text, const ObjectKey& key) {
  Json object = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (object.is_discarded() || !object.is_object()) {
    return fail(ErrorCode::kIo, "the stored body of " + key.to_string() + " is not a JSON object");
  }
  return object;
}

}  // namespace

struct Store::Statements {
  SqliteStatement upsert_object;
  SqliteStatement delete_object;
  SqliteStatement insert_event;
  SqliteStatement set_meta;
};

Store::Store(SqliteDatabase db, const StoreOptions& options)
    : options_(options),
      db_(std::move(db)),
      hub_(WatchHubOptions{.history_events = options.event_history,
                           .history_bytes = options.event_history_bytes,
                           .watcher_events = options.watcher_queue,
                           .watcher_bytes = options.watcher_bytes,
                           .all_watchers_bytes = options.all_watchers_bytes}) {}

Store::~Store() {
  hub_.close_all();
}

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& file, const StoreOptions& options) {
  auto db = SqliteDatabase::open(file);
  if (!db) return fail(db.error());
  std::unique_ptr<Store> store(new Store(std::move(*db), options));
  if (auto loaded = store->load(); !loaded) return fail(loaded.error());
  Store* raw = store.get();
  store->writer_ = std::jthread([raw](std::stop_token stop) { raw->run_writer(stop); });
  return store;
}

Result<void> Store::load() {
  // WAL with synchronous=FULL: a commit returns after the WAL is fsynced, so an acknowledged write survives power
  // loss, not only a process crash. Exclusive locking keeps a second server off the same file: our in-memory copy
  // would go stale under it.
  auto locked_hint = [](Error error) {
    if (error.message.find("database is locked") != std::string::npos) {
      error.message += " (is another kthena apiserver using this data directory?)";
    }
    return fail(std::move(error));
  };
  for (std::string_view pragma :
       {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "BEGIN EXCLUSIVE"}) {
    if (auto r = db_.exec(pragma); !r) return locked_hint(r.error());
  }
  if (auto r = db_.exec(kSchema); !r) return r;

  std::map<std::string, int64_t> meta;
  {
    auto stmt = db_.prepare("SELECT key, value FROM meta");
    if (!stmt) return fail(stmt.error());
    for (;;) {
      auto row = stmt->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      meta[std::string(stmt->column_text(0))] = stmt->column_int(1);
    }
  }
  if (auto it = meta.find("schema_version"); it != meta.end() && it->second > kSchemaVersion) {
    return fail(ErrorCode::kIo, fmt::format("the database has schema version {}, newer than this binary's {}",
                                            it->second, kSchemaVersion));
  }
  int64_t rv = meta.count("rv") ? meta["rv"] : 0;
  int64_t compacted = meta.count("compacted") ? meta["compacted"] : 0;

  {
    auto stmt = db_.prepare("SELECT grp, resource, ns, name, rv, body FROM objects");
    if (!stmt) return fail(stmt.error());
    for (;;) {
      auto row = stmt->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      ObjectKey key{std::string(stmt->column_text(0)), std::string(stmt->column_text(1)),
                    std::string(stmt->column_text(2)), std::string(stmt->column_text(3))};
      auto object = parse_stored(stmt->column_text(5), key);
      if (!object) return fail(object.error());
      int64_t object_rv = stmt->column_int(4);
      rv = std::max(rv, object_rv);
      index(key, *object);
      auto json = std::make_shared<const std::string>(stmt->column_text(5));
      objects_.emplace(std::move(key), StoredObject{std::make_shared<const Json>(std::move(*object)), json, object_rv});
    }
  }

  std::vector<EventPtr> events;
  {
    auto stmt = db_.prepare("SELECT rv, type, grp, resource, ns, name, body FROM events WHERE rv > ? ORDER BY rv");
    if (!stmt) return fail(stmt.error());
    stmt->bind(1, compacted);
    std::map<ObjectKey, ObjectPtr> last_seen;
    for (;;) {
      auto row = stmt->step();
      if (!row) return fail(row.error());
      if (!*row) break;
      auto event = std::make_shared<StoreEvent>();
      event->rv = stmt->column_int(0);
      int type = static_cast<int>(stmt->column_int(1));
      if (type < 0 || type > 2)
        return fail(ErrorCode::kIo, fmt::format("event {} has unknown type {}", event->rv, type));
      event->type = static_cast<EventType>(type);
      event->key = {std::string(stmt->column_text(2)), std::string(stmt->column_text(3)),
                    std::string(stmt->column_text(4)), std::string(stmt->column_text(5))};
      auto object = parse_stored(stmt->column_text(6), event->key);
      if (!object) return fail(object.error());
      event->object = {std::make_shared<const Json>(std::move(*object)),
                       std::make_shared<const std::string>(stmt->column_text(6)), event->rv};
      auto& seen = last_seen[event->key];
      event->previous = seen;
      seen = event->type == EventType::kDeleted ? nullptr : event->object.object;
      rv = std::max(rv, event->rv);
      events.push_back(std::move(event));
    }
  }
  if (!events.empty())
    compacted = std::max(compacted, events.front()->rv - 1);
  else
    compacted = std::max(compacted, rv);
  rv_ = rv;
  last_compaction_check_ = rv;
  hub_.restore(std::move(events), compacted, rv);

  auto upsert_meta =
      db_.prepare("INSERT INTO meta(key, value) VALUES(?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!upsert_meta) return fail(upsert_meta.error());
  if (auto r = upsert_meta->bind(1, "schema_version").bind(2, kSchemaVersion).run(); !r) return r;
  if (auto r = db_.exec("COMMIT"); !r) return r;

  auto upsert_object = db_.prepare(
      "INSERT INTO objects(grp, resource, ns, name, rv, body) VALUES(?, ?, ?, ?, ?, ?) "
      "ON CONFLICT(grp, resource, ns, name) DO UPDATE SET rv = excluded.rv, body = excluded.body");
  auto delete_object = db_.prepare("DELETE FROM objects WHERE grp = ? AND resource = ? AND ns = ? AND name = ?");
  auto insert_event =
      db_.prepare("INSERT INTO events(rv, type, grp, resource, ns, name, body) VALUES(?, ?, ?, ?, ?, ?, ?)");
  for (auto* stmt : {&upsert_object, &delete_object, &insert_event}) {
    if (!*stmt) return fail(stmt->error());
  }
  statements_ = std::make_unique<Statements>(Statements{std::move(*upsert_object), std::move(*delete_object),
                                                        std::move(*insert_event), std::move(*upsert_meta)});
  spdlog::info("store: loaded {} objects at resourceVersion {} (watch history from {})", objects_.size(), rv_,
               compacted);
  return {};
}

void Store::index(const ObjectKey& key, const Json& object) {
  if (auto uid = uid_of(object); !uid.empty()) uids_[uid] = key;
  for_each_owner_uid(object, [&](const std::string& uid) { owners_[uid].insert(key); });
}

void Store::unindex(const ObjectKey& key, const Json& object) {
  if (auto uid = uid_of(object); !uid.empty()) {
    if (auto it = uids_.find(uid); it != uids_.end() && it->second == key) uids_.erase(it);
  }
  for_each_owner_uid(object, [&](const std::string& uid) {
    auto it = owners_.find(uid);
    if (it == owners_.end()) return;
    it->second.erase(key);
    if (it->second.empty()) owners_.erase(it);
  });
}

std::optional<StoredObject> Store::get(const ObjectKey& key) const {
  std::shared_lock lock(state_mutex_);
  auto it = objects_.find(key);
  if (it == objects_.end()) return std::nullopt;
  return it->second;
}

std::optional<ObjectKey> Store::key_of_uid(const std::string& uid) const {
  std::shared_lock lock(state_mutex_);
  auto it = uids_.find(uid);
  if (it == uids_.end()) return std::nullopt;
  return it->second;
}

int64_t Store::resource_version() const {
  std::shared_lock lock(state_mutex_);
  return rv_;
}

int64_t Store::compacted_rv() const {
  return hub_.compacted_rv();
}

Store::ListResult Store::list(const ListQuery& query) const {
  ListResult result;
  std::shared_lock lock(state_mutex_);
  result.rv = rv_;
  ObjectKey start{query.group, query.resource, query.ns, ""};
  if (query.after) {
    start.ns = query.after->first;
    start.name = query.after->second;
  }
  auto it = objects_.lower_bound(start);
  if (query.after && it != objects_.end() && it->first == start) ++it;
  const ObjectKey* last = nullptr;
  for (; it != objects_.end(); ++it) {
    const auto& key = it->first;
    if (key.group != query.group || key.resource != query.resource) break;
    if (!query.ns.empty() && key.ns != query.ns) break;
    if (query.matches && !query.matches(*it->second.object)) continue;
    if (query.limit > 0 && result.items.size() == query.limit) {
      result.next = std::make_pair(last->ns, last->name);
      break;
    }
    result.items.push_back(it->second);
    last = &key;
  }
  return result;
}

std::vector<std::pair<ObjectKey, StoredObject>> Store::scan(
    const std::function<bool(const ObjectKey&, const Json&)>& matches) const {
  std::shared_lock lock(state_mutex_);
  std::vector<std::pair<ObjectKey, StoredObject>> out;
  for (const auto& [key, stored] : objects_) {
    if (matches(key, *stored.object)) out.emplace_back(key, stored);
  }
  return out;
}

std::vector<ObjectKey> Store::dependents(const std::string& owner_uid) const {
  std::shared_lock lock(state_mutex_);
  auto it = owners_.find(owner_uid);
  if (it == owners_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::string> Store::missing_owners() const {
  std::shared_lock lock(state_mutex_);
  std::vector<std::string> missing;
  for (const auto& [uid, keys] : owners_) {
    if (!uids_.count(uid)) missing.push_back(uid);
  }
  return missing;
}

struct Store::Pending {
  const std::function<Result<void>(StoreTransaction&)>* body = nullptr;
  Result<void> result;
  bool done = false;
  std::mutex mutex;
  std::condition_variable cv;
};

Result<void> Store::transact(const std::function<Result<void>(StoreTransaction&)>& body) {
  auto pending = std::make_shared<Pending>();
  pending->body = &body;
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(pending);
  }
  queue_ready_.notify_one();
  std::unique_lock lock(pending->mutex);
  pending->cv.wait(lock, [&] { return pending->done; });
  return std::move(pending->result);
}

namespace {

// The writer thread serves every client: a body that throws (a bug, or an allocation failure) fails its own write
// with a 500 and is rolled back like any failed body, instead of ending the server.
Result<void> run_body(const std::function<Result<void>(StoreTransaction&)>& body, StoreTransaction& txn) {
  try {
    return body(txn);
  } catch (const std::exception& e) {
    spdlog::error("store: a write failed with an exception: {}", e.what());
    return fail(ErrorCode::kInternal, fmt::format("internal error: {}", e.what()));
  }
}

}  // namespace

void Store::run_writer(std::stop_token stop) {
  std::vector<std::shared_ptr<Pending>> batch;
  for (;;) {
    {
      std::unique_lock lock(queue_mutex_);
      queue_ready_.wait(lock, stop, [this] { return !queue_.empty(); });
      // Finish what was queued even when stopping: its callers are waiting.
      if (queue_.empty()) return;
      batch.swap(queue_);
    }
    commit_batch(batch);
    for (auto& pending : batch) {
      std::lock_guard lock(pending->mutex);
      pending->done = true;
      pending->cv.notify_all();
    }
    batch.clear();
  }
}

void StoreTransaction::undo_to(Mark mark) {
  staged_ = std::move(mark.staged);
  events_.resize(mark.events);
  rv_ = mark.rv;
}

void Store::commit_batch(std::vector<std::shared_ptr<Pending>>& batch) {
  std::lock_guard write_lock(write_mutex_);
  if (auto r = db_.exec("BEGIN IMMEDIATE"); !r) {
    for (auto& pending : batch) pending->result = fail(r.error());
    return;
  }
  StoreTransaction txn(*this, rv_);
  std::vector<size_t> succeeded;
  for (size_t i = 0; i < batch.size(); ++i) {
    auto mark = txn.mark();
    if (auto r = db_.exec("SAVEPOINT body"); !r) {
      batch[i]->result = fail(r.error());
      continue;
    }
    batch[i]->result = run_body(*batch[i]->body, txn);
    if (batch[i]->result) {
      (void)db_.exec("RELEASE body");
      succeeded.push_back(i);
    } else {
      (void)db_.exec("ROLLBACK TO body; RELEASE body");
      txn.undo_to(std::move(mark));
    }
  }
  if (txn.events_.empty()) {
    (void)db_.exec("ROLLBACK");
    return;
  }
  auto& meta = statements_->set_meta;
  auto committed = meta.bind(1, "rv").bind(2, txn.rv_).run();
  if (committed) committed = db_.exec("COMMIT");
  if (!committed) {
    (void)db_.exec("ROLLBACK");
    for (size_t i : succeeded) batch[i]->result = fail(committed.error());
    return;
  }
  {
    std::unique_lock lock(state_mutex_);
    for (auto& [key, staged] : txn.staged_) {
      auto it = objects_.find(key);
      if (it != objects_.end()) {
        unindex(key, *it->second.object);
        if (staged) {
          it->second = *staged;
        } else {
          objects_.erase(it);
        }
      } else if (staged) {
        it = objects_.emplace(key, *staged).first;
      }
      if (staged) index(key, *staged->object);
    }
    rv_ = txn.rv_;
  }
  hub_.publish(txn.events_);

  // Trim the event log to what the watch history can still serve. Not part of any acknowledged write, so a
  // failure here is only logged; the next trim retries.
  if (rv_ - last_compaction_check_ >= kCompactionInterval) {
    last_compaction_check_ = rv_;
    int64_t horizon = hub_.compacted_rv();
    auto trimmed = db_.exec(fmt::format(
        "BEGIN IMMEDIATE; DELETE FROM events WHERE rv <= {0}; "
        "INSERT INTO meta(key, value) VALUES('compacted', {0}) ON CONFLICT(key) DO UPDATE SET value = excluded.value; "
        "COMMIT",
        horizon));
    if (!trimmed) {
      (void)db_.exec("ROLLBACK");
      spdlog::warn("store: trimming the event log failed: {}", trimmed.error().message);
    }
  }
}

Result<std::shared_ptr<Watcher>> Store::watch(WatchFilter filter, int64_t from_rv) {
  std::lock_guard write_lock(write_mutex_);
  std::vector<WatchItem> initial;
  if (from_rv == 0) {
    ListQuery query{filter.group, filter.resource, filter.ns, std::nullopt, 0, filter.matches};
    for (auto& object : list(query).items) initial.push_back({EventType::kAdded, std::move(object)});
  }
  return hub_.subscribe(std::move(filter), from_rv, std::move(initial));
}

void Store::close_watches() {
  hub_.close_all();
}

std::optional<StoredObject> StoreTransaction::get(const ObjectKey& key) const {
  if (auto it = staged_.find(key); it != staged_.end()) return it->second;
  auto it = store_.objects_.find(key);
  if (it == store_.objects_.end()) return std::nullopt;
  return it->second;
}

std::optional<ObjectKey> StoreTransaction::key_of_uid(const std::string& uid) const {
  for (const auto& [key, staged] : staged_) {
    if (staged && uid_of(*staged->object) == uid) return key;
  }
  auto it = store_.uids_.find(uid);
  if (it == store_.uids_.end()) return std::nullopt;
  if (auto staged = staged_.find(it->second); staged != staged_.end()) {
    if (!staged->second || uid_of(*staged->second->object) != uid) return std::nullopt;
  }
  return it->second;
}

std::vector<ObjectKey> StoreTransaction::dependents(const std::string& owner_uid) const {
  std::set<ObjectKey> keys;
  if (auto it = store_.owners_.find(owner_uid); it != store_.owners_.end()) keys = it->second;
  for (const auto& [key, staged] : staged_) {
    if (staged && references(*staged->object, owner_uid)) {
      keys.insert(key);
    } else {
      keys.erase(key);
    }
  }
  return {keys.begin(), keys.end()};
}

Result<StoredObject> StoreTransaction::put(const ObjectKey& key, Json object) {
  auto previous = get(key);
  int64_t rv = rv_ + 1;
  object["metadata"]["resourceVersion"] = std::to_string(rv);
  auto json = std::make_shared<const std::string>(object.dump());
  // etcd's default request limit, which bounds every object a kube-apiserver stores: small patches repeated could
  // otherwise grow one object (and every watcher's copy of it) without end.
  constexpr size_t kMaxObjectBytes = 1572864;
  if (json->size() > kMaxObjectBytes) {
    return fail(ErrorCode::kTooLarge, fmt::format("the object is too large: {} bytes when stored, limit is {}",
                                                  json->size(), kMaxObjectBytes));
  }
  auto& st = *store_.statements_;
  auto written = st.upsert_object.bind(1, key.group)
                     .bind(2, key.resource)
                     .bind(3, key.ns)
                     .bind(4, key.name)
                     .bind(5, rv)
                     .bind(6, *json)
                     .run();
  if (!written) return fail(written.error());
  auto type = previous ? EventType::kModified : EventType::kAdded;
  auto logged = st.insert_event.bind(1, rv)
                    .bind(2, static_cast<int64_t>(type))
                    .bind(3, key.group)
                    .bind(4, key.resource)
                    .bind(5, key.ns)
                    .bind(6, key.name)
                    .bind(7, *json)
                    .run();
  if (!logged) return fail(logged.error());
  rv_ = rv;
  StoredObject stored{std::make_shared<const Json>(std::move(object)), std::move(json), rv};
  staged_[key] = stored;
  auto event = std::make_shared<StoreEvent>();
  event->rv = rv;
  event->type = type;
  event->key = key;
  event->object = stored;
  if (previous) event->previous = previous->object;
  events_.push_back(std::move(event));
  return stored;
}

Result<StoredObject> StoreTransaction::remove(const ObjectKey& key) {
  auto previous = get(key);
  if (!previous) return fail(ErrorCode::kNotFound, key.to_string() + " not found");
  int64_t rv = rv_ + 1;
  Json last = *previous->object;
  last["metadata"]["resourceVersion"] = std::to_string(rv);
  auto json = std::make_shared<const std::string>(last.dump());
  auto& st = *store_.statements_;
  auto deleted = st.delete_object.bind(1, key.group).bind(2, key.resource).bind(3, key.ns).bind(4, key.name).run();
  if (!deleted) return fail(deleted.error());
  auto logged = st.insert_event.bind(1, rv)
                    .bind(2, static_cast<int64_t>(EventType::kDeleted))
                    .bind(3, key.group)
                    .bind(4, key.resource)
                    .bind(5, key.ns)
                    .bind(6, key.name)
                    .bind(7, *json)
                    .run();
  if (!logged) return fail(logged.error());
  rv_ = rv;
  staged_[key] = std::nullopt;
  auto event = std::make_shared<StoreEvent>();
  event->rv = rv;
  event->type = EventType::kDeleted;
  event->key = key;
  event->object = {std::make_shared<const Json>(std::move(last)), std::move(json), rv};
  event->previous = previous->object;
  events_.push_back(event);
  return event->object;
}

}  // namespace kthena::apiserver
