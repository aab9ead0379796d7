// Real processes: each test starts containers on this machine and checks what they see and how they end. The
// namespace, user and cgroup cases need root and skip without it.
#include "node/process/container_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "node/unique_fd.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool is_root() {
  return ::geteuid() == 0;
}

#define REQUIRE_ROOT() \
  if (!is_root()) GTEST_SKIP() << "needs root (namespaces, setuid, cgroups)"

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

bool wait_for(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 10s) {
  auto deadline = Clock::now() + timeout;
  while (!condition()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

std::optional<ExitStatus> wait_exit(ContainerProcess& c, std::chrono::milliseconds timeout = 10s) {
  std::optional<ExitStatus> status;
  wait_for([&] { return (status = c.poll()).has_value(); }, timeout);
  return status;
}

// The pids whose environment holds `marker`: the processes of one test's containers, however they were started.
std::vector<pid_t> marked_processes(const std::string& marker) {
  std::vector<pid_t> out;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc"), &::closedir);
  while (auto* entry = ::readdir(dir.get())) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::string env = read_text(fs::path("/proc") / entry->d_name / "environ");
    if (env.find(marker) != std::string::npos) out.push_back(std::atoi(entry->d_name));
  }
  return out;
}

class ContainerProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::random_device rd;
    marker_ = fmt::format("KTHENA_TEST_MARKER={:08x}{:08x}", rd(), rd());
    std::string tmpl = (fs::temp_directory_path() / "kthena-process-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    // The containers run as nobody and start in this folder.
    ::chmod(dir_.c_str(), 0755);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  ContainerLaunch launch(std::vector<std::string> argv) {
    ContainerLaunch l;
    l.argv = std::move(argv);
    auto eq = marker_.find('=');
    l.env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {marker_.substr(0, eq), marker_.substr(eq + 1)}};
    output_to(l, dir_ / "logs" / "c.log");
    if (is_root()) l.uid = 65534;
    return l;
  }

  // The container's stdout and stderr into a file (appended): the agent gives pipes to its log collector, which
  // logs/ tests; here only what reaches the descriptors matters.
  void output_to(ContainerLaunch& l, const fs::path& path) {
    fs::create_directories(path.parent_path());
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
    ASSERT_TRUE(fd) << path;
    l.stdout_fd = l.stderr_fd = fd.get();
    outputs_[fd.get()] = path;
    fds_.push_back(std::move(fd));
  }

  std::unique_ptr<ContainerProcess> must_start(const ContainerLaunch& l) {
    auto c = ContainerProcess::start(l);
    EXPECT_TRUE(c.has_value()) << (c ? "" : c.error().to_string());
    return c ? std::move(*c) : nullptr;
  }

  std::string log(const ContainerLaunch& l) { return read_text(outputs_.at(l.stdout_fd)); }

  std::string marker_;
  fs::path dir_;
  std::vector<UniqueFd> fds_;
  std::map<int, fs::path> outputs_;  // descriptor -> its file
};

TEST_F(ContainerProcessTest, ExitCodesAndReasons) {
  auto ok = must_start(launch({"true"}));
  ASSERT_TRUE(ok);
  auto s = wait_exit(*ok);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->exit_code, 0);
  EXPECT_EQ(s->reason, "Completed");

  auto three = must_start(launch({"sh", "-c", "exit 3"}));
  ASSERT_TRUE(three);
  s = wait_exit(*three);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->exit_code, 3);
  EXPECT_EQ(s->signal, 0);
  EXPECT_EQ(s->reason, "Error");

  auto killed = must_start(launch({"sleep", "100"}));
  ASSERT_TRUE(killed);
  ::kill(killed->pid(), SIGKILL);
  s = wait_exit(*killed);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->signal, SIGKILL);
  EXPECT_EQ(s->exit_code, 137);
  EXPECT_EQ(s->reason, "Error");
}

