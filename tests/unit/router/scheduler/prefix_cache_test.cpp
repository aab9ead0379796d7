#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "router/scheduler/plugins/prefix_cache.h"
#include "router/scheduler/prefix_hash.h"
#include "unit/router/endpoint_fixture.h"

namespace kthena::router {
namespace {

struct PrefixCacheTest : ::testing::Test {
  testing::EndpointFixture pods;
  Rng rng{7};
  SchedulingScratch scratch;
  std::shared_ptr<PrefixIndex> index;
  PluginEnv env;
  std::vector<std::string> evicted;

  void make(size_t capacity) {
    index = std::make_shared<PrefixIndex>(capacity, [this](const std::string& model) { evicted.push_back(model); });
    env.prefix_index = [this](size_t) { return index; };
  }
  SchedulingContext context(std::string_view prompt) {
    SchedulingContext ctx;
    ctx.rng = &rng;
    ctx.scratch = &scratch;
    ctx.model = "m";
    ctx.prompt = prompt;
    return ctx;
  }
  std::vector<int32_t> score(const ScorePlugin& p, SchedulingContext& ctx) {
    std::vector<int32_t> out(pods.all().size(), kNoScore);
    p.score(ctx, pods.all(), out);
    return out;
  }
};

TEST_F(PrefixCacheTest, ScoresTheLongestLearntPrefix) {
  make(50000);
  for (int i = 0; i < 3; ++i) pods.add("p" + std::to_string(i));
  auto created = PrefixCache::create(PluginArgs(Json{{"blockSizeToHash", 4}, {"topKMatches", 5}}, "args"), env);
  ASSERT_TRUE(created);
  const ScorePlugin& plugin = *created->score;

  auto first = context("aaaabbbbccccdddd");
  EXPECT_EQ(score(plugin, first), (std::vector<int32_t>{0, 0, 0})) << "nothing learnt: every candidate scores 0";
  ASSERT_EQ(first.prefix_hashes.size(), 4u);
  const Endpoint* p1[] = {pods.all()[1]};
  plugin.on_success(first, p1);
  index->flush();

  auto same = context("aaaabbbbccccdddd");
  EXPECT_EQ(score(plugin, same), (std::vector<int32_t>{0, 100, 0}));
  auto half = context("aaaabbbbxxxxyyyy");
  EXPECT_EQ(score(plugin, half), (std::vector<int32_t>{0, 50, 0}));
  auto other = context("zzzzbbbbccccdddd");
  EXPECT_EQ(score(plugin, other), (std::vector<int32_t>{0, 0, 0}))
      << "blocks are chained: a different start matches nothing";
  auto empty = context("");
  EXPECT_EQ(score(plugin, empty), (std::vector<int32_t>{kNoScore, kNoScore, kNoScore}));
  EXPECT_EQ(index->entries(), 4);

  index->remove_pod(pods.all()[1]->id());
  index->flush();
  auto after = context("aaaabbbbccccdddd");
  EXPECT_EQ(score(plugin, after), (std::vector<int32_t>{0, 0, 0}));
  EXPECT_EQ(index->entries(), 0);
  EXPECT_TRUE(evicted.empty()) << "pod deletion is not an eviction";
}

TEST_F(PrefixCacheTest, TopKStopsMatching) {
  make(50000);
  for (int i = 0; i < 4; ++i) pods.add("p" + std::to_string(i));
  auto created = PrefixCache::create(PluginArgs(Json{{"blockSizeToHash", 4}, {"topKMatches", 2}}, "args"), env);
  ASSERT_TRUE(created);
  auto ctx = context("aaaabbbb");
  std::vector<int32_t> ignored(4);
  created->score->score(ctx, pods.all(), ignored);
  for (const Endpoint* e : pods.all()) {
    const Endpoint* one[] = {e};
    created->score->on_success(ctx, one);
  }
  index->flush();
  auto again = context("aaaabbbb");
  auto scores = score(*created->score, again);
  EXPECT_EQ(std::count(scores.begin(), scores.end(), 100), 2) << "only topKMatches pods get a match";
}

TEST_F(PrefixCacheTest, LruEvictsTheOldestBlocks) {
  make(2);
  pods.add("p0");
  auto created = PrefixCache::create(PluginArgs(Json{{"blockSizeToHash", 4}}, "args"), env);
  ASSERT_TRUE(created);
  auto ctx = context("aaaabbbbcccc");  // three blocks into an LRU of two
  std::vector<int32_t> ignored(1);
  created->score->score(ctx, pods.all(), ignored);
  created->score->on_success(ctx, pods.all());
  index->flush();
  EXPECT_EQ(index->entries(), 2);
  EXPECT_EQ(evicted, (std::vector<std::string>{"m"}));
  // Blocks are added last-to-first, so the first block is most recent and the last one was evicted.
  auto prefix = context("aaaabbbb");
  EXPECT_EQ(score(*created->score, prefix), (std::vector<int32_t>{100}));
}

// The index learns on a writer thread in batches; until a record is applied, every thread still counts it, so the
// next request with the same prefix goes where the last one went, whichever worker serves it (upstream records
// synchronously).
TEST_F(PrefixCacheTest, EveryThreadSeesARecordBeforeTheWriterAppliesIt) {
  // Under load the writer collects for a whole interval after a batch: 300 ms here, so that it provably lags.
  index = std::make_shared<PrefixIndex>(50000, nullptr, std::chrono::milliseconds(300));
  env.prefix_index = [this](size_t) { return index; };
  for (int i = 0; i < 3; ++i) pods.add("p" + std::to_string(i));
  auto created = PrefixCache::create(PluginArgs(Json{{"blockSizeToHash", 4}}, "args"), env);
  ASSERT_TRUE(created);
  const ScorePlugin& plugin = *created->score;

  auto first = context("aaaabbbb");
  score(plugin, first);
  const Endpoint* p0[] = {pods.all()[0]};
  plugin.on_success(first, p0);  // after a quiet spell the writer applies this at once, then collects for 300 ms
  for (int i = 0; i < 1000 && !index->applied(0, 1); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(index->applied(0, 1));

  auto second = context("ccccdddd");
  score(plugin, second);
  const Endpoint* p2[] = {pods.all()[2]};
  plugin.on_success(second, p2);
  ASSERT_FALSE(index->applied(0, 2)) << "the writer is still collecting";
  auto again = context("ccccdddd");
  EXPECT_EQ(score(plugin, again), (std::vector<int32_t>{0, 0, 100}));
  auto half = context("ccccxxxx");
  EXPECT_EQ(score(plugin, half), (std::vector<int32_t>{0, 0, 50}));
  auto applied = context("aaaabbbb");
  EXPECT_EQ(score(plugin, applied), (std::vector<int32_t>{100, 0, 0}));

  // Another thread (its own scratch and reader slot) sees it too.
  SchedulingScratch other_scratch;
  auto elsewhere = context("ccccdddd");
  elsewhere.scratch = &other_scratch;
  elsewhere.reader_slot = 1;
  EXPECT_EQ(score(plugin, elsewhere), (std::vector<int32_t>{0, 0, 100}));
  ASSERT_FALSE(index->applied(0, 2)) << "the writer is still collecting: the counts above came from the rings";
  index->flush();
  EXPECT_EQ(score(plugin, elsewhere), (std::vector<int32_t>{0, 0, 100}));
}

// Threads read a slot's recent records while its thread keeps rewriting them: a reader sees whole records or none.
TEST(PrefixIndexRecent, ARecordBeingRewrittenIsSkippedNeverTorn) {
  PrefixIndex index(1 << 20, nullptr, std::chrono::milliseconds(300));  // the writer lags: the rings carry most
  // Pod 1 always records `a`; pod 2 `b`, which differs from `a` only in its last block. Read against `a`, a whole
  // record is pod 1 matching 64 blocks or pod 2 matching 63; a torn one pairs a pod with the other's blocks.
  std::vector<uint64_t> a(64), b(64);
  for (size_t i = 0; i < a.size(); ++i) a[i] = b[i] = 1000 + i;
  b.back() = 1;
  std::atomic<bool> done{false};
  std::thread writer([&] {
    // One record in three is pod 1's: with a ring of 8, every ring entry keeps changing pods.
    for (uint32_t i = 0; i < 30000; ++i) {
      if (i % 3 == 0) {
        index.record(1, "m", a, 0);
      } else {
        index.record(2, "m", b, 0);
      }
    }
    done = true;
  });
  size_t seen = 0;
  size_t wrong = 0;
  while (!done.load()) {
    index.visit_unapplied(a, [&](uint32_t pod, size_t common) {
      if (common != (pod == 1 ? a.size() : a.size() - 1)) ++wrong;
      ++seen;
    });
  }
  writer.join();
  EXPECT_EQ(wrong, 0u) << seen;
  EXPECT_GT(seen, 0u);
}

}  // namespace
}  // namespace kthena::router
