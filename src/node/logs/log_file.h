// A container's log file as the agent writes it: CRI records (cri_log.h), rotated by size, and the previous
// instance's log kept for `kubectl logs --previous`. The agent reads the container's output from pipes
// (log_collector.h) and is the only writer, so rotation renames the file (nothing is lost, unlike the copy and
// truncate that a file shared with the container would need) and a reader that follows notices the new file by its
// inode.
//
// Files of one container, `<path>` being `<data>/pods/<uid>/logs/<container>.log`:
//   <path>             the current instance's log
//   <path>.rotated.N   its older parts, 1 the newest (at most `keep`)
//   <path>.1           the previous instance's log (only its last part)
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "node/logs/cri_log.h"
#include "node/unique_fd.h"

namespace kthena::node {

// Where keep_previous_log() puts the previous instance's log: "<path>.1".
std::filesystem::path previous_log_path(const std::filesystem::path& path);
// The n-th rotated part (1 is the newest): "<path>.rotated.<n>".
std::filesystem::path rotated_log_path(const std::filesystem::path& path, int n);

// Before a container starts again: its log becomes previous_log_path() (replacing the one before) and the rotated
// parts of that instance go. No log yet is not an error.
Result<void> keep_previous_log(const std::filesystem::path& path);

struct LogFileOptions {
  int64_t max_bytes = int64_t{10} << 20;  // rotate once the file holds this much (the kubelet's containerLogMaxSize)
  int keep = 5;                           // rotated parts kept (the kubelet's containerLogMaxFiles)
  size_t max_line = 16 * 1024;            // a longer line is cut into partial records (containerd's default)
};

// One container instance's log being written. Thread contract: one thread at a time (the collector's).
class LogFileWriter {
 public:
  // Creates `path` empty (mode 0600, the agent's: containers write through pipes, so no pod's user needs it).
  static Result<std::unique_ptr<LogFileWriter>> create(const std::filesystem::path& path, LogFileOptions options);
  LogFileWriter(const LogFileWriter&) = delete;
  LogFileWriter& operator=(const LogFileWriter&) = delete;

  // Output of the container as read from `stream`: each complete line becomes a full record stamped `now`; an
  // unterminated end waits for the rest of its line unless it is longer than max_line, which is cut into partial
  // records. Rotates after the write when the file reached max_bytes.
  Result<void> write(LogStream stream, std::string_view bytes, LogClock::time_point now);
  // The stream ended: what is left of its unterminated line becomes a partial record, as containerd writes it.
  Result<void> finish(LogStream stream, LogClock::time_point now);
  const std::filesystem::path& path() const { return path_; }

 private:
  LogFileWriter(std::filesystem::path path, LogFileOptions options, UniqueFd fd)
      : path_(std::move(path)), options_(options), fd_(std::move(fd)) {}
  Result<void> append(const std::string& records);
  Result<void> rotate();

  std::filesystem::path path_;
  LogFileOptions options_;
  UniqueFd fd_;
  int64_t size_ = 0;
  std::string pending_[2];  // per stream: the start of a line whose newline has not come yet
};

}  // namespace kthena::node
