#include "node/process/container_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <fstream>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "node/process/cgroup.h"
#include "node/process/container_root.h"
#include "node/process/spawn_plan.h"
#include "node/unique_fd.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kExecOutputLimit = 64 * 1024;
// How long stop() waits for SIGKILLed processes to be gone (one stuck in an uninterruptible sleep can take long).
constexpr milliseconds kKillWait{10000};

int pidfd_open(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

std::string errno_text(int error) {
  return std::strerror(error);
}

// Waits until `pidfd` is readable (its process exited); false at the deadline.
bool wait_readable(int fd, Clock::time_point deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
    struct pollfd pfd {
      fd, POLLIN, 0
    };
    int r = ::poll(&pfd, 1, static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX)));
    if (r > 0) return true;
    if (r == 0 || errno != EINTR) return false;
  }
}

// Only the given child, never waitpid(-1): other children of the agent belong to other owners.
std::optional<int> reap(pid_t pid, bool block) {
  int status = 0;
  for (;;) {
    pid_t r = ::waitpid(pid, &status, block ? 0 : WNOHANG);
    if (r == pid) return status;
    if (r < 0 && errno == EINTR) continue;
    return std::nullopt;
  }
}

ExitStatus to_exit_status(int wstatus, bool oom_killed) {
  ExitStatus s;
  if (WIFEXITED(wstatus)) {
    s.exit_code = WEXITSTATUS(wstatus);
  } else if (WIFSIGNALED(wstatus)) {
    s.signal = WTERMSIG(wstatus);
    s.exit_code = 128 + s.signal;
  }
  s.reason = s.exit_code == 0 ? "Completed" : oom_killed ? "OOMKilled" : "Error";
  return s;
}

struct ProcStat {
  pid_t pid = 0;
  char state = '?';
  pid_t ppid = 0;
  pid_t pgrp = 0;
};

// The processes of process group `pgrp`, from /proc (zombies included).
std::vector<ProcStat> group_members(pid_t pgrp) {
  std::vector<ProcStat> out;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir("/proc"), &::closedir);
  if (!dir) return out;
  while (auto* entry = ::readdir(dir.get())) {
    if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
    std::ifstream in(fmt::format("/proc/{}/stat", entry->d_name));
    std::string text;
    if (!std::getline(in, text)) continue;
    // The command name may hold spaces and parentheses: the fields start after the last ')'.
    auto close = text.rfind(')');
    if (close == std::string::npos) continue;
    ProcStat st;
    st.pid = std::atoi(entry->d_name);
    if (std::sscanf(text.c_str() + close + 1, " %c %d %d", &st.state, &st.ppid, &st.pgrp) != 3) continue;
    if (st.pgrp == pgrp) out.push_back(st);
  }
  return out;
}

int last_cap() {
  std::ifstream in("/proc/sys/kernel/cap_last_cap");
  int cap = 40;
  in >> cap;
  return cap;
}

