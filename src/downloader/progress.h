// Progress lines for a download of known size: "12/40 files, 1.2 GiB/4.0 GiB", at most once per `interval` and once
// at the end, so that a multi-gigabyte copy shows life in the log without a line per chunk.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "downloader/downloader.h"

namespace kthena::downloader {

// "512 B", "1.5 MiB", "4.0 GiB".
std::string human_bytes(uint64_t bytes);

// Thread contract: add_bytes() and file_done() may be called from any worker; the sink is called under a mutex, one
// line at a time.
class Progress {
 public:
  Progress(const ProgressSink& sink, uint64_t total_files, uint64_t total_bytes,
           std::chrono::milliseconds interval = std::chrono::seconds(2));

  void add_bytes(uint64_t n);
  void file_done();
  // The closing line, whatever the interval.
  void finish(const std::string& what);

 private:
  void maybe_report(bool force);  // called with mutex_ held

  const ProgressSink& sink_;
  const uint64_t total_files_;
  const uint64_t total_bytes_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;
  uint64_t files_ = 0;
  uint64_t bytes_ = 0;
  std::chrono::steady_clock::time_point last_report_;
};

}  // namespace kthena::downloader
