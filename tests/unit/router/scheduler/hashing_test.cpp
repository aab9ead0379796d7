#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "router/scheduler/kv_block_hash.h"
#include "router/scheduler/kv_block_index.h"
#include "router/scheduler/prefix_hash.h"

namespace kthena::router {
namespace {

// Golden values of kthena-router.md §4.4 (upstream TestHashPrompt).
TEST(PrefixHash, MatchesUpstreamGoldens) {
  EXPECT_EQ(xxh64("test-model"), 3725054772343846052ULL);
  std::vector<uint64_t> out;
  hash_prompt_blocks("test-model", "Hello World", 64, 128, out);
  EXPECT_EQ(out, (std::vector<uint64_t>{1993528491812861608ULL}));
  hash_prompt_blocks("test-model", "This is a longer prompt that should span multiple blocks based on the block size",
                     20, 128, out);
  EXPECT_EQ(out, (std::vector<uint64_t>{8626393537367828840ULL, 16829149375953976751ULL, 13000309909902416355ULL,
                                        4164474810863779859ULL}));
  hash_prompt_blocks("test-model", "This is a longer prompt that should span multiple blocks based on the block size",
                     20, 2, out);
  EXPECT_EQ(out.size(), 2u) << "maxBlocksToMatch caps the chain; the tail is ignored";
  hash_prompt_blocks("test-model", "", 64, 128, out);
  EXPECT_TRUE(out.empty());
}

// Blocks too large for the one-call path are hashed in pieces: the chain is the same as hashing each
// decimal(prev) ++ block whole.
TEST(PrefixHash, LargeBlocksChainAsSmallOnesDo) {
  std::string prompt;
  for (int i = 0; prompt.size() < 2000; ++i) prompt += "block " + std::to_string(i) + " of a long prompt; ";
  for (size_t block_size : {size_t{64}, size_t{256}, size_t{257}, size_t{700}}) {
    std::vector<uint64_t> out;
    hash_prompt_blocks("m", prompt, block_size, 128, out);
    uint64_t prev = xxh64("m");
    std::vector<uint64_t> expected;
    for (size_t start = 0; start < prompt.size(); start += block_size) {
      prev = xxh64(std::to_string(prev) + prompt.substr(start, block_size));
      expected.push_back(prev);
    }
    EXPECT_EQ(out, expected) << "block size " << block_size;
  }
}

// Golden values of kthena-router.md §4.5, shared with the Python runtime.
TEST(KvBlockHash, MatchesUpstreamGoldens) {
  EXPECT_EQ(kv_block_hash(std::vector<uint32_t>{123}), 3207548891546131000ULL);
  EXPECT_EQ(kv_block_hash(std::vector<uint32_t>{1, 2, 3, 4, 5}), 6818328894798336332ULL);
  EXPECT_EQ(kv_block_hash(std::vector<uint32_t>{65536, 131072, 262144}), 8449045214337056412ULL);
  EXPECT_EQ(kv_block_hash(std::vector<uint32_t>{4294967295u, 4294967196u, 4294966296u}), 4722989680274072345ULL);
  std::vector<uint32_t> sixteen;
  for (uint32_t i = 0; i < 16; ++i) sixteen.push_back(i);
  EXPECT_EQ(kv_block_hash(sixteen), 6473494984593326032ULL);
  EXPECT_EQ(kv_block_hash({}), 0u);
  std::vector<uint64_t> blocks;
  std::vector<uint32_t> tokens(40, 7);
  kv_block_hashes(tokens, 16, 128, blocks);
  ASSERT_EQ(blocks.size(), 3u);
  EXPECT_EQ(blocks[0], blocks[1]);
  EXPECT_NE(blocks[1], blocks[2]) << "the last block is shorter";
}

TEST(KvBlockKey, RoundTrips) {
  EXPECT_EQ(kv_block_key("test-model", 12345), "matrix:kv:block:test-model@12345");
  std::string model;
  uint64_t hash = 0;
  ASSERT_TRUE(parse_kv_block_key("matrix:kv:block:org/m@v2@987", model, hash));
  EXPECT_EQ(model, "org/m@v2");
  EXPECT_EQ(hash, 987u);
  EXPECT_FALSE(parse_kv_block_key("matrix:kv:block:m@x", model, hash));
  EXPECT_FALSE(parse_kv_block_key("other:m@1", model, hash));
}

}  // namespace
}  // namespace kthena::router
