// A local mirror of the KV-block index that runtime sidecars keep in Redis (kthena-router.md §4.5): for each key
// matrix:kv:block:{model}@{hash}, the pods ("<pod>.<namespace>") holding that block and when they wrote it.
// Request threads read the mirror without locks; one sync thread (kv_block_sync.h) keeps it current, so the
// request path never waits for Redis.
#pragma once

#include <atomic>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/left_right.h"
#include "common/string_map.h"

namespace kthena::router {

struct KvBlockOwner {
  std::string id;                     // "<podName>.<namespace>"
  std::optional<int64_t> written_at;  // unix seconds; empty when the stored value does not parse
};

class KvBlockIndex {
 public:
  using Owners = std::vector<KvBlockOwner>;

  // Calls f(i, owners) for each hashes[i] in order, owners possibly empty. Any thread.
  template <class F>
  void visit(uint32_t reader_slot, std::string_view model, std::span<const uint64_t> hashes, F&& f) const {
    static const Owners kNone;  // immutable
    map_.read(reader_slot, [&](const Map& map) {
      auto m = map.find(model);
      for (size_t i = 0; i < hashes.size(); ++i) {
        const Owners* owners = &kNone;
        if (m != map.end()) {
          if (auto it = m->second.find(hashes[i]); it != m->second.end()) owners = &it->second;
        }
        if (!f(i, *owners)) break;
      }
      return 0;
    });
  }

  // Sync thread only: the key's fields are now `owners` (empty: the key is gone).
  void set(const std::string& model, uint64_t hash, Owners owners);
  // Sync thread only: applies many set()s at once (one copy swap).
  struct Update {
    std::string model;
    uint64_t hash = 0;
    Owners owners;
  };
  void apply(std::vector<Update> updates);
  // Sync thread only: the index becomes exactly `updates` (a full resync), in one publication: readers see the old
  // content or the new one, never an empty index in between.
  void replace(std::vector<Update> updates);

  // Blocks held now, for the debug listener and tests. Any thread.
  size_t blocks() const { return blocks_.load(std::memory_order_relaxed); }

 private:
  void count_blocks();  // sync thread, after each change
  using Map = StringMap<std::unordered_map<uint64_t, Owners>>;
  static void apply_to(Map& map, const std::vector<Update>& updates);
  LeftRight<Map> map_;
  std::atomic<size_t> blocks_{0};
};

// Splits a Redis key "matrix:kv:block:{model}@{hash}" (the model may contain '@'; the hash is after the last one).
bool parse_kv_block_key(std::string_view key, std::string& model, uint64_t& hash);
std::string kv_block_key(std::string_view model, uint64_t hash);

}  // namespace kthena::router
