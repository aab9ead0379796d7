#include "router/control/kv_block_sync.h"

#include <poll.h>
#include <sys/time.h>

#include <cstdlib>
#include <optional>
#include <set>
#include <vector>

#include <hiredis/hiredis.h>

#include "common/log.h"

namespace kthena::router {
namespace {

constexpr const char* kPattern = "matrix:kv:block:*";

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;
struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

Reply command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const std::string& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

Context connect(const RedisSettings& s) {
  timeval timeout{2, 0};
  Context c(redisConnectWithTimeout(s.host.c_str(), s.port, timeout));
  if (!c || c->err) return nullptr;
  redisSetTimeout(c.get(), timeval{5, 0});
  if (!s.password.empty()) {
    Reply r = command(c.get(), {"AUTH", s.password});
    if (!r || r->type == REDIS_REPLY_ERROR) return nullptr;
  }
  Reply pong = command(c.get(), {"PING"});
  if (!pong || pong->type == REDIS_REPLY_ERROR) return nullptr;
  return c;
}

KvBlockIndex::Owners owners_of(const redisReply* hash) {
  KvBlockIndex::Owners owners;
  if (hash == nullptr || hash->type != REDIS_REPLY_ARRAY) return owners;
  for (size_t i = 0; i + 1 < hash->elements; i += 2) {
    KvBlockOwner o;
    o.id.assign(hash->element[i]->str, hash->element[i]->len);
    std::string value(hash->element[i + 1]->str, hash->element[i + 1]->len);
    char* end = nullptr;
    long long ts = std::strtoll(value.c_str(), &end, 10);
    if (end != value.c_str() && *end == '\0') o.written_at = ts;
    owners.push_back(std::move(o));
  }
  return owners;
}

// HGETALL of `keys`, pipelined; each result becomes an update (empty owners: the key is gone).
bool read_keys(redisContext* c, const std::vector<std::string>& keys, std::vector<KvBlockIndex::Update>& out) {
  for (const std::string& k : keys) {
    const char* argv[] = {"HGETALL", k.data()};
    size_t lens[] = {7, k.size()};
    if (redisAppendCommandArgv(c, 2, argv, lens) != REDIS_OK) return false;
  }
  for (const std::string& k : keys) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK) return false;
    Reply r(static_cast<redisReply*>(raw));
    KvBlockIndex::Update u;
    if (!parse_kv_block_key(k, u.model, u.hash)) continue;
    u.owners = owners_of(r.get());
    out.push_back(std::move(u));
  }
  return true;
}

// Every key matching the pattern, by SCAN.
bool scan_keys(redisContext* c, std::vector<std::string>& keys) {
  std::string cursor = "0";
  do {
    Reply r = command(c, {"SCAN", cursor, "MATCH", kPattern, "COUNT", "1000"});
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) return false;
    cursor.assign(r->element[0]->str, r->element[0]->len);
    const redisReply* list = r->element[1];
    for (size_t i = 0; i < list->elements; ++i) keys.emplace_back(list->element[i]->str, list->element[i]->len);
  } while (cursor != "0");
  return true;
}

// Adds the flags notifications need (K keyspace, h hash, g generic, x expired) to the server's setting.
bool enable_notifications(redisContext* c) {
  Reply current = command(c, {"CONFIG", "GET", "notify-keyspace-events"});
  if (!current || current->type != REDIS_REPLY_ARRAY || current->elements != 2) return false;
  std::string flags(current->element[1]->str, current->element[1]->len);
  // 'A' already covers h, g and x.
  for (char f : std::string("Khgx")) {
    if (flags.find(f) == std::string::npos && !(f != 'K' && flags.find('A') != std::string::npos)) flags.push_back(f);
  }
  Reply set = command(c, {"CONFIG", "SET", "notify-keyspace-events", flags});
  return set && set->type != REDIS_REPLY_ERROR;
}

void sleep_unless_stopped(const std::stop_token& stop, std::chrono::milliseconds d) {
  for (auto until = std::chrono::steady_clock::now() + d;
       std::chrono::steady_clock::now() < until && !stop.stop_requested();) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

}  // namespace

std::optional<RedisSettings> RedisSettings::from_environment() {
  const char* host = std::getenv("REDIS_HOST");
  if (host == nullptr || *host == '\0') return std::nullopt;
  RedisSettings s;
  s.host = host;
  if (const char* port = std::getenv("REDIS_PORT"); port != nullptr && *port != '\0') s.port = std::atoi(port);
  if (const char* password = std::getenv("REDIS_PASSWORD")) s.password = password;
  return s;
}

KvBlockSync::KvBlockSync(RedisSettings settings, std::shared_ptr<KvBlockIndex> index, Options options)
    : settings_(std::move(settings)),
      index_(std::move(index)),
      options_(options),
      thread_([this](std::stop_token stop) { run(stop); }) {}

