#include "router/scheduler/prefix_hash.h"

#include <array>
#include <charconv>
#include <cstring>

// Inlined: a small prompt's two hashes through the shared library's streaming API cost more than the hashing.
#define XXH_INLINE_ALL
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
  // decimal(prev) ++ block, hashed in one call when it fits here (upstream's default blocks are 64 bytes).
  constexpr size_t kDigits = 20;  // a uint64_t in decimal
  std::array<char, kDigits + 256> joined;
  XXH64_state_t state;
  for (size_t start = 0; start < prompt.size() && out.size() < max_blocks; start += block_size) {
    std::string_view block = prompt.substr(start, block_size);
    char* digits_end = std::to_chars(joined.data(), joined.data() + kDigits, prev).ptr;
    auto digits = static_cast<size_t>(digits_end - joined.data());
    if (digits + block.size() <= joined.size()) {
      std::memcpy(digits_end, block.data(), block.size());
      prev = XXH64(joined.data(), digits + block.size(), 0);
    } else {
      XXH64_reset(&state, 0);
      XXH64_update(&state, joined.data(), digits);
      XXH64_update(&state, block.data(), block.size());
      prev = XXH64_digest(&state);
    }
    out.push_back(prev);
  }
}

}  // namespace kthena::router
