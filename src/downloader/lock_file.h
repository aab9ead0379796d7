// The cache lock of spec §7.2, compatible with upstream's Python downloader so that both may share one cache:
// `<dir>/.lock` holds the owner's pid, is flock()ed while held and has its mtime refreshed every `renew`; another
// process waits while the mtime is younger than `freshness` and takes over a lock whose owner died (mtime old,
// flock free). Release unlinks the file, then unlocks.
#pragma once

#include <chrono>
#include <filesystem>
#include <stop_token>
#include <thread>

#include "common/result.h"
#include "downloader/downloader.h"

namespace kthena::downloader {

// Upstream's intervals; tests shorten them.
struct LockTiming {
  std::chrono::milliseconds freshness{15000};  // a lock refreshed more recently than this is live
  std::chrono::milliseconds retry{5000};       // how long a waiter sleeps between attempts
  std::chrono::milliseconds renew{5000};       // how often the holder refreshes the mtime
};

class LockFile {
 public:
  // Blocks until the lock is held, reporting the wait on `progress` (once when it starts, and on each takeover).
  // Fails only when the file cannot be created or locked for a reason other than another holder.
  static Result<LockFile> acquire(const std::filesystem::path& path, const LockTiming& timing,
                                  const ProgressSink& progress);

  LockFile(LockFile&&) noexcept;
  LockFile& operator=(LockFile&&) = delete;
  LockFile(const LockFile&) = delete;
  ~LockFile();  // release(), when not done yet

  // Stops the renewer, unlinks the file and unlocks. Idempotent.
  void release();

 private:
  LockFile(std::filesystem::path path, int fd, std::chrono::milliseconds renew);

  std::filesystem::path path_;
  int fd_ = -1;
  // Refreshes the mtime every `renew` until stopped; joined by release() (a jthread: never detached).
  std::jthread renewer_;
};

}  // namespace kthena::downloader
