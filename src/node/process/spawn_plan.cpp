#include "node/process/spawn_plan.h"

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/close_range.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace kthena::node {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

[[noreturn]] void fail(const SpawnPlan& plan, SpawnStep step, int index, int error) {
  fail_child(plan, step, index, error);
}

// Replays the container root's steps in a tmpfs at the stage, then makes it the root: pivot_root(".", ".") stacks
// the old root on the new one and the detach removes it (the idiom pivot_root(2) gives).
void build_root(const SpawnPlan& p) {
  const char* stage = p.root_stage.c_str();
  if (::mount("tmpfs", stage, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0)
    fail(p, SpawnStep::kRootTmpfs, 0, errno);
  for (size_t i = 0; i < p.root_steps.size(); ++i) {
    const RootStep& step = p.root_steps[i];
    const char* path = step.path.c_str();
    int r = 0;
    switch (step.kind) {
      case RootStep::Kind::kFolder:
        r = ::mkdir(path, 0755);
        if (r != 0 && errno == EEXIST) r = 0;
        break;
      case RootStep::Kind::kFile: {
        int fd = ::open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        r = fd < 0 ? -1 : ::close(fd);
        break;
      }
      case RootStep::Kind::kSymlink:
        r = ::symlink(step.source.c_str(), path);
        break;
      case RootStep::Kind::kBind:
        r = ::mount(step.source.c_str(), path, nullptr, MS_BIND | MS_REC, nullptr);
        if (r != 0 && errno == ENOENT) r = 0;  // the host's entry went away since the plan was made
        break;
    }
    if (r != 0) fail(p, SpawnStep::kRootStep, static_cast<int>(i), errno);
  }
  if (::chdir(stage) != 0 || ::syscall(SYS_pivot_root, ".", ".") != 0 || ::umount2(".", MNT_DETACH) != 0 ||
      ::chdir("/") != 0)
    fail(p, SpawnStep::kPivotRoot, 0, errno);
  // The recursive bind of the stage's ancestor took a copy of the stage itself: the host's folder shows again.
  ::umount2(stage, MNT_DETACH);
}

}  // namespace

void fail_child(const SpawnPlan& plan, SpawnStep step, int index, int error) {
  SpawnFailure failure{step, index, error};
  // Nothing useful to do if the parent has gone; the exit code is only for a parent that never reads the pipe.
  [[maybe_unused]] auto n = ::write(plan.error_fd, &failure, sizeof failure);
  ::_exit(127);
}

SpawnPlan::SpawnPlan(std::vector<std::string> in_args, std::vector<std::pair<std::string, std::string>> in_env)
    : args(std::move(in_args)) {
  std::string path;
  bool has_path = false;
  for (auto& [name, value] : in_env) {
    if (name == "PATH") {
      has_path = true;
      path = value;
    }
    env.push_back(name + "=" + value);
  }
  if (!has_path) {
    path = kDefaultPath;
    env.push_back(std::string("PATH=") + kDefaultPath);
  }
  const std::string& name = args.empty() ? std::string() : args[0];
  if (name.find('/') != std::string::npos) {
    candidates.push_back(name);
  } else if (!name.empty()) {
    path_lookup = true;
    size_t start = 0;
    while (start <= path.size()) {
      size_t end = path.find(':', start);
      if (end == std::string::npos) end = path.size();
      std::string dir = path.substr(start, end - start);
      candidates.push_back((dir.empty() ? std::string(".") : dir) + "/" + name);  // an empty entry is "."
      start = end + 1;
    }
  }
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
}

std::string SpawnPlan::describe(const SpawnFailure& f) const {
  auto err = [&] { return std::string(std::strerror(f.error)); };
  auto mount_at = [&](int32_t i) -> std::string {
    if (i < 0 || static_cast<size_t>(i) >= mounts.size()) return "?";
    return fmt::format("\"{}\" at \"{}\"", mounts[i].source, mounts[i].target);
  };
  const std::string name = args.empty() ? std::string() : args[0];
  switch (f.step) {
    case SpawnStep::kNotFound:
      return fmt::format("exec: \"{}\": executable file not found in $PATH", name);
    case SpawnStep::kExec: {
      std::string tried = f.index >= 0 && static_cast<size_t>(f.index) < candidates.size() ? candidates[f.index] : name;
      if (f.error == ENOENT) return fmt::format("exec: \"{}\": stat {}: no such file or directory", name, tried);
      return fmt::format("exec: \"{}\": {}: {}", name, tried, err());
    }
    case SpawnStep::kSetsid:
      return "setsid: " + err();
    case SpawnStep::kNetns:
      return "joining the pod's network namespace: " + err();
    case SpawnStep::kJoinNamespace:
      return fmt::format("joining the container's namespace #{}: {}", f.index, err());
    case SpawnStep::kPorts:
      return "net.ipv4.ip_unprivileged_port_start=0 in the pod's network namespace: " + err();
    case SpawnStep::kMountPrivate:
      return "making the mount namespace private: " + err();
    case SpawnStep::kRootTmpfs:
      return fmt::format("mount a tmpfs at \"{}\" for the container's root: {}", root_stage, err());
    case SpawnStep::kRootStep: {
      if (f.index < 0 || static_cast<size_t>(f.index) >= root_steps.size())
        return "building the container's root: " + err();
      const RootStep& step = root_steps[f.index];
      std::string path = step.path.substr(std::min(step.path.size(), root_stage.size()));
      return fmt::format("building the container's root (mount points this node lacks): {} \"{}\": {}",
                         step.kind == RootStep::Kind::kBind ? "bind-mount" : "create", path, err());
    }
    case SpawnStep::kPivotRoot:
      return "pivot_root into the container's root (mount points this node lacks): " + err();
    case SpawnStep::kBindMount:
      return fmt::format("mount {}: {}", mount_at(f.index), err());
    case SpawnStep::kReadOnly:
      return fmt::format("remount {} read-only: {}", mount_at(f.index), err());
    case SpawnStep::kHosts:
      return fmt::format("mount \"{}\" at \"/etc/hosts\": {}", hosts_file, err());
    case SpawnStep::kProc:
      return "mount /proc: " + err();
    case SpawnStep::kCgroup:
      return "joining the container's cgroup: " + err();
    case SpawnStep::kCapabilities:
      return "dropping capabilities: " + err();
    case SpawnStep::kSetgroups:
      return fmt::format("setgroups [{}]: {}", gid, err());
    case SpawnStep::kSetgid:
      return fmt::format("setgid {}: {}", gid, err());
    case SpawnStep::kSetuid:
      return fmt::format("setuid {}: {}", uid.value_or(0), err());
    case SpawnStep::kDeathSignal:
      return "setting the parent-death signal: " + err();
    case SpawnStep::kChdir:
      return fmt::format("chdir \"{}\": {}", working_dir, err());
    case SpawnStep::kStdio:
      return "redirecting output to the log: " + err();
    case SpawnStep::kFork:
      return "fork inside the container: " + err();
  }
  return "starting the container: " + err();
}

// Only async-signal-safe calls from here to exec, and raw system calls for the ids: glibc's setuid() and
// setgroups() coordinate every thread of the process through signals, and the threads the parent had do not
// exist here (clone(2) skips glibc's fork bookkeeping).
void run_child(const SpawnPlan& p, int parent_pidfd) {
  // The agent's mask and ignored signals (SIGPIPE) would be inherited through exec; a container starts clean.
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) sigaction(s, &dfl, nullptr);  // SIGKILL, SIGSTOP, glibc's own: EINVAL, fine

  if (::setsid() < 0) fail(p, SpawnStep::kSetsid, 0, errno);
  if (p.netns_fd >= 0 && ::setns(p.netns_fd, CLONE_NEWNET) != 0) fail(p, SpawnStep::kNetns, 0, errno);
  if (p.netns_fd >= 0 && p.unprivileged_ports) {
    // /proc/sys/net is the namespace of whoever opens it: this one's, after the setns.
    // A kernel before 4.11 has no such setting: ports below 1024 stay root's there.
    int fd = ::open("/proc/sys/net/ipv4/ip_unprivileged_port_start", O_WRONLY | O_CLOEXEC);
    if (fd < 0 && errno != ENOENT) fail(p, SpawnStep::kPorts, 0, errno);
    if (fd >= 0 && ::write(fd, "0", 1) != 1) fail(p, SpawnStep::kPorts, 0, errno);
    if (fd >= 0) ::close(fd);
  }

  if (p.setup_mounts) {
    // Private first: our bind mounts must not propagate back to the host's mount namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) fail(p, SpawnStep::kMountPrivate, 0, errno);
    if (!p.root_stage.empty()) build_root(p);
    for (size_t i = 0; i < p.mounts.size(); ++i) {
      const auto& m = p.mounts[i];
      if (::mount(m.source.c_str(), m.target.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0)
        fail(p, SpawnStep::kBindMount, static_cast<int>(i), errno);
      // MS_RDONLY on the first bind is ignored by the kernel: read-only takes a remount of the new mount.
      if (m.read_only && ::mount(nullptr, m.target.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr) != 0)
        fail(p, SpawnStep::kReadOnly, static_cast<int>(i), errno);
    }
    if (!p.hosts_file.empty() && ::mount(p.hosts_file.c_str(), "/etc/hosts", nullptr, MS_BIND, nullptr) != 0)
      fail(p, SpawnStep::kHosts, 0, errno);
    // The host's /proc would show every host process and make `kill 1` mean the host's init.
    if (p.mount_proc && ::mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
      fail(p, SpawnStep::kProc, 0, errno);
  }

  for (int fd : p.cgroup_procs_fds)
    if (::write(fd, "0", 1) != 1) fail(p, SpawnStep::kCgroup, 0, errno);

  if (p.uid) {
    if (p.drop_privileges) {
      // Leaving root clears the effective and permitted sets; the bounding set and no_new_privs keep a setuid
      // binary (su, sudo, ping) from handing them back.
      for (int cap = 0; cap <= p.last_cap; ++cap)
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL)
          fail(p, SpawnStep::kCapabilities, cap, errno);
      if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail(p, SpawnStep::kCapabilities, -1, errno);
    }
    gid_t groups[1] = {p.gid};
    if (::syscall(SYS_setgroups, 1, groups) != 0) fail(p, SpawnStep::kSetgroups, 0, errno);
    if (::syscall(SYS_setresgid, p.gid, p.gid, p.gid) != 0) fail(p, SpawnStep::kSetgid, 0, errno);
    if (::syscall(SYS_setresuid, *p.uid, *p.uid, *p.uid) != 0) fail(p, SpawnStep::kSetuid, 0, errno);
  }

  // After the id change: changing credentials clears the parent-death signal.
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) fail(p, SpawnStep::kDeathSignal, 0, errno);
  if (parent_pidfd >= 0) {
    struct pollfd pfd {
      parent_pidfd, POLLIN, 0
    };
    if (::poll(&pfd, 1, 0) != 0) ::_exit(137);  // the parent is gone (or polling broke): never run unwatched
  }

  if (!p.working_dir.empty() && ::chdir(p.working_dir.c_str()) != 0) fail(p, SpawnStep::kChdir, 0, errno);

  int targets[3] = {p.stdin_fd, p.stdout_fd, p.stderr_fd};
  for (int fd = 0; fd < 3; ++fd) {
    if (targets[fd] < 0) continue;
    // dup2 onto itself keeps close-on-exec, which would close the stream at exec.
    if (targets[fd] == fd ? ::fcntl(fd, F_SETFD, 0) != 0 : ::dup2(targets[fd], fd) < 0)
      fail(p, SpawnStep::kStdio, fd, errno);
  }
  // Descriptors another agent thread opened without O_CLOEXEC must not reach the container.
  ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);

  int error = ENOENT;
  int index = 0;
  bool denied = false;
  for (size_t i = 0; i < p.candidates.size(); ++i) {
    ::execve(p.candidates[i].c_str(), p.argv.data(), p.envp.data());
    if (errno == EACCES) {
      if (!denied) index = static_cast<int>(i);
      denied = true;
      error = EACCES;
    } else if (errno != ENOENT && errno != ENOTDIR) {
      fail(p, SpawnStep::kExec, static_cast<int>(i), errno);
    }
  }
  if (p.path_lookup && !denied) fail(p, SpawnStep::kNotFound, 0, ENOENT);
  fail(p, SpawnStep::kExec, index, error);
}

pid_t clone_child(int (*fn)(void*), void* arg, std::vector<char>& stack, int flags) {
  // The stack grows down on every architecture the agent runs on; keep its top 16-byte aligned.
  auto top = reinterpret_cast<uintptr_t>(stack.data() + stack.size()) & ~uintptr_t{15};
  return ::clone(fn, reinterpret_cast<void*>(top), flags | SIGCHLD, arg);
}

}  // namespace kthena::node
