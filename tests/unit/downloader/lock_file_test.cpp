// The cache lock (spec §7.2) within one process: flock() locks belong to an open file description, so two
// LockFile objects here contend exactly as two processes do. Intervals are shortened; the e2e test uses upstream's.
#include "downloader/lock_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <optional>
#include <thread>

#include "test_dir.h"

namespace kthena::downloader {
namespace {

using namespace std::chrono_literals;
using testing::read_file;
using testing::TestDir;

const LockTiming kFast{300ms, 20ms, 50ms};
const ProgressSink kQuiet = [](const std::string&) {};

std::chrono::system_clock::time_point mtime(const std::filesystem::path& p) {
  struct stat st {};
  ::stat(p.c_str(), &st);
  return std::chrono::system_clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec)) +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(st.st_mtim.tv_nsec));
}

void set_age(const std::filesystem::path& p, std::chrono::seconds age) {
  std::filesystem::last_write_time(p, std::filesystem::file_time_type::clock::now() - age);
}

TEST(LockFile, HolderWritesItsPidAndReleaseDeletesTheFile) {
  TestDir dir;
  auto lock = LockFile::acquire(dir.path() / ".lock", kFast, kQuiet);
  ASSERT_TRUE(lock) << lock.error().to_string();
  EXPECT_EQ(read_file(dir.path() / ".lock"), std::to_string(::getpid()));
  lock->release();
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".lock"));
  lock->release();  // idempotent
}

TEST(LockFile, RenewerKeepsTheMtimeFresh) {
  TestDir dir;
  auto lock = LockFile::acquire(dir.path() / ".lock", kFast, kQuiet);
  ASSERT_TRUE(lock);
  auto first = mtime(dir.path() / ".lock");
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (mtime(dir.path() / ".lock") == first && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_GT(mtime(dir.path() / ".lock"), first);
}

TEST(LockFile, SecondHolderWaitsForTheFirstToRelease) {
  TestDir dir;
  auto first = LockFile::acquire(dir.path() / ".lock", kFast, kQuiet);
  ASSERT_TRUE(first);
  std::promise<void> waiting;
  std::atomic<bool> acquired{false};
  std::jthread second([&] {
    bool told = false;
    auto lock = LockFile::acquire(dir.path() / ".lock", kFast, [&](const std::string& line) {
      if (!told && line.starts_with("waiting for ")) {
        told = true;
        waiting.set_value();
      }
    });
    acquired = lock.has_value();
  });
  waiting.get_future().wait();
  // Several renew periods: the renewer keeps the first lock live, so the second keeps waiting.
  std::this_thread::sleep_for(kFast.freshness * 2);
  EXPECT_FALSE(acquired.load());
  first->release();
  second.join();
  EXPECT_TRUE(acquired.load());
}

// A holder killed with -9: the file stays, its mtime ages, nobody holds the flock. It is taken over.
TEST(LockFile, StaleLockIsTakenOver) {
  TestDir dir;
  std::ofstream(dir.path() / ".lock") << "999999";
  set_age(dir.path() / ".lock", 60s);
  std::vector<std::string> lines;
  auto lock = LockFile::acquire(dir.path() / ".lock", kFast, [&](const std::string& l) { lines.push_back(l); });
  ASSERT_TRUE(lock);
  ASSERT_FALSE(lines.empty());
  EXPECT_TRUE(lines.front().starts_with("took over the stale lock")) << lines.front();
  EXPECT_NE(lines.front().find("pid 999999"), std::string::npos) << lines.front();
  EXPECT_EQ(read_file(dir.path() / ".lock"), std::to_string(::getpid()));
}

// A fresh file that nobody has locked (its holder died a moment ago) is waited out, then taken over.
TEST(LockFile, FreshButUnlockedFileIsTakenOverOnceStale) {
  TestDir dir;
  std::ofstream(dir.path() / ".lock") << "999999";
  auto start = std::chrono::steady_clock::now();
  auto lock = LockFile::acquire(dir.path() / ".lock", kFast, kQuiet);
  ASSERT_TRUE(lock);
  EXPECT_GE(std::chrono::steady_clock::now() - start, kFast.freshness - 50ms);
}

// A holder whose mtime is old but who still holds the flock (a stalled renewer) is not displaced.
TEST(LockFile, StaleMtimeWithLiveFlockWaits) {
  TestDir dir;
  auto first = LockFile::acquire(dir.path() / ".lock", LockTiming{300ms, 20ms, 1h}, kQuiet);
  ASSERT_TRUE(first);
  set_age(dir.path() / ".lock", 60s);
  std::promise<void> waiting;
  std::atomic<bool> acquired{false};
  std::jthread second([&] {
    bool told = false;
    auto lock = LockFile::acquire(dir.path() / ".lock", kFast, [&](const std::string& line) {
      if (!told && line.starts_with("waiting for ")) {
        told = true;
        waiting.set_value();
      }
    });
    acquired = lock.has_value();
  });
  waiting.get_future().wait();
  EXPECT_FALSE(acquired.load());
  first->release();
  second.join();
  EXPECT_TRUE(acquired.load());
}

TEST(LockFile, UnwritableFolderFails) {
  auto lock = LockFile::acquire("/proc/kthena-no-such/.lock", kFast, kQuiet);
  ASSERT_FALSE(lock);
  EXPECT_NE(lock.error().message.find("cannot create the lock file"), std::string::npos);
}

}  // namespace
}  // namespace kthena::downloader
