// Where access-log lines go (ACCESS_LOG_ENABLED / _FORMAT / _OUTPUT, kthena-router.md §2.2), and the per-thread
// buffer that batches them so a busy worker does not pay one system call per request.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>

#include "common/result.h"
#include "router/observability/access_log_entry.h"

namespace kthena::router {

struct AccessLogSettings {
  bool enabled = true;
  bool json = false;
  std::string output = "stdout";  // stdout | stderr | a file path (appended, mode 0644)

  // Reads the ACCESS_LOG_* variables; invalid values keep the defaults (and are reported in `warnings`).
  static AccessLogSettings from_environment(std::string* warnings = nullptr);
};

// An open destination with its own writer thread, so that a slow reader (a full pipe to a log collector, a slow
// disk) never blocks a worker. Thread-safe: write() copies the lines into a bounded queue and returns; the thread
// writes them in write(2)s of at most PIPE_BUF bytes cut at line ends, so lines never interleave with other
// writers of the same descriptor. Lines that would overflow the queue are dropped and counted (dropped_lines()),
// as Envoy's access log does: serving goes on. The destructor writes what is queued, then joins the thread.
class AccessLogSink {
 public:
  static constexpr size_t kDefaultMaxQueued = 16 * 1024 * 1024;
  // How long the destructor lets an output that takes nothing drain before the remaining lines are dropped.
  static constexpr std::chrono::milliseconds kDefaultShutdownGrace{2000};

  static Result<std::shared_ptr<AccessLogSink>> open(const AccessLogSettings& settings);
  // Writes to `fd`, closing it on destruction when `owned`. Prefer open().
  AccessLogSink(int fd, bool owned, bool json, size_t max_queued = kDefaultMaxQueued,
                std::chrono::milliseconds shutdown_grace = kDefaultShutdownGrace);
  ~AccessLogSink();
  AccessLogSink(const AccessLogSink&) = delete;
  AccessLogSink& operator=(const AccessLogSink&) = delete;

  // Whole lines, each ending in '\n'.
  void write(std::string_view lines);
  bool json() const { return json_; }
  uint64_t dropped_lines() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  void run(std::stop_token stop);
  // Counts the lines of `lines` as dropped; returns the count before.
  uint64_t drop(std::string_view lines);
  // False when the output took nothing for the shutdown grace after a stop: what is left is dropped.
  bool write_out(std::string_view lines, const std::stop_token& stop);

  int fd_;
  bool owned_;
  bool json_;
  size_t max_queued_;
  std::chrono::milliseconds shutdown_grace_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::string queued_;  // guarded by mutex_
  std::atomic<uint64_t> dropped_{0};
  std::jthread writer_;  // last: started after, and stopped before, the members it uses
};

// Go's strconv.ParseBool.
std::optional<bool> parse_go_bool(std::string_view text);

}  // namespace kthena::router
