#include "router/server/router_server.h"

#include <gtest/gtest.h>

namespace kthena::router {
namespace {

// Each worker reads the shared indexes through its own LeftRight reader slot: the worker count never exceeds them.
TEST(WorkerThreads, TheDefaultIsOnePerCoreUpToTheReaderSlots) {
  EXPECT_EQ(*worker_threads(0, 8), 8u);
  EXPECT_EQ(*worker_threads(0, 0), 1u) << "unknown core count";
  EXPECT_EQ(*worker_threads(0, 64), 64u);
  EXPECT_EQ(*worker_threads(0, 65), kMaxWorkerThreads) << "a 65-core host";
  EXPECT_EQ(*worker_threads(0, 256), kMaxWorkerThreads) << "a 256-core host";
  EXPECT_LE(kMaxWorkerThreads, LeftRight<int>::kMaxReaders);
}

TEST(WorkerThreads, AnExplicitCountAboveTheSlotsIsAnErrorNamingTheOption) {
  EXPECT_EQ(*worker_threads(3, 1), 3u) << "an explicit count is kept, whatever the cores";
  EXPECT_EQ(*worker_threads(kMaxWorkerThreads, 2), kMaxWorkerThreads);
  auto over = worker_threads(kMaxWorkerThreads + 1, 2);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().field, "--threads");
  EXPECT_EQ(over.error().to_string(), "--threads: 65 worker threads requested, at most 64 are supported");
}

TEST(WorkerThreads, TheServerRefusesToStartWithTooManyThreads) {
  RouterServerOptions options;
  options.threads = 1000;
  auto server = RouterServer::start(options);
  ASSERT_FALSE(server);
  EXPECT_EQ(server.error().field, "--threads");
}

}  // namespace
}  // namespace kthena::router
