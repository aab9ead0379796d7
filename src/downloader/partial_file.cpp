#include "downloader/partial_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

namespace kthena::downloader {
namespace {

constexpr std::string_view kPartialSuffix = ".kthena-partial";

bool is_partial_name(std::string_view name) {
  return name.size() > kPartialSuffix.size() && name.substr(name.size() - kPartialSuffix.size()) == kPartialSuffix;
}

Error io_error(const std::filesystem::path& path, const std::string& what, int error) {
  return Error{ErrorCode::kIo, path.string(), what + ": " + std::strerror(error)};
}

}  // namespace

std::filesystem::path partial_path(const std::filesystem::path& final_path) {
  return final_path.parent_path() / ("." + final_path.filename().string() + std::string(kPartialSuffix));
}

void remove_partials(const std::filesystem::path& dir, const ProgressSink& progress) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || !is_partial_name(it->path().filename().string())) continue;
    std::error_code removed;
    if (std::filesystem::remove(it->path(), removed)) {
      progress("removed " + it->path().string() + ", left by an interrupted download");
    }
  }
}

Result<std::filesystem::path> safe_relative_path(std::string_view name) {
  auto refuse = [&](const char* why) {
    return fail(ErrorCode::kInvalid, std::string("unsafe file name: ") + why, std::string(name));
  };
  if (name.empty()) return refuse("empty");
  if (name.find('\0') != std::string_view::npos) return refuse("contains NUL");
  if (name.front() == '/') return refuse("absolute");
  std::filesystem::path out;
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = std::min(name.find('/', start), name.size());
    std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") return refuse("an empty, \".\" or \"..\" component");
    if (is_partial_name(part)) return refuse("the name of a partial download");
    out /= std::string(part);
    start = end + 1;
  }
  if (out == ".lock") return refuse("the lock file");
  return out;
}

Result<PartialFile> PartialFile::create(const std::filesystem::path& final_path) {
  std::error_code ec;
  std::filesystem::create_directories(final_path.parent_path(), ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create the folder: " + ec.message(), final_path.parent_path().string());
  std::filesystem::path partial = partial_path(final_path);
  int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return fail(io_error(partial, "cannot create", errno));
  return PartialFile(final_path, std::move(partial), fd);
}

PartialFile::PartialFile(std::filesystem::path final_path, std::filesystem::path partial, int fd)
    : final_path_(std::move(final_path)), partial_(std::move(partial)), fd_(fd) {}

PartialFile::PartialFile(PartialFile&& other) noexcept
    : final_path_(std::move(other.final_path_)),
      partial_(std::move(other.partial_)),
      fd_(std::exchange(other.fd_, -1)),
      committed_(std::exchange(other.committed_, true)) {}

PartialFile::~PartialFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(partial_.c_str());
}

Result<void> PartialFile::write(const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(io_error(partial_, "cannot write", errno));
    data += n;
    size -= static_cast<size_t>(n);
  }
  return {};
}

Result<void> PartialFile::commit(std::optional<std::filesystem::perms> perms,
                                 std::optional<std::filesystem::file_time_type> mtime) {
  int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return fail(io_error(partial_, "cannot write", errno));
  std::error_code ec;
  if (perms) std::filesystem::permissions(partial_, *perms, ec);
  if (!ec && mtime) std::filesystem::last_write_time(partial_, *mtime, ec);
  if (!ec) std::filesystem::rename(partial_, final_path_, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot move into place: " + ec.message(), final_path_.string());
  committed_ = true;
  return {};
}

}  // namespace kthena::downloader
