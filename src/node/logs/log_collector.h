// The agent's side of every container's stdout and stderr: each container instance writes into two pipes, and one
// thread of the agent reads them all (epoll) into the instance's log file as CRI records stamped with the time they
// were read (log_file.h). This is what containerd's shim does for a kubelet; here it gives `kubectl logs` a time per
// line and the stream of each, and lets the writer rotate by renaming.
//
// Container processes die with the agent (docs/node.md), so a new agent never needs the pipes of an old one.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "common/result.h"
#include "node/logs/log_file.h"
#include "node/unique_fd.h"

namespace kthena::node {

// The container's ends of its output pipes (close-on-exec in the agent; the spawn makes them fds 1 and 2).
struct ContainerOutput {
  UniqueFd stdout_fd, stderr_fd;
};

// Thread contract: every method from any thread.
class LogCollector {
 public:
  static Result<std::unique_ptr<LogCollector>> start(LogFileOptions options = {});
  // Stops the thread, then takes what the pipes still hold and closes every log.
  ~LogCollector();
  LogCollector(const LogCollector&) = delete;
  LogCollector& operator=(const LogCollector&) = delete;

  // A new instance of the container whose log is `path`. The previous instance (which has ended) has its output
  // read to the end first, then its log is kept as previous_log_path() and `path` starts empty. The pipes' write
  // ends belong to `uid`/`gid`: a program that reopens /dev/stdout (nginx does) opens the pipe, which needs that.
  Result<ContainerOutput> open(const std::filesystem::path& path, uid_t uid, gid_t gid);
  // Which instance writes `path` now: a number that changes with every open(); nullopt once its output ended (every
  // process holding the pipes is gone) or none was opened. A reader following the log stops when this changes.
  std::optional<uint64_t> instance(const std::filesystem::path& path) const;
  // The pod is going away: what the pipes hold is taken, and the log closed.
  void close(const std::filesystem::path& path);

 private:
  struct Instance;
  LogCollector(LogFileOptions options, UniqueFd epoll, UniqueFd wake);
  void run(std::stop_token stop);
  // Reads what pipe `stream` (0 stdout, 1 stderr) of `instance` holds now into its log: a fair share, or all of it
  // with `to_end`. Closes the pipe at its end of file and returns false then. mutex_ held.
  bool pump(Instance& instance, int stream, bool to_end);
  void retire(uint64_t id);  // mutex_ held

  const LogFileOptions options_;
  UniqueFd epoll_, wake_;
  mutable std::mutex mutex_;
  std::map<uint64_t, std::unique_ptr<Instance>> instances_;  // guarded by mutex_
  std::map<std::filesystem::path, uint64_t> by_path_;        // guarded by mutex_
  uint64_t next_id_ = 1;                                     // guarded by mutex_
  std::jthread thread_;
};

}  // namespace kthena::node