gid_t primary_gid(uid_t uid) {
  struct passwd pw {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (::getpwuid_r(uid, &pw, buffer.data(), buffer.size(), &found) == 0 && found) return pw.pw_gid;
  return static_cast<gid_t>(uid);  // no passwd entry: a group of the same number, never root's group by accident
}

std::string random_name() {
  std::random_device rd;
  return fmt::format("c{:08x}{:08x}", rd(), rd());
}

std::optional<SpawnFailure> read_failure(int fd) {
  SpawnFailure failure;
  size_t got = 0;
  auto* bytes = reinterpret_cast<char*>(&failure);
  while (got < sizeof failure) {
    ssize_t n = ::read(fd, bytes + got, sizeof failure - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  if (got == sizeof failure) return failure;
  return std::nullopt;
}

ErrorCode code_for(const SpawnFailure& f) {
  if (f.step == SpawnStep::kNotFound || (f.step == SpawnStep::kExec && f.error == ENOENT)) return ErrorCode::kNotFound;
  if (f.error == EACCES || f.error == EPERM) return ErrorCode::kForbidden;
  return ErrorCode::kInternal;
}

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorCode::kIo, "pipe: " + errno_text(errno));
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Who the container's processes run as.
struct Identity {
  std::optional<uid_t> uid;  // nullopt: the agent's own (not root)
  gid_t gid = 0;
  bool drop_privileges = false;
};

struct StartArgs {
  const SpawnPlan* plan;
  int parent_pidfd;
};

int start_child(void* arg) {
  auto* args = static_cast<StartArgs*>(arg);
  run_child(*args->plan, args->parent_pidfd);
}

// exec(): an intermediate process joins the container's namespaces, then forks the command, which is inside the
// pid namespace only as the intermediate's child.
struct ExecArgs {
  const SpawnPlan* plan;
  int agent_pidfd;
  int pid_write;
  std::vector<char>* grandchild_stack;
  int intermediate_pidfd;
};

int exec_grandchild(void* arg) {
  auto* args = static_cast<ExecArgs*>(arg);
  run_child(*args->plan, args->intermediate_pidfd);
}

int exec_intermediate(void* arg) {
  auto* args = static_cast<ExecArgs*>(arg);
  const SpawnPlan& plan = *args->plan;
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail_child(plan, SpawnStep::kDeathSignal, 0, errno);
  if (args->agent_pidfd >= 0) {
    struct pollfd pfd {
      args->agent_pidfd, POLLIN, 0
    };
    if (::poll(&pfd, 1, 0) != 0) ::_exit(137);
  }
  for (size_t i = 0; i < plan.join_ns_fds.size(); ++i)
    if (::setns(plan.join_ns_fds[i], 0) != 0) fail_child(plan, SpawnStep::kJoinNamespace, static_cast<int>(i), errno);
  args->intermediate_pidfd = pidfd_open(::getpid());
  pid_t child = clone_child(&exec_grandchild, args, *args->grandchild_stack, 0);
  if (child < 0) fail_child(plan, SpawnStep::kFork, 0, errno);
  // Our copies would keep the parent from seeing end of file.
  ::close(plan.error_fd);
  ::close(plan.stdout_fd);  // stderr_fd is the same pipe
  [[maybe_unused]] auto n = ::write(args->pid_write, &child, sizeof child);
  ::close(args->pid_write);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  ::_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
}

class HostProcess final : public ContainerProcess {
 public:
  HostProcess(ContainerLaunch launch, Identity id, std::string working_dir, pid_t pid, UniqueFd pidfd,
              UniqueFd agent_pidfd, std::unique_ptr<Cgroup> cgroup, bool pid_namespace,
              std::vector<std::string> warnings)
      : launch_(std::move(launch)),
        id_(id),
        working_dir_(std::move(working_dir)),
        pid_(pid),
        pidfd_(std::move(pidfd)),
        agent_pidfd_(std::move(agent_pidfd)),
        cgroup_(std::move(cgroup)),
        pid_namespace_(pid_namespace),
        warnings_(std::move(warnings)) {}

  ~HostProcess() override {
    if (!finished_) stop(milliseconds(0));
  }

  pid_t pid() const override { return pid_; }

  std::optional<ExitStatus> poll() override {
    if (!status_) {
      if (auto w = reap(pid_, false)) on_exit(*w);
    }
    return status_;
  }

  ExitStatus stop(milliseconds grace) override {
    if (!poll()) {
      // The group reaches the main process and what it started (unless they made sessions of their own). As pid 1
      // of its namespace the main process only gets SIGTERM if it handles it, as under Docker without --init.
      signal_tree(SIGTERM);
      if (!wait_exit(Clock::now() + grace)) signal_tree(SIGKILL);
      while (!wait_exit(Clock::now() + milliseconds(1000))) signal_tree(SIGKILL);
    }
    wait_gone();
    cgroup_.reset();  // removes the folders: nothing is left in them
    finished_ = true;
    return *status_;
  }

  Result<ExecResult> exec(const std::vector<std::string>& argv, milliseconds timeout) override {
    if (poll()) return fail(ErrorCode::kUnavailable, "the container is not running");
    if (argv.empty() || argv[0].empty()) return fail(ErrorCode::kInvalid, "exec: no command");
    SpawnPlan plan(argv, launch_.env);
    plan.uid = id_.uid;
    plan.gid = id_.gid;
    plan.drop_privileges = id_.drop_privileges;
    plan.last_cap = last_cap();
    plan.working_dir = working_dir_;
    std::vector<UniqueFd> namespaces;
    if (pid_namespace_) {
      for (const char* ns : {"net", "pid", "mnt"}) {
        UniqueFd fd(::open(fmt::format("/proc/{}/ns/{}", pid_, ns).c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd)
          return fail(ErrorCode::kUnavailable,
                      fmt::format("exec: the container's {} namespace: {}", ns, errno_text(errno)));
        plan.join_ns_fds.push_back(fd.get());
        namespaces.push_back(std::move(fd));
      }
    }
    if (cgroup_)
      for (const auto& fd : cgroup_->procs_fds()) plan.cgroup_procs_fds.push_back(fd.get());
    UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    plan.stdin_fd = devnull.get();
    auto out = make_pipe();
    auto err = make_pipe();
    auto pids = make_pipe();
    if (!out || !err || !pids) return fail(ErrorCode::kIo, "exec: pipe: " + errno_text(errno));
    plan.stdout_fd = out->write.get();
    plan.stderr_fd = out->write.get();
    plan.error_fd = err->write.get();

    std::vector<char> stack(kStackBytes);
    std::vector<char> grandchild_stack(kStackBytes);
    ExecArgs args{&plan, agent_pidfd_.get(), pids->write.get(), &grandchild_stack, -1};
    pid_t intermediate = clone_child(&exec_intermediate, &args, stack, 0);
    if (intermediate < 0) return fail(ErrorCode::kInternal, "exec: clone: " + errno_text(errno));
    UniqueFd intermediate_fd(pidfd_open(intermediate));
    out->write.reset();
    err->write.reset();
    pids->write.reset();

    if (auto failure = read_failure(err->read.get())) {
      reap(intermediate, true);
      return fail(code_for(*failure), plan.describe(*failure));
    }
    pid_t command = 0;
    if (::read(pids->read.get(), &command, sizeof command) != sizeof command) command = 0;

    ExecResult result;
    const auto deadline = Clock::now() + timeout;
    bool output_open = true;
    std::optional<int> status;
    char buffer[8192];
    while (output_open || !status) {
      struct pollfd fds[2] = {{output_open ? out->read.get() : -1, POLLIN, 0}, {intermediate_fd.get(), POLLIN, 0}};
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      // Once the command has exited, what a background process of it still writes is not waited for.
      int wait_ms = status ? 0 : static_cast<int>(std::clamp<int64_t>(left, 0, INT_MAX));
      int r = ::poll(fds, 2, wait_ms);
      if (r < 0 && errno == EINTR) continue;
      if (r > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = ::read(out->read.get(), buffer, sizeof buffer);
        if (n > 0) {
          // Past the limit the pipe is still drained, so that the command never blocks on a full pipe.
          size_t keep = std::min(static_cast<size_t>(n), kExecOutputLimit - result.output.size());
          result.output.append(buffer, keep);
        } else if (n == 0 || errno != EINTR) {
          output_open = false;
        }
      }
      if (!status && (r > 0 && (fds[1].revents & POLLIN))) status = reap(intermediate, true);
      if (status && r == 0) break;
      if (!status && Clock::now() >= deadline) {
        if (command > 0) ::kill(-command, SIGKILL);
        ::kill(intermediate, SIGKILL);
        reap(intermediate, true);
        return fail(ErrorCode::kTimeout, fmt::format("exec: \"{}\" timed out after {} ms", argv[0], timeout.count()));
      }
    }
    result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : 128 + WTERMSIG(*status);
    return result;
  }

  std::vector<std::string> warnings() const override { return warnings_; }

 private:
  void on_exit(int wstatus) {
    status_ = to_exit_status(wstatus, cgroup_ && cgroup_->oom_killed());
    // The container is its main process: what it leaves behind goes with it (in a pid namespace the kernel has
    // already done this).
    kill_rest();
  }

  void kill_rest() {
    if (cgroup_) cgroup_->kill_all();
    if (!pid_namespace_) ::kill(-pid_, SIGKILL);
  }

  void signal_tree(int sig) {
    ::kill(-pid_, sig);
    ::kill(pid_, sig);
    if (sig == SIGKILL && cgroup_) cgroup_->kill_all();
  }

  bool wait_exit(Clock::time_point deadline) {
    for (;;) {
      if (poll()) return true;
      if (Clock::now() >= deadline) return false;
      if (pidfd_) {
        wait_readable(pidfd_.get(), deadline);
      } else {
        std::this_thread::sleep_for(milliseconds(5));
      }
    }
  }

  // Until nothing of the tree runs: the cgroup is empty and the process group has no member. Members the agent
  // adopted as a subreaper are reaped here, by pid.
  void wait_gone() {
    const auto deadline = Clock::now() + kKillWait;
    const pid_t self = ::getpid();
    for (;;) {
      bool alive = cgroup_ && !cgroup_->empty();
      if (!pid_namespace_) {
        for (const auto& member : group_members(pid_)) {
          if (member.ppid == self && member.state == 'Z') {
            reap(member.pid, false);
          } else {
            alive = true;
          }
        }
      }
      if (!alive || Clock::now() >= deadline) return;
      kill_rest();
      std::this_thread::sleep_for(milliseconds(2));
    }
  }

  const ContainerLaunch launch_;
  const Identity id_;
  const std::string working_dir_;
  const pid_t pid_;
  UniqueFd pidfd_;        // readable when the main process exits
  UniqueFd agent_pidfd_;  // ours, for exec()'s children to check the parent-death race
  std::unique_ptr<Cgroup> cgroup_;
  const bool pid_namespace_;
  const std::vector<std::string> warnings_;
  std::optional<ExitStatus> status_;
  bool finished_ = false;
};

Result<Identity> resolve_identity(const ContainerLaunch& l, bool root) {
  Identity id;
  if (root) {
    uid_t uid = l.uid.value_or(0);
    if (uid == 0 && !l.allow_root) {
      return fail(ErrorCode::kForbidden, l.uid ? "running as root (runAsUser 0) is not allowed on this node"
                                               : "no user to run as: the agent runs as root and a container may not "
                                                 "(set runAsUser, or the node config's default user)");
    }
    id.uid = uid;
    id.gid = l.gid.value_or(primary_gid(uid));
    id.drop_privileges = uid != 0;
    return id;
  }
  if ((l.uid && *l.uid != ::getuid()) || (l.gid && *l.gid != ::getgid())) {
    return fail(ErrorCode::kForbidden,
                fmt::format("cannot run as uid {} gid {}: the agent is not root (it runs as uid {})",
                            l.uid ? std::to_string(*l.uid) : "-", l.gid ? std::to_string(*l.gid) : "-", ::getuid()));
  }
  return id;
}

// Checks the mounts against the host. A mountPath the host lacks is not made on the host (that would change it for
// every process, as root, racing with other containers that use the same path): it is returned, for a container
// root of its own (container_root.h). One the host has must be of the volume's kind.
Result<std::vector<MissingMountPoint>> check_mounts(const ContainerLaunch& l) {
  std::vector<MissingMountPoint> missing;
  for (const auto& m : l.mounts) {
    std::error_code ec;
    auto source = fs::status(m.source, ec);
    if (!fs::exists(source))
      return fail(ErrorCode::kInvalid, fmt::format("volume source {} does not exist", m.source.string()));
    if (m.target.empty() || m.target[0] != '/')
      return fail(ErrorCode::kInvalid, fmt::format("mountPath \"{}\" is not absolute", m.target));
    auto target = fs::status(m.target, ec);
    if (!fs::exists(target)) {
      missing.push_back({m.target, fs::is_directory(source)});
      continue;
    }
    if (fs::is_directory(source) != fs::is_directory(target))
      return fail(ErrorCode::kInvalid, fmt::format("mountPath \"{}\": the volume is a {} but the node has a {} there",
                                                   m.target, fs::is_directory(source) ? "folder" : "file",
                                                   fs::is_directory(target) ? "folder" : "file"));
  }
  if (!l.hosts_file.empty() && !fs::exists(l.hosts_file))
    return fail(ErrorCode::kInvalid, fmt::format("hosts file {} does not exist", l.hosts_file.string()));
  return missing;
}

}  // namespace

Result<void> ContainerProcess::become_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0)
    return fail(ErrorCode::kInternal, "PR_SET_CHILD_SUBREAPER: " + errno_text(errno));
  return {};
}

