// What a new container process does between fork and exec, prepared in full beforehand. The agent is
// multi-threaded, so the child of a fork may only make async-signal-safe calls (another thread may have held the
// allocator's lock at the fork): every string, array and file descriptor the child needs is made here first, and
// run_child() only reads them and makes raw system calls.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "node/process/container_root.h"

namespace kthena::node {

// The step of run_child() that failed, sent back to the parent through a close-on-exec pipe (end of file on that
// pipe means exec succeeded).
enum class SpawnStep : int32_t {
  kSetsid,
  kNetns,
  kPorts,
  kJoinNamespace,
  kMountPrivate,
  kRootTmpfs,
  kRootStep,
  kPivotRoot,
  kBindMount,
  kReadOnly,
  kHosts,
  kProc,
  kCgroup,
  kCapabilities,
  kSetgroups,
  kSetgid,
  kSetuid,
  kDeathSignal,
  kChdir,
  kStdio,
  kExec,
  kNotFound,
  kFork,
};

struct SpawnFailure {
  SpawnStep step = SpawnStep::kExec;
  int32_t index = 0;  // which mount, namespace or exec candidate
  int32_t error = 0;  // errno
};

struct SpawnPlan {
  struct BindMount {
    std::string source;
    std::string target;
    bool read_only = false;
  };

  // Builds argv, envp and the exec candidates: argv[0] itself when it holds a '/', else each folder of the
  // environment's PATH (the container's, a default one when it has none) joined with it. A default PATH is added
  // to the environment when it has none, as container runtimes do.
  SpawnPlan(std::vector<std::string> args, std::vector<std::pair<std::string, std::string>> env);
  SpawnPlan(const SpawnPlan&) = delete;  // argv_ and envp_ point into the strings
  SpawnPlan& operator=(const SpawnPlan&) = delete;

  // For the parent's error message.
  std::string describe(const SpawnFailure& failure) const;

  std::vector<std::string> args;
  std::vector<std::string> env;  // "NAME=value"
  std::vector<std::string> candidates;
  bool path_lookup = false;  // candidates come from PATH
  std::vector<char*> argv;   // null-terminated views of args
  std::vector<char*> envp;

  // Mount namespace set-up (the child is in a new one): private propagation, bind mounts, hosts, a fresh /proc.
  bool setup_mounts = false;
  // A root of its own for mount points the host lacks (container_root.h): a tmpfs at root_stage, built by
  // root_steps, then pivot_root into it. Empty: the host's root.
  std::string root_stage;
  std::vector<RootStep> root_steps;
  std::vector<BindMount> mounts;
  std::string hosts_file;
  bool mount_proc = false;

  int netns_fd = -1;  // setns to this network namespace, or -1
  // In the pod's own network namespace, ports below 1024 are anyone's (net.ipv4.ip_unprivileged_port_start=0, as
  // Docker sets it for a container): nginx's port 80 works as the unprivileged user the container runs as.
  // Never set for the host's namespace.
  bool unprivileged_ports = false;
  std::vector<int> join_ns_fds;       // exec into a running container: its net, pid and mnt namespaces, joined by
                                      // the intermediate process (a pid namespace only takes the next fork)
  std::vector<int> cgroup_procs_fds;  // "0" is written to each: the child joins the cgroups
  std::optional<uid_t> uid;           // set with gid; nullopt: keep the agent's ids
  gid_t gid = 0;
  bool drop_privileges = false;  // empty the capability bounding set and set no_new_privs (a non-root user)
  int last_cap = 40;             // /proc/sys/kernel/cap_last_cap
  std::string working_dir;       // "" : stay
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int error_fd = -1;  // the write end of the failure pipe
};

// The child: never returns. `parent_pidfd` (or -1) is a pidfd of the process that must be alive: checked after
// the parent-death signal is set, which closes the race where the parent dies before the signal is armed.
[[noreturn]] void run_child(const SpawnPlan& plan, int parent_pidfd);
// Reports a failure through plan.error_fd and exits (127); for the steps done outside run_child.
[[noreturn]] void fail_child(const SpawnPlan& plan, SpawnStep step, int index, int error);

// Like fork() but through clone(2) with `flags` (CLONE_NEWPID, CLONE_NEWNS), running `fn(arg)` in the child on
// `stack`. Returns the child's pid or -1 (errno set).
pid_t clone_child(int (*fn)(void*), void* arg, std::vector<char>& stack, int flags);

}  // namespace kthena::node
