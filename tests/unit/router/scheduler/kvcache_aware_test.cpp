#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "router/scheduler/kv_block_hash.h"
#include "router/scheduler/kv_block_index.h"
#include "router/scheduler/plugins/kvcache_aware.h"
#include "unit/router/endpoint_fixture.h"

namespace kthena::router {
namespace {

// Two pods; a four-block prompt (block size 2). Scores are the share of leading blocks a pod holds.
struct KvCacheAwareTest : ::testing::Test {
  testing::EndpointFixture pods;
  Rng rng{7};
  SchedulingScratch scratch;
  SchedulingContext ctx;
  std::shared_ptr<KvBlockIndex> index = std::make_shared<KvBlockIndex>();
  KvCacheArgs args{.block_size = 2, .max_blocks = 128};
  std::vector<uint64_t> hashes;

  void SetUp() override {
    pods.add("a");
    pods.add("b");
    ctx.rng = &rng;
    ctx.scratch = &scratch;
    ctx.model = "m";
    ctx.tokens = {1, 2, 3, 4, 5, 6, 7, 8};
    ctx.tokens_state = SchedulingContext::Tokens::kReady;
    kv_block_hashes(ctx.tokens, args.block_size, args.max_blocks, hashes);
    ASSERT_EQ(hashes.size(), 4u);
  }
  // Block i's owners, as the Redis hash of that block lists them.
  void owners(size_t i, KvBlockIndex::Owners o) { index->apply({{"m", hashes[i], std::move(o)}}); }
  void started_at(size_t pod, int64_t t) {
    auto restarted = std::make_shared<api::Pod>(*pods[pod].pod);
    restarted->newest_container_started_at = t;
    pods[pod].pod = restarted;
  }
  std::vector<int32_t> score() {
    KvCacheAware plugin(args, index);
    std::vector<int32_t> out(pods.all().size(), kNoScore);
    plugin.score(ctx, pods.all(), out);
    return out;
  }
};

TEST_F(KvCacheAwareTest, ScoresTheShareOfLeadingBlocksEachPodHolds) {
  owners(0, {{"a.default", 100}, {"b.default", 100}});
  owners(1, {{"a.default", 100}});
  owners(2, {{"a.default", 100}, {"b.default", 100}});  // b's run ended at block 1
  owners(3, {{"a.default", 100}});
  EXPECT_EQ(score(), (std::vector<int32_t>{100, 25}));
}

// A block written before the pod's container (re)started is gone from its cache: it ends the run, at block 0 or
// further on.
TEST_F(KvCacheAwareTest, BlocksWrittenBeforeTheContainerStartedDoNotCount) {
  owners(0, {{"a.default", 300}, {"b.default", 100}});
  owners(1, {{"a.default", 300}, {"b.default", 100}});
  owners(2, {{"a.default", 100}, {"b.default", 100}});
  owners(3, {{"a.default", 100}, {"b.default", 100}});
  started_at(0, 200);
  started_at(1, 200);
  EXPECT_EQ(score(), (std::vector<int32_t>{50, kNoScore}));
}

}  // namespace
}  // namespace kthena::router