int ContainerProcess::remove_leftover_cgroups() {
  return Cgroup::remove_leftovers();
}

Result<std::unique_ptr<ContainerProcess>> ContainerProcess::start(const ContainerLaunch& l) {
  if (l.argv.empty() || l.argv[0].empty()) return fail(ErrorCode::kInvalid, "no command");
  const bool root = ::geteuid() == 0;
  auto id = resolve_identity(l, root);
  if (!id) return fail(id.error());
  std::vector<std::string> warnings;

  std::vector<MissingMountPoint> missing;
  if (root) {
    auto checked = check_mounts(l);
    if (!checked) return fail(checked.error());
    missing = std::move(*checked);
  } else {
    for (const auto& m : l.mounts)
      if (fs::path(m.target) != m.source)
        warnings.push_back(
            fmt::format("volume not mounted at {}: the agent is not root (no mount namespace); the "
                        "container finds it at {}",
                        m.target, m.source.string()));
    if (!l.hosts_file.empty())
      warnings.push_back("/etc/hosts is the host's: the agent is not root (no mount namespace)");
    if (!l.netns_path.empty())
      warnings.push_back("the container shares the host's network: the agent is not root (no network namespace)");
    warnings.push_back(
        "no pid namespace (the agent is not root): a process that leaves the container's process group can "
        "outlive the agent");
  }

  // Read and write: it stands for stdin, and for stdout and stderr when no descriptor is given.
  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  UniqueFd netns;
  if (root && !l.netns_path.empty()) {
    netns.reset(::open(l.netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns) return fail(ErrorCode::kIo, fmt::format("network namespace {}: {}", l.netns_path, errno_text(errno)));
  }
  std::string working_dir = l.working_dir.empty() ? std::string("/") : l.working_dir;
  SpawnPlan plan(l.argv, l.env);
  if (root) {
    plan.setup_mounts = true;
    for (const auto& m : l.mounts) plan.mounts.push_back({m.source.string(), m.target, m.read_only});
    plan.hosts_file = l.hosts_file.string();
    plan.mount_proc = true;
    if (!missing.empty()) {
      // The stage only needs to exist on the host: the tmpfs covers it inside the container's mount namespace.
      fs::path stage =
          (l.state_dir.empty() ? fs::temp_directory_path() / "kthena-container-roots" : l.state_dir) / ".root";
      std::error_code ec;
      fs::create_directories(stage, ec);
      auto steps = plan_container_root(missing, stage.string());
      if (!steps) return fail(steps.error());
      plan.root_stage = stage.string();
      plan.root_steps = std::move(*steps);
    }
  }
  plan.netns_fd = netns.get();
  plan.unprivileged_ports = netns.get() >= 0;
  plan.uid = id->uid;
  plan.gid = id->gid;
  plan.drop_privileges = id->drop_privileges;
  plan.last_cap = last_cap();
  plan.working_dir = working_dir;
  plan.stdin_fd = devnull.get();
  plan.stdout_fd = l.stdout_fd >= 0 ? l.stdout_fd : devnull.get();
  plan.stderr_fd = l.stderr_fd >= 0 ? l.stderr_fd : devnull.get();

  UniqueFd agent_pidfd(pidfd_open(::getpid()));
  std::vector<char> stack(kStackBytes);
  StartArgs args{&plan, agent_pidfd.get()};
  std::unique_ptr<Cgroup> cgroup;
  pid_t pid = -1;
  // Another agent on this machine, starting, removes the empty container cgroups under the parent it shares with
  // this one (remove_leftovers()); a cgroup made here is empty until the child joins it, and joining a removed one
  // fails with ENODEV. Rare and harmless to retry with a new cgroup.
  for (int attempt = 1;; ++attempt) {
    std::vector<std::string> cgroup_warnings;
    cgroup.reset();  // a failed attempt's folders go before the new ones take the name
    cgroup = Cgroup::create(l.name.empty() ? random_name() : l.name, l.cpu_limit_millis, l.memory_limit_bytes,
                            cgroup_warnings);
    plan.cgroup_procs_fds.clear();
    if (cgroup)
      for (const auto& fd : cgroup->procs_fds()) plan.cgroup_procs_fds.push_back(fd.get());
    auto errors = make_pipe();
    if (!errors) return fail(errors.error());
    plan.error_fd = errors->write.get();
    // As pid 1 of a namespace of its own, the main process takes every descendant with it when it ends: the kernel
    // kills the namespace, so even a daemon that double-forked and left the process group cannot stay.
    pid = clone_child(&start_child, &args, stack, root ? CLONE_NEWPID | CLONE_NEWNS : 0);
    if (pid < 0) return fail(ErrorCode::kInternal, "clone: " + errno_text(errno));
    errors->write.reset();
    auto failure = read_failure(errors->read.get());
    if (!failure) {
      warnings.insert(warnings.end(), cgroup_warnings.begin(), cgroup_warnings.end());
      break;
    }
    reap(pid, true);
    if (failure->step != SpawnStep::kCgroup || failure->error != ENODEV || attempt == 3)
      return fail(code_for(*failure), plan.describe(*failure));
  }
  UniqueFd pidfd(pidfd_open(pid));
  return std::make_unique<HostProcess>(l, *id, working_dir, pid, std::move(pidfd), std::move(agent_pidfd),
                                       std::move(cgroup), root, std::move(warnings));
}

}  // namespace kthena::node
