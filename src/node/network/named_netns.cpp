#include "node/network/named_netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>
#include <utility>

#include <fmt/format.h>

namespace kthena::node {
namespace {

tl::unexpected<Error> errno_failure(int err, const std::string& what) {
  const ErrorCode code = (err == EPERM || err == EACCES) ? ErrorCode::kForbidden : ErrorCode::kIo;
  return fail(code, fmt::format("{}: {}", what, std::strerror(err)));
}

// Runs `body` on a thread of its own and returns what it returned. For namespace switches (unshare, setns), which
// act on the calling thread only: the thread ends with its namespace, and the caller's stays as it was.
template <class F>
auto on_own_thread(F body) -> decltype(body()) {
  std::optional<decltype(body())> result;
  std::thread thread([&] { result.emplace(body()); });
  thread.join();
  return std::move(*result);
}

// /run/netns as a shared mount point, as `ip netns add` leaves it: mounts made under it then propagate to the
// mount namespaces containers copy from the host, and so do their unmounts.
Result<void> make_shared_mount_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return errno_failure(ec.value(), fmt::format("creating {}", dir.string()));
  bool bound = false;
  while (::mount("", dir.c_str(), "none", MS_SHARED | MS_REC, nullptr) != 0) {
    // EINVAL: not a mount point yet; bind it onto itself once, then it is one.
    if (errno != EINVAL || bound) return errno_failure(errno, fmt::format("making {} a shared mount", dir.string()));
    if (::mount(dir.c_str(), dir.c_str(), "none", MS_BIND | MS_REC, nullptr) != 0) {
      return errno_failure(errno, fmt::format("bind-mounting {} onto itself", dir.string()));
    }
    bound = true;
  }
  return {};
}

}  // namespace

bool is_named_netns(const std::filesystem::path& path) {
  struct statfs fs {};
  return ::statfs(path.c_str(), &fs) == 0 && static_cast<unsigned long>(fs.f_type) == NSFS_MAGIC;
}

Result<void> probe_new_netns() {
  const int err = on_own_thread([]() -> int { return ::unshare(CLONE_NEWNET) == 0 ? 0 : errno; });
  if (err != 0) return errno_failure(err, "making a network namespace");
  return {};
}

Result<bool> create_named_netns(const std::filesystem::path& path) {
  if (is_named_netns(path)) return false;
  if (auto made = make_shared_mount_dir(path.parent_path()); !made) return fail(made.error());
  // The mount target must exist; a file left by an earlier failure is reused.
  UniqueFd target(::open(path.c_str(), O_RDONLY | O_CREAT | O_CLOEXEC, 0444));
  if (!target) return errno_failure(errno, fmt::format("creating {}", path.string()));
  target.reset();
  const int err = on_own_thread([&]() -> int {
    if (::unshare(CLONE_NEWNET) != 0) return errno;
    // /proc/thread-self, not /proc/self: the latter is the main thread's namespace.
    if (::mount("/proc/thread-self/ns/net", path.c_str(), "none", MS_BIND, nullptr) != 0) return errno;
    return 0;
  });
  if (err != 0) {
    ::unlink(path.c_str());
    return errno_failure(err, fmt::format("creating network namespace {}", path.string()));
  }
  return true;
}

Result<void> remove_named_netns(const std::filesystem::path& path) {
  // MNT_DETACH: a process that has the file open (`ip netns exec` in progress) does not keep the name alive.
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
    return errno_failure(errno, fmt::format("unmounting {}", path.string()));
  }
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return errno_failure(errno, fmt::format("removing {}", path.string()));
  }
  return {};
}

Result<UniqueFd> socket_in_netns(const std::filesystem::path& path, int domain, int type, int protocol) {
  UniqueFd ns(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return errno_failure(errno, fmt::format("opening network namespace {}", path.string()));
  auto [fd, err] = on_own_thread([&]() -> std::pair<int, int> {
    if (::setns(ns.get(), CLONE_NEWNET) != 0) return {-1, errno};
    const int s = ::socket(domain, type | SOCK_CLOEXEC, protocol);
    return {s, s < 0 ? errno : 0};
  });
  if (fd < 0) return errno_failure(err, fmt::format("opening a socket in {}", path.string()));
  return UniqueFd(fd);
}

}  // namespace kthena::node