TEST_F(ContainerProcessTest, CommandNotFoundSaysWhatARuntimeSays) {
  auto c = ContainerProcess::start(launch({"kthena-no-such-command"}));
  ASSERT_FALSE(c.has_value());
  EXPECT_EQ(c.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(c.error().message, "exec: \"kthena-no-such-command\": executable file not found in $PATH");

  auto path = ContainerProcess::start(launch({"/kthena/no/such/file"}));
  ASSERT_FALSE(path.has_value());
  EXPECT_EQ(path.error().code, ErrorCode::kNotFound);
  EXPECT_NE(path.error().message.find("no such file or directory"), std::string::npos) << path.error().message;
}

TEST_F(ContainerProcessTest, EnvironmentWorkingDirAndLog) {
  auto l = launch({"sh", "-c", "echo \"$GREETING\"; pwd; echo oops >&2"});
  l.env.push_back({"GREETING", "hello there"});
  fs::create_directories(dir_ / "work");
  ::chmod((dir_ / "work").c_str(), 0755);
  l.working_dir = (dir_ / "work").string();
  auto c = must_start(l);
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_exit(*c));
  EXPECT_EQ(log(l), fmt::format("hello there\n{}\noops\n", (dir_ / "work").string()));
  // stdout and stderr apart, each where it was sent.
  output_to(l, dir_ / "logs" / "out.log");
  int out = l.stdout_fd;
  output_to(l, dir_ / "logs" / "err.log");
  l.stdout_fd = out;
  auto apart = must_start(l);
  ASSERT_TRUE(apart);
  ASSERT_TRUE(wait_exit(*apart));
  EXPECT_EQ(read_text(dir_ / "logs" / "out.log"), fmt::format("hello there\n{}\n", (dir_ / "work").string()));
  EXPECT_EQ(read_text(dir_ / "logs" / "err.log"), "oops\n");
}

TEST_F(ContainerProcessTest, DefaultWorkingDirIsTheRootAndPathDefaults) {
  auto l = launch({"sh", "-c", "pwd; echo \"$PATH\""});
  l.env.erase(l.env.begin());  // no PATH: the default one is used and set
  auto c = must_start(l);
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_exit(*c));
  EXPECT_EQ(log(l), "/\n/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n");
}

TEST_F(ContainerProcessTest, RunsAsTheRequestedUserNeverRootByDefault) {
  REQUIRE_ROOT();
  auto l =
      launch({"sh", "-c", "id -u; id -g; id -G; grep CapEff /proc/self/status; grep NoNewPrivs /proc/self/status"});
  auto c = must_start(l);
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_exit(*c));
  EXPECT_EQ(log(l), "65534\n65534\n65534\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n");

  auto unset = launch({"true"});
  unset.uid.reset();
  auto refused = ContainerProcess::start(unset);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);
  unset.uid = 0;
  refused = ContainerProcess::start(unset);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kForbidden);

  auto root = launch({"id", "-u"});
  root.uid = 0;
  root.allow_root = true;
  output_to(root, dir_ / "logs" / "root.log");
  auto allowed = must_start(root);
  ASSERT_TRUE(allowed);
  ASSERT_TRUE(wait_exit(*allowed));
  EXPECT_EQ(log(root), "0\n");
}

TEST_F(ContainerProcessTest, BindMountsAtMountPathsOnlyInside) {
  REQUIRE_ROOT();
  fs::create_directories(dir_ / "volume");
  std::ofstream(dir_ / "volume" / "hello") << "from the volume\n";
  fs::create_directories(dir_ / "mountpoint");
  fs::create_directories(dir_ / "ro");
  auto l = launch({"sh", "-c",
                   fmt::format("cat {0}/hello; ls {1}; touch {1}/x 2>/dev/null && echo writable || echo read-only",
                               (dir_ / "mountpoint").string(), (dir_ / "ro").string())});
  l.mounts = {{dir_ / "volume", (dir_ / "mountpoint").string(), false},
              {dir_ / "volume", (dir_ / "ro").string(), true}};
  auto c = must_start(l);
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_exit(*c));
  EXPECT_EQ(log(l), "from the volume\nhello\nread-only\n");
  // Nothing propagated back to the host.
  EXPECT_TRUE(fs::is_empty(dir_ / "mountpoint"));

  // A volume that is a file where the host has a folder cannot be mounted.
  auto clash = launch({"true"});
  clash.mounts = {{dir_ / "volume" / "hello", (dir_ / "mountpoint").string(), false}};
  auto refused = ContainerProcess::start(clash);
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kInvalid);
  EXPECT_NE(refused.error().message.find("the volume is a file but the node has a folder there"), std::string::npos)
      << refused.error().message;
}

