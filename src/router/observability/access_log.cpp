#include "router/observability/access_log.h"

#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kthena::router {

std::optional<bool> parse_go_bool(std::string_view t) {
  if (t == "1" || t == "t" || t == "T" || t == "TRUE" || t == "true" || t == "True") return true;
  if (t == "0" || t == "f" || t == "F" || t == "FALSE" || t == "false" || t == "False") return false;
  return std::nullopt;
}

AccessLogSettings AccessLogSettings::from_environment(std::string* warnings) {
  AccessLogSettings s;
  if (const char* v = std::getenv("ACCESS_LOG_ENABLED"); v != nullptr && *v != '\0') {
    if (auto b = parse_go_bool(v)) {
      s.enabled = *b;
    } else if (warnings) {
      *warnings += fmt::format("ACCESS_LOG_ENABLED=\"{}\" is not a boolean; keeping true. ", v);
    }
  }
  if (const char* v = std::getenv("ACCESS_LOG_FORMAT"); v != nullptr) s.json = std::string_view(v) == "json";
  if (const char* v = std::getenv("ACCESS_LOG_OUTPUT"); v != nullptr && *v != '\0') s.output = v;
  return s;
}

Result<std::shared_ptr<AccessLogSink>> AccessLogSink::open(const AccessLogSettings& settings) {
  if (settings.output == "stdout") return std::make_shared<AccessLogSink>(1, false, settings.json);
  if (settings.output == "stderr") return std::make_shared<AccessLogSink>(2, false, settings.json);
  int fd = ::open(settings.output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(ErrorCode::kIo, fmt::format("cannot open access log {}: {}", settings.output, std::strerror(errno)),
                "ACCESS_LOG_OUTPUT");
  }
  return std::make_shared<AccessLogSink>(fd, true, settings.json);
}

AccessLogSink::AccessLogSink(int fd, bool owned, bool json, size_t max_queued, std::chrono::milliseconds shutdown_grace)
    : fd_(fd),
      owned_(owned),
      json_(json),
      max_queued_(max_queued),
      shutdown_grace_(shutdown_grace),
      writer_([this](std::stop_token st) { run(st); }) {}

AccessLogSink::~AccessLogSink() {
  writer_.request_stop();
  wake_.notify_all();
  writer_.join();
  if (owned_) ::close(fd_);
}

void AccessLogSink::write(std::string_view lines) {
  {
    std::lock_guard lock(mutex_);
    if (queued_.size() + lines.size() > max_queued_) {
      if (drop(lines) == 0) {
        spdlog::warn(
            "access log: its output does not keep up; lines are dropped from now on while it lags (counted "
            "in kthena_router_access_log_dropped_lines_total)");
      }
      return;
    }
    queued_.append(lines);
  }
  wake_.notify_one();
}

void AccessLogSink::run(std::stop_token stop) {
  std::string batch;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, stop, [this] { return !queued_.empty(); });
      if (queued_.empty()) return;  // stopping, and everything is written
      batch.swap(queued_);
      queued_.clear();
    }
    bool written = write_out(batch, stop);
    batch.clear();
    if (!written) {
      // Stopping, and the output took nothing for the whole grace: the rest is dropped too.
      std::lock_guard lock(mutex_);
      drop(queued_);
      queued_.clear();
      return;
    }
  }
}

uint64_t AccessLogSink::drop(std::string_view lines) {
  return dropped_.fetch_add(static_cast<uint64_t>(std::count(lines.begin(), lines.end(), '\n')),
                            std::memory_order_relaxed);
}

bool AccessLogSink::write_out(std::string_view lines, const std::stop_token& stop) {
  // The output is waited on in slices, so that a stop is noticed while it takes nothing (a stuck collector); after
  // the stop it gets `shutdown_grace_` to drain, and the process can exit even if it never does.
  std::optional<std::chrono::steady_clock::time_point> give_up;
  while (!lines.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    int ready = ::poll(&p, 1, 100);
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (!stop.stop_requested()) continue;
      auto now = std::chrono::steady_clock::now();
      if (!give_up) give_up = now + shutdown_grace_;
      if (now < *give_up) continue;
      drop(lines);
      return false;
    }
    // Ready, or poll failed: a write of at most PIPE_BUF into a pipe with room does not block; errors surface below.
    size_t take = lines.size();
    if (take > PIPE_BUF) {
      size_t cut = lines.rfind('\n', PIPE_BUF - 1);
      take = cut == std::string_view::npos ? PIPE_BUF : cut + 1;
    }
    ssize_t n = ::write(fd_, lines.data(), take);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return true;  // a full disk or closed pipe must not stop serving
    }
    lines.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace kthena::router
