// One container log read back as `kubectl logs` shows it: the content of each CRI record (cri_log.h) with its
// newline for a full one, optionally behind its time; the last N lines, lines since a time, at most N bytes; and,
// when following, what is written after, across rotations (part by part, so a follower that falls behind several
// rotations still reads every part that is kept), until the container instance that wrote the log ends.
// The kubelet's ReadLogs, on the agent's files (log_file.h).
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "common/result.h"
#include "node/logs/cri_log.h"
#include "node/unique_fd.h"

namespace kthena::node {

struct LogReadOptions {
  bool follow = false;
  bool timestamps = false;                    // each line behind its time: "2026-12-07T06:20:52.123456789Z line"
  std::optional<int64_t> tail_lines;          // the last N records of the file; nullopt: all
  std::optional<int64_t> limit_bytes;         // the output ends after this many bytes, even inside a line
  std::optional<LogClock::time_point> since;  // records older than this are skipped
};

// Thread contract: one thread at a time.
class LogReader {
 public:
  // kNotFound when there is no log at `path`. `writing` is asked when a follower reaches the end of the file:
  // whether the container instance that was writing the log when the reader opened still writes it (false: what is
  // left is read and the output ends). Unused without follow.
  static Result<LogReader> open(const std::filesystem::path& path, LogReadOptions options,
                                std::function<bool()> writing);

  enum class Step {
    kOutput,  // something was appended to `out`: call again
    kIdle,    // following, and nothing new yet: call again later
    kEnd,     // nothing more will come (what was appended, if anything, is the last of it)
  };
  // Appends at most about `max_bytes` of output to `out`.
  Step read(std::string& out, size_t max_bytes = 64 * 1024);

 private:
  LogReader(std::filesystem::path path, LogReadOptions options, std::function<bool()> writing, UniqueFd fd);
  // Reads more of the file into buffer_; false at its end.
  bool fill();
  // Appends the records complete in buffer_ to `out` while it has room; `all` takes an unterminated last line too.
  void consume(std::string& out, size_t max_bytes, bool all);
  void emit_record(std::string& out, std::string_view line);
  void emit(std::string& out, std::string_view bytes);
  // The file at path_ is no longer the one open (rotated, or moved away as the previous instance's log).
  bool replaced() const;
  // The rotated part (or the current log) that continues the open file, which was rotated; nullopt when the open
  // file is not among the rotated parts.
  std::optional<std::filesystem::path> successor() const;
  Step finish(std::string& out, size_t before);

  std::filesystem::path path_;
  LogReadOptions options_;
  std::function<bool()> writing_;
  UniqueFd fd_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  std::string buffer_;  // read from the file, not yet consumed from pos_
  size_t pos_ = 0;
  std::string since_;  // options_.since as a CRI timestamp
  int64_t emitted_ = 0;
  bool line_start_ = true;  // the next record starts a line (the last one was full): it gets its time
  bool leaving_ = false;    // following: the open file was replaced; once read to its end, on to its successor
  bool ending_ = false;     // following: the instance ended; one more read to the end, then the output ends
  bool done_ = false;
};

}  // namespace kthena::node
