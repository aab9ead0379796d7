#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "router/observability/access_log.h"

namespace kthena::router {
namespace {

// Reads `fd` to its end on a thread of its own, once started.
class PipeReader {
 public:
  explicit PipeReader(int fd) : fd_(fd) {}
  ~PipeReader() {
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  void start() {
    thread_ = std::thread([this] {
      char buf[4096];
      for (ssize_t n; (n = ::read(fd_, buf, sizeof(buf))) > 0;) data_.append(buf, static_cast<size_t>(n));
    });
  }
  const std::string& finish() {
    thread_.join();
    return data_;
  }

 private:
  int fd_;
  std::string data_;
  std::thread thread_;
};

std::string line(int i) {
  std::string l = fmt::format("line {:05d} ", i);
  l.resize(99, 'x');
  return l + "\n";
}

TEST(AccessLogSink, WritesLinesWholeAndInOrder) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  PipeReader reader(fds[0]);
  reader.start();
  {
    AccessLogSink sink(fds[1], true, false);
    for (int i = 0; i < 2000; ++i) sink.write(line(i));
  }  // the destructor writes what is queued and closes the pipe
  const std::string& got = reader.finish();
  ASSERT_EQ(got.size(), 2000u * 100u);
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(got.substr(static_cast<size_t>(i) * 100, 100), line(i)) << i;
}

// A reader that stops reading (a stuck log collector) fills the pipe: writers still return at once, lines beyond
// the queue's bound are dropped and counted, and every line that is written is whole.
TEST(AccessLogSink, AStuckReaderNeverBlocksWritersAndOverflowIsCounted) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  PipeReader reader(fds[0]);
  uint64_t dropped = 0;
  {
    AccessLogSink sink(fds[1], true, false, 64 * 1024);
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < 5000; ++i) sink.write(line(i));  // 500 KB: pipe (64 KiB) + queue (64 KiB) overflow
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
    dropped = sink.dropped_lines();
    EXPECT_GT(dropped, 0u);
    reader.start();  // the collector recovers
  }
  const std::string& got = reader.finish();
  ASSERT_EQ(got.size() % 100, 0u);
  EXPECT_EQ(got.size() / 100 + dropped, 5000u);
  for (size_t at = 0; at < got.size(); at += 100) {
    ASSERT_TRUE(got.compare(at, 5, "line ") == 0 && got[at + 99] == '\n') << at;
  }
}

// A collector that never reads again must not hold the router's shutdown: the sink gives the output its grace, then
// drops what is left and returns.
TEST(AccessLogSink, AnOutputStuckAtShutdownDelaysItOnlyByTheGrace) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  PipeReader reader(fds[0]);
  auto sink = std::make_unique<AccessLogSink>(fds[1], true, false, 1024 * 1024, std::chrono::milliseconds(300));
  for (int i = 0; i < 5000; ++i) sink->write(line(i));          // 500 KB: the pipe holds 64 KiB, the rest stays queued
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the pipe is full by now
  EXPECT_EQ(sink->dropped_lines(), 0u);
  auto start = std::chrono::steady_clock::now();
  sink.reset();
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(300));
  EXPECT_LT(took, std::chrono::seconds(2));
  reader.start();
  const std::string& got = reader.finish();
  EXPECT_EQ(got.size() % 100, 0u);
  EXPECT_LT(got.size() / 100, 5000u);
  EXPECT_GT(got.size(), 0u);
}

}  // namespace
}  // namespace kthena::router