// Upstream's pods mount at /models, /mnt/cache/..., /etc/hccn.conf: paths this host may lack. The container gets a
// root of its own in which they exist; everything else is the host's, and the host is not changed.
TEST_F(ContainerProcessTest, MountPointsTheHostLacksExistInsideOnly) {
  REQUIRE_ROOT();
  fs::create_directories(dir_ / "volume");
  std::ofstream(dir_ / "volume" / "weights") << "from the volume\n";
  std::ofstream(dir_ / "conf") << "from a file volume\n";
  std::random_device rd;
  const std::string top = fmt::format("/kthena-test-{:08x}", rd());  // under the host's root
  const fs::path nested = dir_ / "no" / "such";                      // under a folder of the host
  ASSERT_FALSE(fs::exists(top));
  auto l = launch({"sh", "-c",
                   fmt::format("cat {0}/models/weights {1}/weights {2}/hccn.conf; ls /usr/bin/env; ls {3}; "
                               "cat /etc/hosts | grep -c kthena-test-pod; echo $$",
                               top, nested.string(), (dir_ / "etc").string(), (dir_ / "conf").string())});
  l.mounts = {{dir_ / "volume", top + "/models/", true},
              {dir_ / "volume", nested.string(), false},
              {dir_ / "conf", (dir_ / "etc" / "hccn.conf").string(), true}};
  std::ofstream(dir_ / "hosts") << "10.244.0.7 kthena-test-pod\n";
  l.hosts_file = dir_ / "hosts";
  auto c = must_start(l);
  ASSERT_TRUE(c);
  auto exit = wait_exit(*c);
  ASSERT_TRUE(exit);
  EXPECT_EQ(exit->exit_code, 0) << log(l);
  // The volumes at their paths, the host's programs and the container's own files beside them, the log written
  // through the host's folder, and the container is still pid 1 of its namespace.
  EXPECT_EQ(log(l), fmt::format("from the volume\nfrom the volume\nfrom a file volume\n/usr/bin/env\n{}\n1\n1\n",
                                (dir_ / "conf").string()));
  EXPECT_FALSE(fs::exists(top));
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  EXPECT_FALSE(fs::exists(dir_ / "etc"));
}

TEST_F(ContainerProcessTest, OwnHostsFileProcAndPid1) {
  REQUIRE_ROOT();
  std::ofstream(dir_ / "hosts") << "10.244.0.7 kthena-test-pod\n";
  auto l = launch({"sh", "-c", "cat /etc/hosts; echo $$; ls /proc | grep -c '^[0-9]'"});
  l.hosts_file = dir_ / "hosts";
  auto c = must_start(l);
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_exit(*c));
  // sh is pid 1; /proc shows it and the two commands of the pipeline.
  EXPECT_EQ(log(l), "10.244.0.7 kthena-test-pod\n1\n3\n");
  EXPECT_EQ(read_text("/etc/hosts").find("kthena-test-pod"), std::string::npos);
}

TEST_F(ContainerProcessTest, StopSendsSigtermThenSigkillAfterGrace) {
  auto graceful = must_start(launch({"sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0.05; done"}));
  ASSERT_TRUE(graceful);
  // The trap must be installed before the signal comes.
  ASSERT_TRUE(wait_for([&] { return marked_processes(marker_).size() >= 2; }));
  auto start = Clock::now();
  auto s = graceful->stop(5s);
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_EQ(s.reason, "Completed");
  EXPECT_LT(Clock::now() - start, 4s);

  auto stubborn = must_start(launch({"sh", "-c", "trap '' TERM; while :; do sleep 0.05; done"}));
  ASSERT_TRUE(stubborn);
  ASSERT_TRUE(wait_for([&] { return marked_processes(marker_).size() >= 2; }));
  start = Clock::now();
  s = stubborn->stop(300ms);
  auto took = Clock::now() - start;
  EXPECT_EQ(s.signal, SIGKILL);
  EXPECT_EQ(s.exit_code, 137);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 5s);
  EXPECT_TRUE(marked_processes(marker_).empty());
}

// `setsid sleep` leaves the process group and its parent: only the pid namespace (or the cgroup) still holds it.
constexpr const char* kDaemonizing = "(setsid sleep 1000 &); exec sleep 1000";

