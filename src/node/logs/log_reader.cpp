#include "node/logs/log_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "api/values/rfc3339_time.h"
#include "node/logs/log_file.h"

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

constexpr size_t kChunk = 64 * 1024;

// Where the last `lines` complete records of the file start: after the (lines + 1)-th newline from the end. An
// unterminated end (a record being written) is not counted.
off_t tail_offset(int fd, off_t size, int64_t lines) {
  char block[kChunk];
  off_t end = size;
  bool found_last = false;
  int64_t seen = 0;
  while (end > 0) {
    off_t start = end > static_cast<off_t>(kChunk) ? end - static_cast<off_t>(kChunk) : 0;
    ssize_t n = ::pread(fd, block, static_cast<size_t>(end - start), start);
    if (n <= 0) return 0;
    for (ssize_t i = n - 1; i >= 0; --i) {
      if (block[i] != '\n') continue;
      if (!found_last) {
        found_last = true;  // the end of the last complete record
        if (lines == 0) return start + i + 1;
        continue;
      }
      if (++seen == lines) return start + i + 1;
    }
    end = start;
  }
  return 0;
}

// Whether a record's time is before `since` (both as text when both are ours: fixed width, UTC, so the text order is
// the time order).
bool before(std::string_view timestamp, const std::string& since) {
  if (timestamp.size() == since.size() && timestamp.back() == 'Z') return timestamp < std::string_view(since);
  auto time = api::parse_rfc3339(timestamp);
  auto limit = api::parse_rfc3339(since);
  return time && limit && *time < *limit;
}

}  // namespace

LogReader::LogReader(fs::path path, LogReadOptions options, std::function<bool()> writing, UniqueFd fd)
    : path_(std::move(path)), options_(options), writing_(std::move(writing)), fd_(std::move(fd)) {
  if (options_.since) since_ = cri_timestamp(*options_.since);
}

Result<LogReader> LogReader::open(const fs::path& path, LogReadOptions options, std::function<bool()> writing) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return fail(ErrorCode::kNotFound, fmt::format("no log at {}", path.string()));
    return fail(ErrorCode::kIo, fmt::format("open {}: {}", path.string(), std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    return fail(ErrorCode::kIo, fmt::format("stat {}: {}", path.string(), std::strerror(errno)));
  if (options.tail_lines) {
    off_t offset = tail_offset(fd.get(), st.st_size, std::max<int64_t>(0, *options.tail_lines));
    if (::lseek(fd.get(), offset, SEEK_SET) < 0)
      return fail(ErrorCode::kIo, fmt::format("seek {}: {}", path.string(), std::strerror(errno)));
  }
  LogReader reader(path, options, std::move(writing), std::move(fd));
  reader.dev_ = st.st_dev;
  reader.ino_ = st.st_ino;
  if (options.limit_bytes && *options.limit_bytes <= 0) reader.done_ = true;
  return reader;
}

bool LogReader::fill() {
  if (pos_ > 0 && pos_ >= buffer_.size() / 2) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  size_t old = buffer_.size();
  buffer_.resize(old + kChunk);
  ssize_t n;
  do {
    n = ::read(fd_.get(), buffer_.data() + old, kChunk);
  } while (n < 0 && errno == EINTR);
  buffer_.resize(old + static_cast<size_t>(std::max<ssize_t>(n, 0)));
  return n > 0;
}

void LogReader::emit(std::string& out, std::string_view bytes) {
  if (options_.limit_bytes) {
    int64_t room = *options_.limit_bytes - emitted_;
    if (static_cast<int64_t>(bytes.size()) >= room) {
      out.append(bytes.substr(0, static_cast<size_t>(room)));
      emitted_ = *options_.limit_bytes;
      done_ = true;
      return;
    }
  }
  out.append(bytes);
  emitted_ += static_cast<int64_t>(bytes.size());
}

void LogReader::emit_record(std::string& out, std::string_view line) {
  auto record = parse_cri_record(line);
  if (!record) {
    // Not a record (a log from before this format): the line as it is.
    if (!options_.since) {
      emit(out, line);
      if (!done_) emit(out, "\n");
    }
    line_start_ = true;
    return;
  }
  if (options_.since && before(record->timestamp, since_)) return;
  if (options_.timestamps && line_start_) {
    emit(out, record->timestamp);
    if (!done_) emit(out, " ");
  }
  if (!done_) emit(out, record->content);
  if (!done_ && !record->partial) emit(out, "\n");
  line_start_ = !record->partial;
}

void LogReader::consume(std::string& out, size_t max_bytes, bool all) {
  size_t start = out.size();
  while (!done_ && out.size() - start < max_bytes && pos_ < buffer_.size()) {
    size_t newline = buffer_.find('\n', pos_);
    if (newline == std::string::npos) {
      if (!all) return;
      newline = buffer_.size();
    }
    emit_record(out, std::string_view(buffer_).substr(pos_, newline - pos_));
    pos_ = std::min(newline + 1, buffer_.size());
  }
}

bool LogReader::replaced() const {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return true;
  return st.st_dev != dev_ || st.st_ino != ino_;
}

std::optional<fs::path> LogReader::successor() const {
  // Rotated parts are numbered from the newest, with no gap: the file after part n is part n - 1, and after part 1
  // the current log.
  for (int n = 1;; ++n) {
    fs::path part = rotated_log_path(path_, n);
    struct stat st {};
    if (::stat(part.c_str(), &st) != 0) return std::nullopt;
    if (st.st_dev == dev_ && st.st_ino == ino_) return n == 1 ? path_ : rotated_log_path(path_, n - 1);
  }
}

LogReader::Step LogReader::finish(std::string& out, size_t before) {
  consume(out, SIZE_MAX, true);
  done_ = true;
  return out.size() > before ? Step::kOutput : Step::kEnd;
}

LogReader::Step LogReader::read(std::string& out, size_t max_bytes) {
  if (done_) return Step::kEnd;
  size_t before = out.size();
  for (;;) {
    consume(out, max_bytes - std::min(max_bytes, out.size() - before), false);
    if (done_) return out.size() > before ? Step::kOutput : Step::kEnd;
    if (out.size() - before >= max_bytes) return Step::kOutput;
    if (fill()) continue;
    // The end of the file as it is now.
    if (!options_.follow) return finish(out, before);
    if (leaving_) {
      // The file was replaced and is now read to its end: on to the part written after it, found by where the
      // file went (a rotation renames it to part 1 and shifts the others). Not among the parts: it became the
      // previous instance's log, or fell off the end; either way nothing of this instance comes after it.
      leaving_ = false;
      std::optional<fs::path> next = successor();
      if (!next) return finish(out, before);
      UniqueFd fd(::open(next->c_str(), O_RDONLY | O_CLOEXEC));
      struct stat st {};
      if (!fd || ::fstat(fd.get(), &st) != 0) return finish(out, before);
      consume(out, SIZE_MAX, true);  // an unterminated end of the old file is a record of its own
      fd_ = std::move(fd);
      dev_ = st.st_dev;
      ino_ = st.st_ino;
      continue;
    }
    if (replaced()) {
      // Renamed after its last write, which may have come after the read that found the end: read to the end again.
      leaving_ = true;
      continue;
    }
    if (!writing_ || !writing_()) {
      // The instance ended; its last records were written before it was reported so: one more read takes them.
      if (ending_) return finish(out, before);
      ending_ = true;
      continue;
    }
    return out.size() > before ? Step::kOutput : Step::kIdle;
  }
}

}  // namespace kthena::node
