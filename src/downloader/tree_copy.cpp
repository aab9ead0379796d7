#include "downloader/tree_copy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "downloader/partial_file.h"
#include "downloader/progress.h"

namespace kthena::downloader {
namespace {

namespace fs = std::filesystem;

enum class EntryKind { kFolder, kFile, kSymlink };

struct Entry {
  EntryKind kind;
  fs::path relative;
  uint64_t size = 0;
  fs::file_time_type mtime;
  fs::perms perms = fs::perms::none;
  fs::path link_target;
};

// A file that needs no copy: same size and mtime (rsync's quick check), or the same link.
bool up_to_date(const Entry& e, const fs::path& dest) {
  std::error_code ec;
  fs::file_status st = fs::symlink_status(dest, ec);
  if (ec) return false;
  if (e.kind == EntryKind::kSymlink) return fs::is_symlink(st) && fs::read_symlink(dest, ec) == e.link_target && !ec;
  if (!fs::is_regular_file(st)) return false;
  return fs::file_size(dest, ec) == e.size && !ec && fs::last_write_time(dest, ec) == e.mtime && !ec;
}

Result<std::vector<Entry>> scan(const fs::path& from, const fs::path& to, const ProgressSink& progress) {
  std::vector<Entry> entries;
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(from, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    // The output folder inside the source (a cache copied into itself) would be copied forever.
    if (p == to) {
      it.disable_recursion_pending();
      continue;
    }
    fs::path rel = p.lexically_relative(from);
    // Another downloader's lock and partial files belong to the source cache, not to the model.
    if (rel == ".lock" || p.filename().string().ends_with(".kthena-partial")) continue;
    fs::file_status st = it->symlink_status(ec);
    if (ec) break;
    Entry e{EntryKind::kFile, rel};
    if (fs::is_symlink(st)) {
      e.kind = EntryKind::kSymlink;
      e.link_target = fs::read_symlink(p, ec);
    } else if (fs::is_directory(st)) {
      e.kind = EntryKind::kFolder;
    } else if (fs::is_regular_file(st)) {
      e.size = it->file_size(ec);
      if (!ec) e.mtime = it->last_write_time(ec);
      e.perms = st.permissions();
    } else {
      progress("skipping " + p.string() + ": not a regular file, folder or symlink");
      continue;
    }
    if (ec) break;
    entries.push_back(std::move(e));
  }
  if (ec)
    return fail(ErrorCode::kIo, "cannot read: " + ec.message(),
                it == fs::recursive_directory_iterator() ? from.string() : it->path().string());
  return entries;
}

Result<void> copy_file(const fs::path& from, const Entry& e, const fs::path& dest, Progress& progress) {
  int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return fail(ErrorCode::kIo, std::string("cannot open: ") + std::strerror(errno), from.string());
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{in};
  auto out = PartialFile::create(dest);
  if (!out) return fail(out.error());
  std::vector<char> buffer(1 << 20);
  for (;;) {
    ssize_t n = ::read(in, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail(ErrorCode::kIo, std::string("cannot read: ") + std::strerror(errno), from.string());
    if (n == 0) break;
    if (auto w = out->write(buffer.data(), static_cast<size_t>(n)); !w) return w;
    progress.add_bytes(static_cast<uint64_t>(n));
  }
  return out->commit(e.perms, e.mtime);
}

Result<void> copy_symlink(const Entry& e, const fs::path& dest) {
  std::error_code ec;
  fs::remove(dest, ec);
  fs::create_symlink(e.link_target, dest, ec);
  if (ec) return fail(ErrorCode::kIo, "cannot create the symlink: " + ec.message(), dest.string());
  return {};
}

}  // namespace

Result<void> check_source_folder(const fs::path& from) {
  std::error_code ec;
  fs::file_status st = fs::status(from, ec);
  if (!fs::exists(st)) return fail(ErrorCode::kNotFound, "does not exist", from.string());
  if (!fs::is_directory(st)) return fail(ErrorCode::kInvalid, "is not a directory", from.string());
  return {};
}

Result<CopyStats> copy_tree(const fs::path& from, const fs::path& to, bool dry_run, const ProgressSink& progress) {
  if (auto ok = check_source_folder(from); !ok) return fail(ok.error());
  auto entries = scan(from, to, progress);
  if (!entries) return fail(entries.error());

  CopyStats stats;
  uint64_t files = 0, bytes = 0;
  std::vector<const Entry*> todo;
  for (const Entry& e : *entries) {
    if (e.kind == EntryKind::kFolder) continue;
    if (up_to_date(e, to / e.relative)) {
      ++stats.files_skipped;
      continue;
    }
    todo.push_back(&e);
    ++files;
    bytes += e.size;
  }
  progress(fmt::format("{}: {} files ({}) to copy to {}, {} already present", from.string(), files, human_bytes(bytes),
                       to.string(), stats.files_skipped));
  if (dry_run) {
    for (const Entry* e : todo) progress(fmt::format("would copy {} ({})", e->relative.string(), human_bytes(e->size)));
    return stats;
  }

  std::error_code ec;
  for (const Entry& e : *entries) {
    if (e.kind != EntryKind::kFolder) continue;
    fs::create_directories(to / e.relative, ec);
    if (ec) return fail(ErrorCode::kIo, "cannot create the folder: " + ec.message(), (to / e.relative).string());
  }
  Progress counter(progress, files, bytes);
  for (const Entry* e : todo) {
    fs::path dest = to / e->relative;
    auto copied =
        e->kind == EntryKind::kSymlink ? copy_symlink(*e, dest) : copy_file(from / e->relative, *e, dest, counter);
    if (!copied) return fail(copied.error());
    counter.file_done();
    ++stats.files_copied;
    stats.bytes_copied += e->size;
  }
  counter.finish("copied");
  return stats;
}

}  // namespace kthena::downloader
