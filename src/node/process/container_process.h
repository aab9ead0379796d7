// A container as a process tree on this machine: its command with the pod's environment, in the pod's network
// namespace, with its volumes bind-mounted at their mountPaths and the pod's hosts file at /etc/hosts in a mount
// namespace of its own, as the pod's user, its output written to the descriptors it is given (the agent's log
// pipes), its cpu and memory limits enforced by
// a cgroup where the host allows it. The whole tree ends when the container is stopped, and also when the agent dies
// (however it dies): no container process ever outlives its agent.
//
// How, and what is lost without root: docs/node.md, "Containers as processes".
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace kthena::node {

struct Mount {
  std::filesystem::path source;  // a folder or file on the host
  std::string target;            // the container's path
  bool read_only = false;
};

struct ContainerLaunch {
  std::vector<std::string> argv;  // argv[0] is looked up in the container environment's PATH
  std::vector<std::pair<std::string, std::string>> env;
  std::string working_dir;  // "" : "/"
  std::vector<Mount> mounts;
  std::filesystem::path hosts_file;  // bind-mounted over /etc/hosts when mount namespaces are available
  std::string netns_path;            // join this network namespace; "" : the host's
  std::optional<uid_t> uid;
  std::optional<gid_t> gid;
  // Become the container's stdout and stderr (borrowed: start() duplicates them into the child); -1: /dev/null.
  int stdout_fd = -1;
  int stderr_fd = -1;
  // A folder of the agent's for this container: where the root of a container whose mountPaths the host lacks is
  // staged (container_root.h). "" : a folder under the system's temporary directory.
  std::filesystem::path state_dir;
  int64_t cpu_limit_millis = 0;    // 0: none
  int64_t memory_limit_bytes = 0;  // 0: none
  // The cgroup folder's name, unique among the agent's live containers ("<pod uid>_<container>"); "" : a random one.
  std::string name;
  // Root inside the container. When the agent is root, start() refuses to run a container as uid 0 (asked for, or
  // by leaving uid unset) unless this is set: the pod asked for it and the node config allows it.
  bool allow_root = false;
};

struct ExitStatus {
  int exit_code = 0;   // 128 + signal when killed by a signal, as a container runtime reports it
  int signal = 0;      // the signal that ended it, or 0
  std::string reason;  // "Completed" (0), "Error", "OOMKilled"
};

// Thread contract: start() from a thread that lives as long as the agent (the kernel's parent-death signal follows
// the thread that forked, not the process); each ContainerProcess from one thread at a time. The agent must reap
// only its own children by pid (never waitpid(-1)), or it steals the exit status poll() waits for.
class ContainerProcess {
 public:
  // Starts the container. Errors name what failed (the command not found, a mount, the namespace) for the
  // container's status (reason StartError / ContainerCannotRun): kNotFound for a command not found (with the
  // message a container runtime gives: exec: "foo": executable file not found in $PATH), kInvalid for a mount
  // that cannot be made (a volume that is a file where the host has a folder), kForbidden for a user the agent may
  // not or cannot run as. A mountPath the host lacks gives the container a root of its own in which it exists
  // (container_root.h); the host is not changed.
  static Result<std::unique_ptr<ContainerProcess>> start(const ContainerLaunch& launch);
  // Makes the agent a child subreaper (PR_SET_CHILD_SUBREAPER): without root there is no pid namespace, and a
  // container's orphans then come back to the agent, still in the container's process group, instead of going to
  // init, so stop() can wait for them and reap them. Process-wide: called once at agent start.
  static Result<void> become_subreaper();
  // Removes the empty container cgroups an agent that died left behind (a live container's cgroup is never empty,
  // and the kernel refuses to remove it). Called at agent start, before any start(): a cgroup made by a concurrent
  // start() is empty until its child joins it. Returns how many went.
  static int remove_leftover_cgroups();
  virtual ~ContainerProcess() = default;  // ends the tree (SIGKILL) if still running

  virtual pid_t pid() const = 0;
  // Non-blocking: the exit status once the container's main process ended.
  virtual std::optional<ExitStatus> poll() = 0;
  // SIGTERM to the whole tree, SIGKILL to what remains after `grace`; returns when nothing of it runs.
  virtual ExitStatus stop(std::chrono::milliseconds grace) = 0;
  // Runs `argv` inside the container (its namespaces, user, environment), for exec probes and lifecycle hooks.
  // Output is captured (up to 64 KiB); the command is killed after `timeout` (an error of kind kTimeout).
  struct ExecResult {
    int exit_code = 0;
    std::string output;
  };
  virtual Result<ExecResult> exec(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) = 0;
  // What this host could not enforce for this container (no cgroup controller, no mount namespace): said in the
  // pod's events.
  virtual std::vector<std::string> warnings() const = 0;
};

}  // namespace kthena::node
