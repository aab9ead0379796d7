#include "cli/manifest_files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>

namespace kthena::cli {
namespace {

namespace fs = std::filesystem;

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

tl::unexpected<Error> io_error(const std::string& source, const std::string& what, int error) {
  return fail(ErrorCode::kIo, fmt::format("{}: {}", what, std::strerror(error)), source);
}

tl::unexpected<Error> too_large(const std::string& source) {
  return fail(ErrorCode::kTooLarge, fmt::format("larger than the {} MiB limit for a manifest", kMaxManifestBytes >> 20),
              source);
}

// Reads until end of file, or fails once more than kMaxManifestBytes arrived: a device or pipe says nothing of its
// size beforehand.
Result<std::string> read_capped(int fd, const std::string& source) {
  std::string text;
  char buffer[64 * 1024];
  while (text.size() <= kMaxManifestBytes) {
    const size_t want = std::min(sizeof(buffer), kMaxManifestBytes + 1 - text.size());
    const ssize_t got = ::read(fd, buffer, want);
    if (got < 0) {
      if (errno == EINTR) continue;
      return io_error(source, "cannot read", errno);
    }
    if (got == 0) return text;
    text.append(buffer, static_cast<size_t>(got));
  }
  return too_large(source);
}

bool is_manifest_name(const fs::path& path) {
  const fs::path ext = path.extension();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

// Appends the manifests under `root`, sorted. Iterative (a deep tree costs no stack), and links to folders are
// never entered, so every folder is listed once.
void walk(const fs::path& root, ManifestFiles& out) {
  std::vector<std::string> found;
  std::vector<fs::path> pending{root};
  while (!pending.empty()) {
    const fs::path dir = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    fs::directory_iterator it(dir, ec);
    for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
      const fs::directory_entry& entry = *it;
      std::error_code entry_ec;
      const fs::file_status own = entry.symlink_status(entry_ec);
      if (!entry_ec && fs::is_directory(own)) {
        pending.push_back(entry.path());
        continue;
      }
      if (!is_manifest_name(entry.path())) continue;
      // The target's status: a dangling link or a link loop fails here, and is worth a message, since a file
      // named like a manifest was meant to be checked.
      const fs::file_status target = entry_ec ? fs::file_status() : entry.status(entry_ec);
      if (entry_ec) {
        out.errors.push_back(Error{ErrorCode::kIo, entry.path().string(), "cannot read: " + entry_ec.message()});
      } else if (fs::is_regular_file(target)) {
        found.push_back(entry.path().string());
      }
      // Anything else named *.yaml (a pipe, a socket, a link to a folder) is no file to read in a folder walk:
      // a pipe without a writer would block it forever.
    }
    if (ec) out.errors.push_back(Error{ErrorCode::kIo, dir.string(), "cannot read directory: " + ec.message()});
  }
  std::sort(found.begin(), found.end());
  out.files.insert(out.files.end(), found.begin(), found.end());
}

}  // namespace

Result<std::string> read_manifest(const std::string& path) {
  const FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) return io_error(path, "cannot read", errno);
  struct stat info {};
  if (::fstat(fd.get(), &info) != 0) return io_error(path, "cannot read", errno);
  if (S_ISDIR(info.st_mode)) return fail(ErrorCode::kIo, "is a directory, not a file", path);
  // Refuse a large regular file before reading any of it.
  if (S_ISREG(info.st_mode) && static_cast<uint64_t>(info.st_size) > kMaxManifestBytes) return too_large(path);
  return read_capped(fd.get(), path);
}

Result<std::string> read_manifest_stdin() {
  return read_capped(STDIN_FILENO, "<stdin>");
}

ManifestFiles find_manifests(const std::vector<std::string>& inputs) {
  ManifestFiles out;
  for (const std::string& input : inputs) {
    std::error_code ec;
    const fs::file_status status = fs::status(input, ec);
    if (ec) {
      out.errors.push_back(Error{ErrorCode::kIo, input, "cannot read: " + ec.message()});
    } else if (fs::is_directory(status)) {
      walk(input, out);
    } else {
      out.files.push_back(input);
    }
  }
  return out;
}

}  // namespace kthena::cli