TEST_F(ContainerProcessTest, DoubleForkedDaemonEndsWithTheContainer) {
  auto c = must_start(launch({"sh", "-c", kDaemonizing}));
  ASSERT_TRUE(c);
  ASSERT_TRUE(wait_for([&] { return marked_processes(marker_).size() >= 2; }));
  c->stop(100ms);
  EXPECT_TRUE(marked_processes(marker_).empty());
}

TEST_F(ContainerProcessTest, NothingSurvivesTheAgentsKill9) {
  REQUIRE_ROOT();  // without a pid namespace the daemon would escape (docs/node.md)
  auto l = launch({"sh", "-c", kDaemonizing});
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    // The "agent": starts the container, says so, and waits to be killed.
    ::close(ready[0]);
    auto c = ContainerProcess::start(l);
    char ok = c ? 1 : 0;
    [[maybe_unused]] auto n = ::write(ready[1], &ok, 1);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  char ok = 0;
  ASSERT_EQ(::read(ready[0], &ok, 1), 1);
  ::close(ready[0]);
  ASSERT_EQ(ok, 1);
  ASSERT_TRUE(wait_for([&] { return marked_processes(marker_).size() >= 2; }));
  ::kill(agent, SIGKILL);
  ::waitpid(agent, nullptr, 0);
  EXPECT_TRUE(wait_for([&] { return marked_processes(marker_).empty(); }, 5s))
      << marked_processes(marker_).size() << " container processes outlived the agent";
  // Its cgroup outlived it, and empties as the last processes finish exiting: what a restarted agent clears.
  int removed = 0;
  EXPECT_TRUE(wait_for([&] { return (removed += ContainerProcess::remove_leftover_cgroups()) >= 1; }));
}

std::optional<fs::path> cgroup_dir(pid_t pid, const std::string& controller) {
  std::ifstream in(fmt::format("/proc/{}/cgroup", pid));
  std::string line;
  while (std::getline(in, line)) {
    auto a = line.find(':');
    auto b = line.find(':', a + 1);
    if (line.substr(a + 1, b - a - 1) == controller)
      return fs::path("/sys/fs/cgroup") / controller / fs::path(line.substr(b + 1)).relative_path();
  }
  return std::nullopt;
}

TEST_F(ContainerProcessTest, CgroupLimitsSetOrReported) {
  auto l = launch({"sleep", "100"});
  l.memory_limit_bytes = 64 << 20;
  l.cpu_limit_millis = 500;
  auto c = must_start(l);
  ASSERT_TRUE(c);
  auto memory = cgroup_dir(c->pid(), "memory");
  if (!is_root() || !memory || !fs::exists(*memory / "memory.limit_in_bytes")) {
    // No v1 memory controller: v2 enforced it, or the pod's events say it was not.
    bool reported = false;
    for (const auto& w : c->warnings()) reported |= w.find("memory limit") != std::string::npos;
    auto v2 = fs::path("/sys/fs/cgroup") / "memory.max";
    EXPECT_TRUE(reported || fs::exists(v2));
    return;
  }
  EXPECT_EQ(read_text(*memory / "memory.limit_in_bytes"), fmt::format("{}\n", 64 << 20));
  auto cpu = cgroup_dir(c->pid(), "cpu");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(read_text(*cpu / "cpu.cfs_quota_us"), "50000\n");
  EXPECT_EQ(read_text(*cpu / "cpu.cfs_period_us"), "100000\n");
  EXPECT_TRUE(c->warnings().empty()) << c->warnings().front();
  c->stop(0ms);
  // Removed once the tree is gone.
  EXPECT_FALSE(fs::exists(*memory));
  EXPECT_FALSE(fs::exists(*cpu));
}

TEST_F(ContainerProcessTest, OomKilledReason) {
  REQUIRE_ROOT();
  auto l = launch({"sh", "-c", "head -c 400000000 /dev/zero | tail -c 300000000 >/dev/null"});
  l.memory_limit_bytes = 32 << 20;
  auto c = must_start(l);
  ASSERT_TRUE(c);
  for (const auto& w : c->warnings())
    if (w.find("memory limit") != std::string::npos) GTEST_SKIP() << w;
  auto s = wait_exit(*c, 60s);
  ASSERT_TRUE(s);
  EXPECT_NE(s->exit_code, 0);
  EXPECT_EQ(s->reason, "OOMKilled");
}

