#include "sim/kv_cache.h"

#include <xxhash.h>

namespace kthena::sim {

KvCache::KvCache(uint32_t num_blocks, uint32_t block_size, bool prefix_caching)
    : block_size_(block_size), prefix_caching_(prefix_caching), blocks_(num_blocks) {
  for (uint32_t i = 0; i < num_blocks; ++i) push_free(i);
}

BlockHash KvCache::chain(BlockHash parent, std::span<const TokenId> tokens) {
  return XXH64(tokens.data(), tokens.size_bytes(), parent);
}

BlockHash KvCache::root(std::string_view salt) {
  return XXH64(salt.data(), salt.size(), 0x6b7468656e61ULL);
}

void KvCache::push_free(uint32_t id) {
  Block& b = blocks_[id];
  b.prev = tail_;
  b.next = kNone;
  if (tail_ != kNone) blocks_[tail_].next = id;
  tail_ = id;
  if (head_ == kNone) head_ = id;
  ++free_count_;
}

void KvCache::unlink_free(uint32_t id) {
  Block& b = blocks_[id];
  if (b.prev != kNone) {
    blocks_[b.prev].next = b.next;
  } else {
    head_ = b.next;
  }
  if (b.next != kNone) {
    blocks_[b.next].prev = b.prev;
  } else {
    tail_ = b.prev;
  }
  b.prev = b.next = kNone;
  --free_count_;
}

void KvCache::forget_hash(uint32_t id) {
  Block& b = blocks_[id];
  if (!b.has_hash) return;
  auto it = by_hash_.find(b.hash);
  if (it != by_hash_.end() && it->second == id) by_hash_.erase(it);
  b.has_hash = false;
}

size_t KvCache::cached_prefix(std::span<const BlockHash> hashes) const {
  if (!prefix_caching_) return 0;
  size_t n = 0;
  while (n < hashes.size() && by_hash_.contains(hashes[n])) ++n;
  return n;
}

void KvCache::acquire_cached(std::span<const BlockHash> hashes, size_t n, std::vector<uint32_t>& out) {
  for (size_t i = 0; i < n; ++i) {
    uint32_t id = by_hash_.at(hashes[i]);
    Block& b = blocks_[id];
    if (b.refs++ == 0) unlink_free(id);
    out.push_back(id);
  }
}

bool KvCache::allocate(size_t n, std::vector<uint32_t>& out) {
  if (n > free_count_) return false;
  for (size_t i = 0; i < n; ++i) {
    uint32_t id = head_;
    unlink_free(id);
    forget_hash(id);
    blocks_[id].refs = 1;
    out.push_back(id);
  }
  return true;
}

void KvCache::commit(uint32_t block, BlockHash hash) {
  if (!prefix_caching_) return;
  Block& b = blocks_[block];
  if (b.has_hash) return;
  // Two requests may compute the same block at once; the first one stays the cached copy.
  if (by_hash_.try_emplace(hash, block).second) {
    b.has_hash = true;
    b.hash = hash;
  }
}

void KvCache::release(std::vector<uint32_t>& blocks) {
  for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) {
    Block& b = blocks_[*it];
    if (--b.refs == 0) push_free(*it);
  }
  blocks.clear();
}

void KvCache::reset_prefix_cache() {
  for (uint32_t id = head_; id != kNone; id = blocks_[id].next) forget_hash(id);
}

}  // namespace kthena::sim
