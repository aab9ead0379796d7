// Keeps a KvBlockIndex equal to the Redis KV-block index that runtime sidecars write (kthena-router.md §4.5): a full
// SCAN at start and every `resync_interval`, then keyspace notifications (matrix:kv:block:* hash changes, deletions,
// expiries) re-read the keys that changed. If the server refuses CONFIG SET notify-keyspace-events, the mirror is
// refreshed by SCAN every `poll_interval` instead. Also runs upstream's garbage collection: every hour, fields older
// than 24 h are deleted. One thread; the request path never waits for Redis.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "router/scheduler/kv_block_index.h"

namespace kthena::router {

struct RedisSettings {
  std::string host;
  int port = 6379;
  std::string password;

  // REDIS_HOST / REDIS_PORT / REDIS_PASSWORD; nullopt when REDIS_HOST is unset.
  static std::optional<RedisSettings> from_environment();
};

class KvBlockSync {
 public:
  struct Options {
    std::chrono::milliseconds poll_interval{1000};
    std::chrono::milliseconds resync_interval{60000};
    std::chrono::milliseconds gc_interval{3600000};
    std::chrono::seconds field_ttl{86400};
  };

  KvBlockSync(RedisSettings settings, std::shared_ptr<KvBlockIndex> index, Options options);
  KvBlockSync(RedisSettings settings, std::shared_ptr<KvBlockIndex> index)
      : KvBlockSync(std::move(settings), std::move(index), Options()) {}
  ~KvBlockSync();
  KvBlockSync(const KvBlockSync&) = delete;
  KvBlockSync& operator=(const KvBlockSync&) = delete;

  // Any thread.
  bool connected() const { return connected_.load(); }
  bool notifications() const { return notifications_.load(); }
  uint64_t syncs() const { return syncs_.load(); }        // full SCAN passes done
  uint64_t failures() const { return failures_.load(); }  // sessions that ended with an exception

 private:
  // The thread's root: runs sessions until stopped, catching what they throw.
  void run(std::stop_token stop);
  // One connection's life: connect, resync, follow notifications (or poll) until the connection fails.
  void session(std::stop_token stop);

  RedisSettings settings_;
  std::shared_ptr<KvBlockIndex> index_;
  Options options_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> notifications_{false};
  std::atomic<uint64_t> syncs_{0};
  std::atomic<uint64_t> failures_{0};
  std::jthread thread_;
};

}  // namespace kthena::router