TEST_F(ContainerProcessTest, ExecRunsInsideTheContainer) {
  std::ofstream(dir_ / "hosts") << "10.244.0.9 exec-test-pod\n";
  auto l = launch({"sleep", "100"});
  if (is_root()) l.hosts_file = dir_ / "hosts";
  auto c = must_start(l);
  ASSERT_TRUE(c);
  auto r = c->exec({"sh", "-c", "echo out; echo err >&2; id -u; exit 4"}, 5s);
  ASSERT_TRUE(r.has_value()) << r.error().to_string();
  EXPECT_EQ(r->exit_code, 4);
  EXPECT_EQ(r->output, fmt::format("out\nerr\n{}\n", ::geteuid() == 0 ? 65534 : ::geteuid()));
  if (is_root()) {
    // Its mount and pid namespaces: the pod's hosts file, the container's /proc where pid 1 is the main process.
    r = c->exec({"sh", "-c", "cat /etc/hosts; cat /proc/1/cmdline | tr '\\0' ' '"}, 5s);
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(r->output, "10.244.0.9 exec-test-pod\nsleep 100 ");
  }

  auto missing = c->exec({"kthena-no-such-probe"}, 5s);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().message, "exec: \"kthena-no-such-probe\": executable file not found in $PATH");

  auto start = Clock::now();
  auto slow = c->exec({"sh", "-c", "echo started; sleep 30"}, 300ms);
  ASSERT_FALSE(slow.has_value());
  EXPECT_EQ(slow.error().code, ErrorCode::kTimeout);
  EXPECT_LT(Clock::now() - start, 5s);
  // The timed-out command is gone: only the main process is left.
  EXPECT_TRUE(wait_for([&] { return marked_processes(marker_).size() == 1; }));

  auto big = c->exec({"sh", "-c", "head -c 200000 /dev/zero"}, 5s);
  ASSERT_TRUE(big.has_value());
  EXPECT_EQ(big->output.size(), 64u * 1024);
  EXPECT_EQ(big->exit_code, 0);

  c->stop(0ms);
  EXPECT_FALSE(c->exec({"true"}, 1s).has_value());
}

TEST_F(ContainerProcessTest, DestructorEndsTheTree) {
  {
    auto c = must_start(launch({"sh", "-c", kDaemonizing}));
    ASSERT_TRUE(c);
    ASSERT_TRUE(wait_for([&] { return marked_processes(marker_).size() >= 2; }));
  }
  EXPECT_TRUE(marked_processes(marker_).empty());
}

// The agent without root (a child of the test that gives up root): no namespaces, the process group and the
// subreaper hold the tree, and the warnings say what is lost.
TEST_F(ContainerProcessTest, WithoutRootTheProcessGroupHoldsTheTree) {
  REQUIRE_ROOT();  // to become another, unprivileged, user
  auto l = launch({"sh", "-c", "sleep 1000 & exec sleep 1000"});
  l.uid.reset();
  l.memory_limit_bytes = 64 << 20;
  pid_t agent = ::fork();
  ASSERT_GE(agent, 0);
  if (agent == 0) {
    // Only _exit from here: the child must not run the rest of the test binary.
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(10);
    if (!ContainerProcess::become_subreaper()) ::_exit(11);
    auto c = ContainerProcess::start(l);
    if (!c) ::_exit(12);
    bool warned_limit = false, warned_pidns = false;
    for (const auto& w : (*c)->warnings()) {
      warned_limit |= w.find("memory limit") != std::string::npos;
      warned_pidns |= w.find("no pid namespace") != std::string::npos;
    }
    if (!warned_limit || !warned_pidns) ::_exit(13);
    if (!wait_for([&] { return marked_processes(marker_).size() >= 2; })) ::_exit(14);
    auto s = (*c)->stop(100ms);
    if (s.signal != SIGTERM) ::_exit(15);
    ::_exit(marked_processes(marker_).empty() ? 0 : 16);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(agent, &status, 0), agent);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the unprivileged agent failed at step " << WEXITSTATUS(status);
}

}  // namespace
}  // namespace kthena::node
