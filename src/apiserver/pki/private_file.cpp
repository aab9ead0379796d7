#include "apiserver/pki/private_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace kthena::apiserver {
namespace {

tl::unexpected<Error> io_error(const std::filesystem::path& path, std::string_view what) {
  return fail(ErrorCode::kIo, std::string(what) + " " + path.string() + ": " + std::strerror(errno));
}

}  // namespace

Result<void> write_private_file(const std::filesystem::path& path, std::string_view content) {
  auto temp = path;
  temp += ".tmp";
  ::unlink(temp.c_str());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(temp, "create");
  size_t written = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      auto error = io_error(temp, "write");
      ::close(fd);
      return error;
    }
    written += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto error = io_error(temp, "fsync");
    ::close(fd);
    return error;
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) return io_error(path, "rename to");
  return {};
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(ErrorCode::kIo, "cannot read " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace kthena::apiserver
