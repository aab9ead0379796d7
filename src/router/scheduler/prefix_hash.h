// Upstream's prefix-cache block hashing (kthena-router.md §4.4): prev = XXH64(model); for each block of
// `block_size` bytes of the prompt string (at most `max_blocks`), h = XXH64(decimal(prev) ++ block), chained.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kthena::router {

// Replaces `out` with the hashes; an empty prompt gives none. Allocates only if `out` lacks capacity.
void hash_prompt_blocks(std::string_view model, std::string_view prompt, size_t block_size, size_t max_blocks,
                        std::vector<uint64_t>& out);

uint64_t xxh64(std::string_view data);

}  // namespace kthena::router
