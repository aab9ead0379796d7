#include "downloader/progress.h"

#include <fmt/format.h>

namespace kthena::downloader {

std::string human_bytes(uint64_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units)) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

Progress::Progress(const ProgressSink& sink, uint64_t total_files, uint64_t total_bytes,
                   std::chrono::milliseconds interval)
    : sink_(sink),
      total_files_(total_files),
      total_bytes_(total_bytes),
      interval_(interval),
      last_report_(std::chrono::steady_clock::now()) {}

void Progress::add_bytes(uint64_t n) {
  std::lock_guard lock(mutex_);
  bytes_ += n;
  maybe_report(false);
}

void Progress::file_done() {
  std::lock_guard lock(mutex_);
  ++files_;
  maybe_report(false);
}

void Progress::finish(const std::string& what) {
  std::lock_guard lock(mutex_);
  sink_(fmt::format("{}: {} files, {}", what, files_, human_bytes(bytes_)));
}

void Progress::maybe_report(bool force) {
  auto now = std::chrono::steady_clock::now();
  if (!force && now - last_report_ < interval_) return;
  last_report_ = now;
  sink_(fmt::format("progress: {}/{} files, {}/{}", files_, total_files_, human_bytes(bytes_),
                    human_bytes(total_bytes_)));
}

}  // namespace kthena::downloader
