#include "router/scheduler/kv_block_hash.h"

#include <algorithm>

#include <openssl/sha.h>

namespace kthena::router {

uint64_t kv_block_hash(std::span<const uint32_t> tokens) {
  if (tokens.empty()) return 0;
  unsigned char buffer[256 * 4];
  unsigned char digest[SHA256_DIGEST_LENGTH];
  std::vector<unsigned char> large;
  unsigned char* data = buffer;
  if (tokens.size() * 4 > sizeof(buffer)) {
    large.resize(tokens.size() * 4);
    data = large.data();
  }
  for (size_t i = 0; i < tokens.size(); ++i) {
    uint32_t t = tokens[i];
    data[4 * i] = static_cast<unsigned char>(t >> 24);
    data[4 * i + 1] = static_cast<unsigned char>(t >> 16);
    data[4 * i + 2] = static_cast<unsigned char>(t >> 8);
    data[4 * i + 3] = static_cast<unsigned char>(t);
  }
  SHA256(data, tokens.size() * 4, digest);
  uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | digest[i];
  return h & 0x7FFFFFFFFFFFFFFFULL;
}

void kv_block_hashes(std::span<const uint32_t> tokens, size_t block_size, size_t max_blocks,
                     std::vector<uint64_t>& out) {
  out.clear();
  if (block_size == 0) return;
  for (size_t start = 0; start < tokens.size() && out.size() < max_blocks; start += block_size) {
    out.push_back(kv_block_hash(tokens.subspan(start, std::min(block_size, tokens.size() - start))));
  }
}

}  // namespace kthena::router
