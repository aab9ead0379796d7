#include "sim/kv_cache.h"

#include <gtest/gtest.h>

namespace kthena::sim {
namespace {

std::vector<BlockHash> chain_of(int n, int salt) {
  std::vector<BlockHash> out;
  BlockHash h = KvCache::root("");
  for (int i = 0; i < n; ++i) {
    std::vector<TokenId> t(16, static_cast<TokenId>(salt * 1000 + i));
    h = KvCache::chain(h, t);
    out.push_back(h);
  }
  return out;
}

TEST(KvCacheTest, ReusesCommittedPrefixes) {
  KvCache kv(8, 16, true);
  auto a = chain_of(4, 1);
  std::vector<uint32_t> blocks;
  ASSERT_TRUE(kv.allocate(4, blocks));
  for (size_t i = 0; i < 4; ++i) kv.commit(blocks[i], a[i]);
  EXPECT_DOUBLE_EQ(kv.usage(), 0.5);
  kv.release(blocks);
  EXPECT_DOUBLE_EQ(kv.usage(), 0.0);
  EXPECT_EQ(kv.cached_prefix(a), 4u);
  std::vector<uint32_t> again;
  kv.acquire_cached(a, 3, again);
  EXPECT_EQ(kv.free_blocks(), 5u);
  kv.release(again);
}

TEST(KvCacheTest, EvictsLeastRecentlyFreedAndTailFirst) {
  KvCache kv(4, 16, true);
  auto a = chain_of(2, 1);
  auto b = chain_of(2, 2);
  std::vector<uint32_t> ba, bb;
  ASSERT_TRUE(kv.allocate(2, ba));
  kv.commit(ba[0], a[0]);
  kv.commit(ba[1], a[1]);
  kv.release(ba);
  ASSERT_TRUE(kv.allocate(2, bb));  // takes the two never-used blocks first
  kv.commit(bb[0], b[0]);
  kv.commit(bb[1], b[1]);
  kv.release(bb);
  EXPECT_EQ(kv.cached_prefix(a), 2u);
  std::vector<uint32_t> one;
  ASSERT_TRUE(kv.allocate(1, one));  // evicts a's tail block (freed first, tail before head)
  EXPECT_EQ(kv.cached_prefix(a), 1u);
  EXPECT_EQ(kv.cached_prefix(b), 2u);
  std::vector<uint32_t> too_many;
  EXPECT_FALSE(kv.allocate(4, too_many));
  EXPECT_TRUE(too_many.empty());
}

TEST(KvCacheTest, WithoutPrefixCachingNothingIsFound) {
  KvCache kv(4, 16, false);
  auto a = chain_of(1, 1);
  std::vector<uint32_t> blocks;
  ASSERT_TRUE(kv.allocate(1, blocks));
  kv.commit(blocks[0], a[0]);
  kv.release(blocks);
  EXPECT_EQ(kv.cached_prefix(a), 0u);
}

}  // namespace
}  // namespace kthena::sim
