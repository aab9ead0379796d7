// The supervisor of `kthena up` with real child processes (sh): restarts with back-off, stops in reverse order
// with SIGKILL after the grace, reports a command that cannot run, and children die with it.
#include "up/supervisor.h"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

namespace kthena::up {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class SupervisorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kthena-supervisor-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  ComponentSpec sh(const std::string& name, const std::string& script) {
    return {.name = name, .argv = {"/bin/sh", "-c", script}, .log = dir_ / (name + ".log"), .stop_grace = 2s};
  }
  std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  // Polls until `done` holds or `limit` passes.
  template <typename F>
  bool poll_until(Supervisor& s, F done, std::chrono::milliseconds limit = 10s) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > end) return false;
      s.poll(50ms);
    }
    return true;
  }

  fs::path dir_;
  std::ostringstream messages_;
};

TEST_F(SupervisorTest, OutputOfTheCurrentInstanceOnly) {
  Supervisor s(messages_);
  ASSERT_TRUE(s.start(sh("a", "echo first; sleep 60")));
  EXPECT_TRUE(poll_until(s, [&] { return s.output_since_start("a") == "first\n"; }));
  EXPECT_TRUE(s.running("a"));
  EXPECT_EQ(s.starts("a"), 1);
}

TEST_F(SupervisorTest, RestartsACrashedComponentWithBackoffAndSaysSo) {
  Supervisor s(messages_);
  fs::path count = dir_ / "count";
  ASSERT_TRUE(s.start(sh("crasher", "echo run >> " + count.string() + "; exit 3")));
  auto begin = std::chrono::steady_clock::now();
  ASSERT_TRUE(poll_until(s, [&] { return s.starts("crasher") >= 3; }));
  // Back-off 1 s, then 2 s: the third start comes no sooner than 3 s after the first.
  EXPECT_GE(std::chrono::steady_clock::now() - begin, 2900ms);
  EXPECT_NE(messages_.str().find("crasher exited with status 3; restarting it in 1 s"), std::string::npos)
      << messages_.str();
  EXPECT_NE(messages_.str().find("restarting it in 2 s"), std::string::npos) << messages_.str();
}

TEST_F(SupervisorTest, StopsInReverseOrderAndKillsWhatIgnoresSigterm) {
  Supervisor s(messages_);
  fs::path order = dir_ / "order";
  ASSERT_TRUE(
      s.start(sh("first", "trap 'echo first >> " + order.string() + "; exit 0' TERM; while :; do sleep 0.05; done")));
  ASSERT_TRUE(
      s.start(sh("second", "trap 'echo second >> " + order.string() + "; exit 0' TERM; while :; do sleep 0.05; done")));
  ComponentSpec stubborn = sh("stubborn", "trap '' TERM; while :; do sleep 0.05; done");
  stubborn.stop_grace = 300ms;
  ASSERT_TRUE(s.start(stubborn));
  s.poll(200ms);  // the traps are set
  auto begin = std::chrono::steady_clock::now();
  s.stop_all();
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 5s);
  EXPECT_EQ(read(order), "second\nfirst\n");
  EXPECT_NE(messages_.str().find("stubborn did not stop within 0.3 s; killing it"), std::string::npos);
  EXPECT_FALSE(s.running("first"));
  EXPECT_FALSE(s.running("stubborn"));
}

TEST_F(SupervisorTest, NoRestartOnceStopping) {
  Supervisor s(messages_);
  ASSERT_TRUE(s.start(sh("a", "sleep 60")));
  s.stop_all();
  s.poll(1500ms);
  EXPECT_FALSE(s.running("a"));
  EXPECT_EQ(s.starts("a"), 1);
}

TEST_F(SupervisorTest, ACommandThatCannotRunIsAnError) {
  Supervisor s(messages_);
  auto started = s.start({.name = "ghost", .argv = {"/nonexistent/kthena"}, .log = dir_ / "ghost.log"});
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("cannot run /nonexistent/kthena: No such file or directory"),
            std::string::npos)
      << started.error().message;
  EXPECT_FALSE(s.running("ghost"));
  EXPECT_FALSE(s.start({.name = "empty", .argv = {}, .log = dir_ / "e.log"}));
}

TEST_F(SupervisorTest, SigtermEndsPolling) {
  Supervisor s(messages_);
  ASSERT_TRUE(s.start(sh("a", "sleep 60")));
  ::kill(::getpid(), SIGTERM);  // blocked in this thread: only sigtimedwait takes it
  EXPECT_FALSE(s.poll(2s));
  EXPECT_TRUE(s.stop_requested());
  EXPECT_TRUE(s.running("a"));  // stopping is the caller's decision
  s.stop_all();
}

// kill -9 of the supervisor: its children get SIGKILL from the kernel (parent-death signal).
TEST_F(SupervisorTest, ChildrenDieWithTheSupervisor) {
  fs::path pid_file = dir_ / "child.pid";
  pid_t supervisor = ::fork();
  ASSERT_GE(supervisor, 0);
  if (supervisor == 0) {
    std::ostringstream ignored;
    Supervisor s(ignored);
    if (!s.start(sh("child", "echo $$ > " + pid_file.string() + "; exec sleep 60"))) ::_exit(1);
    for (;;) s.poll(1s);
  }
  pid_t child = 0;
  for (int i = 0; i < 200 && child == 0; i++) {
    std::ifstream in(pid_file);
    in >> child;
    if (child == 0) ::usleep(20000);
  }
  ASSERT_GT(child, 0);
  ASSERT_EQ(::kill(child, 0), 0);
  ::kill(supervisor, SIGKILL);
  ::waitpid(supervisor, nullptr, 0);
  bool gone = false;
  for (int i = 0; i < 200 && !gone; i++) {
    gone = ::kill(child, 0) != 0;  // reaped by init once it is killed
    if (!gone) ::usleep(20000);
  }
  EXPECT_TRUE(gone) << "the child outlived its supervisor";
}

}  // namespace
}  // namespace kthena::up
