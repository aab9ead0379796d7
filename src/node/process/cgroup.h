// The cgroup of one container: its cpu and memory limits, and a handle on every process of its tree (to kill them
// all at once and to know when they are gone). Made under the agent's own cgroup, in `kthena/<name>`, in every
// hierarchy that serves: the unified (v2) one for tracking and cgroup.kill, and for limits when it has the
// controllers; the v1 cpu and memory hierarchies for the limits v2 cannot take; the v1 freezer for a whole-tree kill
// when there is no cgroup.kill. What cannot be had is reported as a warning, never an error: a container without
// limits still runs, and the pod's events say so.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "node/unique_fd.h"

namespace kthena::node {

class Cgroup {
 public:
  // `name` must be unique among the agent's live containers. Returns null when no hierarchy could be used at all
  // (not root, or no cgroup file system), with the reason in `warnings`.
  static std::unique_ptr<Cgroup> create(const std::string& name, int64_t cpu_millis, int64_t memory_bytes,
                                        std::vector<std::string>& warnings);
  // Removes the empty `kthena/*` folders of every hierarchy (left by an agent that died); returns how many.
  static int remove_leftovers();
  // Removes the folders; the caller ends the tree first (kill_all() and wait for empty()).
  ~Cgroup();
  struct Token {};  // only create() makes one; public so that make_unique can call the constructor
  explicit Cgroup(Token) {}
  Cgroup(const Cgroup&) = delete;
  Cgroup& operator=(const Cgroup&) = delete;

  // Each hierarchy's cgroup.procs, opened for writing (close-on-exec): a new child writes "0" into every one before
  // exec, so it is accounted and limited from its first instruction and everything it forks follows it.
  const std::vector<UniqueFd>& procs_fds() const { return procs_fds_; }
  // SIGKILL to every member, atomically where the host allows (v2 cgroup.kill, or freeze, kill, thaw in the v1
  // freezer), so a forking process cannot slip out between reading the member list and killing it.
  void kill_all() const;
  // True when no process of the tree is left (exited processes leave the cgroup as they exit, before being reaped).
  bool empty() const;
  // The memory controller recorded an OOM kill in this cgroup.
  bool oom_killed() const;
  // The folders, for tests and for the pod's events ("limits: /sys/fs/cgroup/memory/...").
  const std::vector<std::filesystem::path>& dirs() const { return dirs_; }
  const std::filesystem::path& memory_dir() const { return memory_dir_; }
  const std::filesystem::path& cpu_dir() const { return cpu_dir_; }

 private:
  std::vector<std::filesystem::path> dirs_;  // created by us, removed in reverse order
  std::vector<UniqueFd> procs_fds_;
  std::filesystem::path kill_file_;  // v2 cgroup.kill, or empty
  std::filesystem::path freezer_dir_;
  std::filesystem::path memory_dir_;
  std::filesystem::path cpu_dir_;
  bool memory_v2_ = false;
};

}  // namespace kthena::node
