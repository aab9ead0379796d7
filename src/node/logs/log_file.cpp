#include "node/logs/log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

tl::unexpected<Error> io_error(const std::string& what, const fs::path& path) {
  return fail(ErrorCode::kIo, fmt::format("{} {}: {}", what, path.string(), std::strerror(errno)));
}

UniqueFd create_file(const fs::path& path) {
  return UniqueFd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600));
}

}  // namespace

fs::path previous_log_path(const fs::path& path) {
  return fs::path(path.string() + ".1");
}

fs::path rotated_log_path(const fs::path& path, int n) {
  return fs::path(fmt::format("{}.rotated.{}", path.string(), n));
}

Result<void> keep_previous_log(const fs::path& path) {
  std::error_code ec;
  for (int n = 1;; ++n) {
    if (!fs::remove(rotated_log_path(path, n), ec)) break;
  }
  if (::rename(path.c_str(), previous_log_path(path).c_str()) != 0 && errno != ENOENT) return io_error("rename", path);
  return {};
}

Result<std::unique_ptr<LogFileWriter>> LogFileWriter::create(const fs::path& path, LogFileOptions options) {
  if (options.keep < 1) options.keep = 1;
  if (options.max_line == 0) options.max_line = 1;
  UniqueFd fd = create_file(path);
  if (!fd) return io_error("create", path);
  return std::unique_ptr<LogFileWriter>(new LogFileWriter(path, options, std::move(fd)));
}

Result<void> LogFileWriter::write(LogStream stream, std::string_view bytes, LogClock::time_point now) {
  std::string& pending = pending_[stream == LogStream::kStdout ? 0 : 1];
  std::string records;
  std::string stamp;
  auto record = [&](std::string_view content, bool partial) {
    if (stamp.empty()) stamp = cri_timestamp(now);
    append_cri_record(records, stamp, stream, partial, content);
  };
  while (!bytes.empty()) {
    size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    bytes.remove_prefix(newline == std::string_view::npos ? bytes.size() : newline + 1);
    if (newline != std::string_view::npos && pending.empty() && piece.size() <= options_.max_line) {
      record(piece, false);  // the common case: a whole line in one read
      continue;
    }
    pending.append(piece);
    // A line longer than max_line goes out in max_line pieces; the last one is full once its newline came.
    while (pending.size() > options_.max_line) {
      record(std::string_view(pending).substr(0, options_.max_line), true);
      pending.erase(0, options_.max_line);
    }
    if (newline != std::string_view::npos) {
      record(pending, false);
      pending.clear();
    }
  }
  if (records.empty()) return {};
  return append(records);
}

Result<void> LogFileWriter::finish(LogStream stream, LogClock::time_point now) {
  std::string& pending = pending_[stream == LogStream::kStdout ? 0 : 1];
  if (pending.empty()) return {};
  std::string records;
  append_cri_record(records, cri_timestamp(now), stream, true, pending);
  pending.clear();
  return append(records);
}

Result<void> LogFileWriter::append(const std::string& records) {
  // One write per read of the pipe: a reader sees whole records, except while the write itself is in progress.
  size_t done = 0;
  while (done < records.size()) {
    ssize_t n = ::write(fd_.get(), records.data() + done, records.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return io_error("write", path_);
    done += static_cast<size_t>(n);
  }
  size_ += static_cast<int64_t>(records.size());
  if (size_ >= options_.max_bytes) return rotate();
  return {};
}

Result<void> LogFileWriter::rotate() {
  std::error_code ec;
  fs::remove(rotated_log_path(path_, options_.keep), ec);
  for (int n = options_.keep - 1; n >= 1; --n)
    fs::rename(rotated_log_path(path_, n), rotated_log_path(path_, n + 1), ec);
  if (::rename(path_.c_str(), rotated_log_path(path_, 1).c_str()) != 0) return io_error("rotate", path_);
  UniqueFd fd = create_file(path_);
  if (!fd) return io_error("create", path_);
  fd_ = std::move(fd);
  size_ = 0;
  return {};
}

}  // namespace kthena::node
