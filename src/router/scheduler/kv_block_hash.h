// The KV-block hash shared with the runtime sidecar (kthena-router.md §4.5): SHA-256 over the block's token ids as
// 4-byte big-endian integers, the first 8 bytes read big-endian, top bit cleared. An empty block hashes to 0.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kthena::router {

uint64_t kv_block_hash(std::span<const uint32_t> tokens);

// Splits `tokens` into blocks of `block_size` (the last may be shorter), at most `max_blocks`, and hashes each.
void kv_block_hashes(std::span<const uint32_t> tokens, size_t block_size, size_t max_blocks,
                     std::vector<uint64_t>& out);

}  // namespace kthena::router
