#include "node/logs/log_collector.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void put(const UniqueFd& fd, const std::string& text) {
  ASSERT_EQ(::write(fd.get(), text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

// The records of a log without their times: "stdout F hello".
std::string without_times(const std::string& log) {
  return std::regex_replace(log, std::regex("(^|\n)[0-9T:.Z-]{30} "), "$1");
}

class LogCollectorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "kthena-logcol-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    path_ = dir_ / "c.log";
    auto collector = LogCollector::start({});
    ASSERT_TRUE(collector) << collector.error().to_string();
    collector_ = std::move(*collector);
  }
  void TearDown() override {
    collector_.reset();
    fs::remove_all(dir_);
  }
  // Waits until no instance writes `path` (its pipes are at their end and read); false after 5 s.
  bool wait_ended(const fs::path& path) {
    for (auto until = std::chrono::steady_clock::now() + 5s; std::chrono::steady_clock::now() < until;) {
      if (!collector_->instance(path)) return true;
      std::this_thread::sleep_for(5ms);
    }
    return false;
  }

  fs::path dir_;
  fs::path path_;
  std::unique_ptr<LogCollector> collector_;
};

TEST_F(LogCollectorTest, PipesBecomeRecordsOfTheirStream) {
  auto output = collector_->open(path_, ::geteuid(), ::getegid());
  ASSERT_TRUE(output) << output.error().to_string();
  EXPECT_TRUE(collector_->instance(path_));
  put(output->stdout_fd, "hello\n");
  put(output->stderr_fd, "oops\nunfinished");
  output->stdout_fd.reset();
  output->stderr_fd.reset();  // as when the container's last process ends
  ASSERT_TRUE(wait_ended(path_));
  std::string log = read_text(path_);
  EXPECT_TRUE(std::regex_match(log, std::regex("20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z [\\s\\S]*"))) << log;
  // The streams are read apart, so only each stream's own order is certain.
  std::string records = without_times(log);
  EXPECT_NE(records.find("stdout F hello\n"), std::string::npos) << records;
  EXPECT_NE(records.find("stderr F oops\nstderr P unfinished\n"), std::string::npos) << records;
  EXPECT_EQ(records.size(), std::string("stdout F hello\nstderr F oops\nstderr P unfinished\n").size());
}

TEST_F(LogCollectorTest, ANewInstanceKeepsThePreviousLogWithItsLastOutput) {
  auto first = collector_->open(path_, ::geteuid(), ::getegid());
  ASSERT_TRUE(first);
  std::optional<uint64_t> first_id = collector_->instance(path_);
  put(first->stdout_fd, "first instance\n");
  put(first->stdout_fd, "its last words\n");
  first->stdout_fd.reset();
  first->stderr_fd.reset();
  // At once, as an agent restarting a container that just ended may: what the pipe still held is not lost.
  auto second = collector_->open(path_, ::geteuid(), ::getegid());
  ASSERT_TRUE(second);
  EXPECT_NE(collector_->instance(path_), first_id);
  EXPECT_EQ(without_times(read_text(previous_log_path(path_))), "stdout F first instance\nstdout F its last words\n");
  put(second->stdout_fd, "second instance\n");
  collector_->close(path_);  // the pod goes: what was written is taken
  EXPECT_FALSE(collector_->instance(path_));
  EXPECT_EQ(without_times(read_text(path_)), "stdout F second instance\n");
}

TEST_F(LogCollectorTest, StoppingTakesWhatThePipesHold) {
  auto output = collector_->open(path_, ::geteuid(), ::getegid());
  ASSERT_TRUE(output);
  put(output->stdout_fd, "written just before the agent stops\n");
  collector_.reset();
  EXPECT_EQ(without_times(read_text(path_)), "stdout F written just before the agent stops\n");
}

TEST_F(LogCollectorTest, ThePipesBelongToTheContainersUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give the pipes away";
  auto output = collector_->open(path_, 65534, 65534);
  ASSERT_TRUE(output);
  struct stat st {};
  ASSERT_EQ(::fstat(output->stdout_fd.get(), &st), 0);
  EXPECT_EQ(st.st_uid, 65534u);  // so that nobody may open /proc/self/fd/1, as nginx does with /dev/stdout
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_uid, 0u);  // while the log stays the agent's
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

}  // namespace
}  // namespace kthena::node
