// The writer sides of the shared scheduling indexes: a full kvcache resync is one publication, and the prefix
// index's writer thread survives an exception.
#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "router/scheduler/kv_block_index.h"
#include "router/scheduler/prefix_index.h"

namespace kthena::router {
namespace {

std::vector<KvBlockIndex::Update> blocks(uint64_t first, uint64_t count, const std::string& owner) {
  std::vector<KvBlockIndex::Update> out;
  for (uint64_t h = first; h < first + count; ++h) out.push_back({"m", h, {KvBlockOwner{owner, 1}}});
  return out;
}

TEST(KvBlockIndexReplace, TheNewContentReplacesTheOldEntirely) {
  KvBlockIndex index;
  index.apply(blocks(0, 10, "a.ns"));
  index.replace(blocks(5, 10, "b.ns"));
  EXPECT_EQ(index.blocks(), 10u);
  std::vector<uint64_t> hashes = {0, 5, 14, 15};
  std::vector<std::string> seen;
  index.visit(0, "m", hashes, [&](size_t, const KvBlockIndex::Owners& owners) {
    seen.push_back(owners.empty() ? "-" : owners.front().id);
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"-", "b.ns", "b.ns", "-"}));
  index.replace({});
  EXPECT_EQ(index.blocks(), 0u);
}

// Readers during a stream of full resyncs of the same content always find it: the index is never empty between
// the clearing and the refilling.
TEST(KvBlockIndexReplace, ReadersNeverSeeAnEmptyIndexDuringAResync) {
  KvBlockIndex index;
  index.replace(blocks(0, 64, "a.ns"));
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> reads{0}, empty{0};
  std::vector<std::thread> readers;
  for (uint32_t slot = 0; slot < 2; ++slot) {
    readers.emplace_back([&, slot] {
      std::vector<uint64_t> hashes = {0, 63};
      while (!stop.load()) {
        index.visit(slot, "m", hashes, [&](size_t, const KvBlockIndex::Owners& owners) {
          if (owners.empty()) ++empty;
          return true;
        });
        ++reads;
      }
    });
  }
  for (int i = 0; i < 2000; ++i) index.replace(blocks(0, 64, "a.ns"));
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_GT(reads.load(), 0u);
  EXPECT_EQ(empty.load(), 0u) << "of " << reads.load() << " reads";
}

// An exception on the writer thread (here, from the eviction callback) is caught at the thread's root: the process
// lives on, flush() returns, and later changes are learnt.
TEST(PrefixIndexWriter, SurvivesAnExceptionAndKeepsLearning) {
  std::atomic<int> evictions{0};
  PrefixIndex index(1, [&](const std::string&) {
    if (evictions++ == 0) throw std::runtime_error("eviction callback failed");
  });
  std::vector<uint64_t> first = {1, 2};
  index.record(0, "m", first);
  index.flush();
  EXPECT_EQ(index.failures(), 1u);
  std::vector<uint64_t> next = {7};
  index.record(1, "m", next);
  index.flush();
  std::vector<uint32_t> holders;
  index.visit_from_last(0, next, [&](size_t, std::span<const uint32_t> pods) {
    holders.assign(pods.begin(), pods.end());
    return false;
  });
  EXPECT_EQ(holders, std::vector<uint32_t>{1});
  EXPECT_EQ(index.failures(), 1u);
}

}  // namespace
}  // namespace kthena::router
