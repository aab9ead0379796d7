// The client's deadlines against a peer that goes silent without closing (a paused server, a partition): a watch's
// idle timeout, the overall request timeout, and stop() while a watch waits for its answer.
#include <chrono>
#include <memory>
#include <thread>

#include <gtest/gtest.h>

#include "kube/client.h"
#include "kube/watch_stream.h"
#include "unit/kube/recording_proxy.h"
#include "unit/kube/test_server.h"

namespace kthena::kube {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::shared_ptr<KubeClient> client_through(const testing::RecordingProxy& proxy,
                                           std::chrono::milliseconds timeout = 0ms) {
  RestConfig config;
  config.server = "http://127.0.0.1:" + std::to_string(proxy.port());
  config.timeout = timeout;
  auto client = KubeClient::create(config);
  EXPECT_TRUE(client) << client.error().to_string();
  return *client;
}

// Drains `stream` until it ends; false when it is still open after `timeout`.
bool wait_for_end(WatchStream& stream, std::chrono::milliseconds timeout) {
  for (auto deadline = Clock::now() + timeout; Clock::now() < deadline;) {
    (void)stream.next(50ms);
    if (stream.ended()) return true;
  }
  return stream.ended();
}

TEST(ClientDeadlineTest, AWatchOnASilentConnectionEndsAfterItsIdleTimeout) {
  testing::TestServer server({}, /*tls=*/false);  // a bookmark every 200 ms
  testing::RecordingProxy proxy(server.port());
  auto client = client_through(proxy);
  WatchOptions options;
  options.idle_timeout = 800ms;
  auto stream = client->watch(resources::config_maps(), "default", options);
  ASSERT_TRUE(stream);
  // Bookmarks keep it open well past its idle timeout.
  const auto opened = Clock::now();
  while (Clock::now() - opened < 2s) (void)(*stream)->next(100ms);
  ASSERT_FALSE((*stream)->ended()) << ((*stream)->error() ? (*stream)->error()->to_string() : "");

  proxy.set_silent(true);
  const auto silent_at = Clock::now();
  ASSERT_TRUE(wait_for_end(**stream, 10s));
  const auto noticed = Clock::now() - silent_at;
  auto error = (*stream)->error();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kTimeout) << error->to_string();
  EXPECT_GE(noticed, 500ms);
  EXPECT_LT(noticed, 5s);
}

TEST(ClientDeadlineTest, AWatchWhoseAnswerNeverComesEndsAfterItsIdleTimeout) {
  testing::TestServer server({}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  auto client = client_through(proxy);
  proxy.set_silent(true);
  WatchOptions options;
  options.idle_timeout = 500ms;
  auto stream = client->watch(resources::config_maps(), "default", options);
  ASSERT_TRUE(stream);
  ASSERT_TRUE(wait_for_end(**stream, 10s));
  auto error = (*stream)->error();
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, ErrorCode::kTimeout) << error->to_string();
}

TEST(ClientDeadlineTest, StopEndsAWatchWaitingForItsAnswer) {
  testing::TestServer server({}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  auto client = client_through(proxy);
  proxy.set_silent(true);
  auto stream = client->watch(resources::config_maps(), "default", {});  // no idle timeout
  ASSERT_TRUE(stream);
  ASSERT_TRUE([&] {
    for (auto deadline = Clock::now() + 5s; Clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
      if (!proxy.requests().empty()) return true;
    }
    return false;
  }()) << "the watch request never reached the proxy";
  (*stream)->stop();
  // The client's destructor waits (up to 5 s) for its watches to let go of their connections.
  const auto stopping = Clock::now();
  stream->reset();
  client.reset();
  EXPECT_LT(Clock::now() - stopping, 2s) << "the wait for the answer was not cancelled";
}

TEST(ClientDeadlineTest, ARequestOnASilentConnectionTimesOutAndItsConnectionIsNotReused) {
  testing::TestServer server({}, /*tls=*/false);
  testing::RecordingProxy proxy(server.port());
  auto client = client_through(proxy, 300ms);
  ASSERT_TRUE(client->list(resources::config_maps(), "default"));  // a pooled connection now exists

  proxy.set_silent(true);
  const auto start = Clock::now();
  auto got = client->list(resources::config_maps(), "default");
  const auto took = Clock::now() - start;
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kTimeout) << got.error().to_string();
  EXPECT_GE(took, 250ms);
  EXPECT_LT(took, 3s);

  proxy.set_silent(false);
  auto again = client->list(resources::config_maps(), "default");
  EXPECT_TRUE(again) << again.error().to_string();
}

}  // namespace
}  // namespace kthena::kube
