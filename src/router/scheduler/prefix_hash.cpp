#include "router/scheduler/prefix_hash.h"

#include <charconv>

#define XXH_STATIC_LINKING_ONLY
#include <xxhash.h>

namespace kthena::router {

uint64_t xxh64(std::string_view data) {
  return XXH64(data.data(), data.size(), 0);
}

void hash_prompt_blocks(std::string_view model, std::string_view prompt, size_t block_size, size_t max_blocks,
                        std::vector<uint64_t>& out) {
  out.clear();
  if (prompt.empty() || block_size == 0) return;
  uint64_t prev = xxh64(model);
  XXH64_state_t state;
  char digits[24];
  for (size_t start = 0; start < prompt.size() && out.size() < max_blocks; start += block_size) {
    std::string_view block = prompt.substr(start, block_size);
    auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), prev);
    XXH64_reset(&state, 0);
    XXH64_update(&state, digits, static_cast<size_t>(end - digits));
    XXH64_update(&state, block.data(), block.size());
    prev = XXH64_digest(&state);
    out.push_back(prev);
  }
}

}  // namespace kthena::router
