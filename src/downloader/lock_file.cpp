#include "downloader/lock_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace kthena::downloader {
namespace {

using Clock = std::chrono::system_clock;

// How long ago the file at `path` was last refreshed; nullopt when it does not exist.
std::optional<std::chrono::milliseconds> age(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  auto mtime = Clock::time_point(std::chrono::seconds(st.st_mtim.tv_sec)) +
               std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(st.st_mtim.tv_nsec));
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - mtime);
}

std::string holder(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::string pid;
  std::getline(in, pid);
  return pid.empty() ? "unknown pid" : "pid " + pid;
}

std::string seconds(std::chrono::milliseconds d) {
  return fmt::format("{:.1f}s", static_cast<double>(d.count()) / 1000.0);
}

// The same file still has this name: a holder that released between our open() and flock() unlinked the inode we
// locked, and a lock on an unlinked file excludes nobody.
bool still_linked(int fd, const std::filesystem::path& path) {
  struct stat by_fd {
  }, by_name{};
  if (::fstat(fd, &by_fd) != 0 || ::stat(path.c_str(), &by_name) != 0) return false;
  return by_fd.st_dev == by_name.st_dev && by_fd.st_ino == by_name.st_ino;
}

}  // namespace

Result<LockFile> LockFile::acquire(const std::filesystem::path& path, const LockTiming& timing,
                                   const ProgressSink& progress) {
  bool reported_wait = false;
  for (;;) {
    std::optional<std::chrono::milliseconds> last = age(path);
    if (last && *last < timing.freshness) {
      if (!reported_wait) {
        progress(
            fmt::format("waiting for {}: held by {} (refreshed {} ago)", path.string(), holder(path), seconds(*last)));
        reported_wait = true;
      }
      std::this_thread::sleep_for(timing.retry);
      continue;
    }
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
      return fail(ErrorCode::kIo, std::string("cannot create the lock file: ") + std::strerror(errno), path.string());
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int error = errno;
      ::close(fd);
      if (error != EWOULDBLOCK) {
        return fail(ErrorCode::kIo, std::string("cannot lock the lock file: ") + std::strerror(error), path.string());
      }
      // A live holder whose renewer fell behind: wait as for a fresh lock.
      if (!reported_wait) {
        progress(fmt::format("waiting for {}: held by {} (locked, though not refreshed for {})", path.string(),
                             holder(path), last ? seconds(*last) : std::string("0.0s")));
        reported_wait = true;
      }
      std::this_thread::sleep_for(timing.retry);
      continue;
    }
    if (!still_linked(fd, path)) {
      ::close(fd);
      continue;
    }
    if (last) {
      progress(fmt::format("took over the stale lock {} (held by {}, last refreshed {} ago)", path.string(),
                           holder(path), seconds(*last)));
    }
    std::string pid = std::to_string(::getpid());
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size()) ||
        ::futimens(fd, nullptr) != 0) {
      int error = errno;
      ::unlink(path.c_str());
      ::close(fd);
      return fail(ErrorCode::kIo, std::string("cannot write the lock file: ") + std::strerror(error), path.string());
    }
    progress(fmt::format("acquired {}", path.string()));
    return LockFile(path, fd, timing.renew);
  }
}

LockFile::LockFile(std::filesystem::path path, int fd, std::chrono::milliseconds renew)
    : path_(std::move(path)), fd_(fd) {
  renewer_ = std::jthread([fd, renew](std::stop_token stop) {
    std::mutex mutex;
    std::condition_variable_any wake;
    std::unique_lock lock(mutex);
    // Nothing notifies `wake`: the wait ends on a timeout (refresh the mtime waiters look at) or on stop.
    for (;;) {
      wake.wait_for(lock, stop, renew, [] { return false; });
      if (stop.stop_requested()) return;
      ::futimens(fd, nullptr);
    }
  });
}

LockFile::LockFile(LockFile&& other) noexcept
    : path_(std::move(other.path_)), fd_(std::exchange(other.fd_, -1)), renewer_(std::move(other.renewer_)) {}

LockFile::~LockFile() {
  release();
}

void LockFile::release() {
  if (fd_ < 0) return;
  renewer_.request_stop();
  if (renewer_.joinable()) renewer_.join();
  // Unlink before unlocking: a waiter blocked on this inode then fails still_linked() instead of locking a file
  // that no longer guards anything.
  ::unlink(path_.c_str());
  ::flock(fd_, LOCK_UN);
  ::close(fd_);
  fd_ = -1;
}

}  // namespace kthena::downloader