KvBlockSync::~KvBlockSync() {
  thread_.request_stop();
  thread_.join();
}

void KvBlockSync::run(std::stop_token stop) {
  // The thread's root: whatever one session throws is logged and the thread reconnects after a pause, so that
  // the request path keeps its (possibly stale) mirror and the process stays up.
  while (!stop.stop_requested()) {
    try {
      session(stop);
    } catch (const std::exception& e) {
      failures_.fetch_add(1);
      spdlog::error("kvcache-aware: the Redis mirror failed: {}; reconnecting", e.what());
    } catch (...) {
      failures_.fetch_add(1);
      spdlog::error("kvcache-aware: the Redis mirror failed; reconnecting");
    }
    connected_ = false;
    notifications_ = false;
    if (!stop.stop_requested()) sleep_unless_stopped(stop, std::chrono::milliseconds(1000));
  }
}

void KvBlockSync::session(std::stop_token stop) {
  using Clock = std::chrono::steady_clock;
  Context commands = connect(settings_);
  Context events = commands ? connect(settings_) : nullptr;
  if (!commands || !events) {
    connected_ = false;
    sleep_unless_stopped(stop, std::chrono::milliseconds(1000));  // the caller waits another second
    return;
  }
  connected_ = true;
  bool notify = enable_notifications(commands.get());
  if (notify) {
    Reply sub = command(events.get(), {"PSUBSCRIBE", std::string("__keyspace@*__:") + kPattern});
    notify = sub && sub->type != REDIS_REPLY_ERROR;
  }
  notifications_ = notify;
  spdlog::info("kvcache-aware: mirroring Redis {}:{} ({})", settings_.host, settings_.port,
               notify ? "keyspace notifications" : "polling");

  Clock::time_point next_resync = Clock::now();
  Clock::time_point next_gc = Clock::now() + options_.gc_interval;
  std::set<std::string> dirty;
  bool healthy = true;
  while (healthy && !stop.stop_requested()) {
    if (Clock::now() >= next_resync) {
      std::vector<std::string> keys;
      std::vector<KvBlockIndex::Update> updates;
      healthy = scan_keys(commands.get(), keys) && read_keys(commands.get(), keys, updates);
      if (!healthy) break;
      index_->replace(std::move(updates));
      syncs_.fetch_add(1);
      next_resync = Clock::now() + (notify ? options_.resync_interval : options_.poll_interval);
    }
    if (Clock::now() >= next_gc) {
      // Upstream's GC: drop fields (owners) written more than field_ttl ago.
      std::vector<std::string> keys;
      std::vector<KvBlockIndex::Update> updates;
      healthy = scan_keys(commands.get(), keys) && read_keys(commands.get(), keys, updates);
      auto now =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
      for (size_t i = 0; healthy && i < updates.size(); ++i) {
        for (const KvBlockOwner& o : updates[i].owners) {
          if (o.written_at && now - *o.written_at > options_.field_ttl.count()) {
            command(commands.get(), {"HDEL", kv_block_key(updates[i].model, updates[i].hash), o.id});
          }
        }
      }
      next_gc = Clock::now() + options_.gc_interval;
    }
    if (!notify) {
      sleep_unless_stopped(stop, std::chrono::milliseconds(50));
      continue;
    }
    // Collect notifications for up to 5 ms (or 256 keys), then re-read those keys in one pipeline.
    pollfd pfd{events->fd, POLLIN, 0};
    int ready = poll(&pfd, 1, dirty.empty() ? 100 : 5);
    if (ready < 0) {
      healthy = false;
      break;
    }
    if (ready > 0) {
      if (redisBufferRead(events.get()) != REDIS_OK) {
        healthy = false;
        break;
      }
      for (;;) {
        void* raw = nullptr;
        if (redisGetReplyFromReader(events.get(), &raw) != REDIS_OK) {
          healthy = false;
          break;
        }
        if (raw == nullptr) break;
        Reply r(static_cast<redisReply*>(raw));
        // pmessage <pattern> <channel> <event>; the channel is "__keyspace@<db>__:<key>".
        if (r->type != REDIS_REPLY_ARRAY || r->elements != 4) continue;
        std::string channel(r->element[2]->str, r->element[2]->len);
        size_t colon = channel.find("__:");
        if (colon != std::string::npos) dirty.insert(channel.substr(colon + 3));
      }
      if (!healthy) break;
      if (dirty.size() < 256) continue;
    }
    if (!dirty.empty()) {
      std::vector<std::string> keys(dirty.begin(), dirty.end());
      dirty.clear();
      std::vector<KvBlockIndex::Update> updates;
      healthy = read_keys(commands.get(), keys, updates);
      index_->apply(std::move(updates));
    }
  }
  if (!stop.stop_requested())
    spdlog::warn("kvcache-aware: lost Redis {}:{}; reconnecting", settings_.host, settings_.port);
}

}  // namespace kthena::router
