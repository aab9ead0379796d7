// The KV cache of one simulated engine: a fixed number of blocks of `block_size` tokens, shared prefixes found by
// hash-chained block hashes (as vLLM's prefix caching), and an LRU queue of free blocks whose cached contents are
// evicted only when a block is needed. Engine (reactor) thread only.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "sim/tokenizer.h"

namespace kthena::sim {

using BlockHash = uint64_t;

class KvCache {
 public:
  KvCache(uint32_t num_blocks, uint32_t block_size, bool prefix_caching);

  uint32_t block_size() const { return block_size_; }
  uint32_t total_blocks() const { return static_cast<uint32_t>(blocks_.size()); }
  // Blocks not referenced by any request (free or holding evictable cached contents).
  uint32_t free_blocks() const { return free_count_; }
  // vLLM's kv_cache_usage_perc: the fraction of blocks referenced by requests.
  double usage() const { return blocks_.empty() ? 0 : 1.0 - double(free_count_) / double(blocks_.size()); }
  // Tokens held in blocks that requests reference (SGLang's num_used_tokens).
  uint64_t used_tokens() const { return uint64_t(blocks_.size() - free_count_) * block_size_; }

  // How many leading blocks of `hashes` are cached now.
  size_t cached_prefix(std::span<const BlockHash> hashes) const;
  // References the first `n` cached blocks of `hashes` (n <= cached_prefix(hashes)) and appends their ids.
  void acquire_cached(std::span<const BlockHash> hashes, size_t n, std::vector<uint32_t>& out);
  // Appends `n` fresh blocks, evicting the least recently freed cached blocks; false (nothing taken) if too few.
  bool allocate(size_t n, std::vector<uint32_t>& out);
  // Records that `block` now holds the full block with this chained hash, so that later prompts can reuse it.
  void commit(uint32_t block, BlockHash hash);
  // Drops one reference to each block, last block first, so that a prompt's tail is evicted before its head.
  void release(std::vector<uint32_t>& blocks);
  // Evicts every unreferenced cached block (SGLang's /flush_cache, vLLM's reset_prefix_cache).
  void reset_prefix_cache();

  // The chain: hash of block i = H(tokens of block i, seeded with the hash of block i-1, or with `salt` (the LoRA
  // adapter, as vLLM's extra keys) for block 0).
  static BlockHash chain(BlockHash parent, std::span<const TokenId> tokens);
  static BlockHash root(std::string_view salt);

 private:
  static constexpr uint32_t kNone = UINT32_MAX;
  struct Block {
    uint32_t refs = 0;
    bool has_hash = false;
    BlockHash hash = 0;
    uint32_t prev = kNone;  // free queue links
    uint32_t next = kNone;
  };
  void push_free(uint32_t id);
  void unlink_free(uint32_t id);
  void forget_hash(uint32_t id);

  uint32_t block_size_;
  bool prefix_caching_;
  std::vector<Block> blocks_;
  std::unordered_map<BlockHash, uint32_t> by_hash_;
  uint32_t head_ = kNone;  // least recently freed
  uint32_t tail_ = kNone;
  uint32_t free_count_ = 0;
};

}  // namespace kthena::sim
