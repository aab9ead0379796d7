#include "node/process/log_file.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "node/unique_fd.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

tl::unexpected<Error> io_error(const std::string& what, const fs::path& path) {
  return fail(ErrorCode::kIo, fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

}  // namespace

fs::path previous_log_path(const fs::path& path) {
  return fs::path(path.string() + ".1");
}

fs::path rotated_log_path(const fs::path& path, int n) {
  return fs::path(fmt::format("{}.rotated.{}", path.string(), n));
}

Result<bool> rotate_log(const fs::path& path, int64_t max_bytes, int keep) {
  UniqueFd in(::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW));
  if (!in) {
    if (errno == ENOENT) return false;
    return io_error("open", path);
  }
  struct stat st {};
  if (::fstat(in.get(), &st) != 0) return io_error("stat", path);
  if (st.st_size < max_bytes) return false;
  if (keep < 1) keep = 1;
  std::error_code ec;
  fs::remove(rotated_log_path(path, keep), ec);
  for (int n = keep - 1; n >= 1; --n) fs::rename(rotated_log_path(path, n), rotated_log_path(path, n + 1), ec);

  fs::path first = rotated_log_path(path, 1);
  UniqueFd out(::open(first.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!out) return io_error("create", first);
  off_t offset = 0;
  while (offset < st.st_size) {
    ssize_t n = ::sendfile(out.get(), in.get(), &offset, static_cast<size_t>(st.st_size - offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("copy", path);
  }
  if (::ftruncate(in.get(), 0) != 0) return io_error("truncate", path);
  return true;
}

Result<void> keep_previous_log(const fs::path& path) {
  std::error_code ec;
  for (int n = 1;; ++n) {
    if (!fs::remove(rotated_log_path(path, n), ec)) break;
  }
  if (::rename(path.c_str(), previous_log_path(path).c_str()) != 0 && errno != ENOENT) return io_error("rename", path);
  return {};
}

}  // namespace kthena::node
