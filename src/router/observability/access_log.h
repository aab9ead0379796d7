// Where access-log lines go (ACCESS_LOG_ENABLED / _FORMAT / _OUTPUT, kthena-router.md §2.2), and the per-thread
// buffer that batches them so a busy worker does not pay one system call per request.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

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

// An open destination. Thread-safe: write() is one write(2) per call of at most PIPE_BUF bytes, cut at line ends,
// so lines from different threads never interleave.
class AccessLogSink {
 public:
  static Result<std::shared_ptr<AccessLogSink>> open(const AccessLogSettings& settings);
  // Writes to `fd`, closing it on destruction when `owned`. Prefer open().
  AccessLogSink(int fd, bool owned, bool json) : fd_(fd), owned_(owned), json_(json) {}
  ~AccessLogSink();
  AccessLogSink(const AccessLogSink&) = delete;
  AccessLogSink& operator=(const AccessLogSink&) = delete;

  void write(std::string_view lines);
  bool json() const { return json_; }

 private:
  int fd_;
  bool owned_;
  bool json_;
};

// Go's strconv.ParseBool.
std::optional<bool> parse_go_bool(std::string_view text);

}  // namespace kthena::router
