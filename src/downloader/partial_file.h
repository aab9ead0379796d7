// Writing into the shared cache so that a reader never sees half a file under its final name: bytes go to
// `.<name>.kthena-partial` beside it and are renamed into place when complete. A process killed mid-write leaves
// only the partial file, which the next lock holder deletes (remove_partials).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

#include "common/result.h"
#include "downloader/downloader.h"

namespace kthena::downloader {

// The name a file is written under until it is complete.
std::filesystem::path partial_path(const std::filesystem::path& final_path);

// Deletes the partial files a killed holder left under `dir`; call only while holding the lock.
void remove_partials(const std::filesystem::path& dir, const ProgressSink& progress);

// Checks a file name that came from outside (a hub listing, an S3 key relative to its prefix) and returns it as a
// relative path that stays inside the output folder: no absolute path, no "." or ".." or empty component, no NUL,
// not the lock file, not a partial file's name.
Result<std::filesystem::path> safe_relative_path(std::string_view name);

// One file being written. Thread contract: one thread uses an object.
class PartialFile {
 public:
  static Result<PartialFile> create(const std::filesystem::path& final_path);
  PartialFile(PartialFile&& other) noexcept;
  PartialFile& operator=(PartialFile&&) = delete;
  ~PartialFile();  // unlinks the partial file unless committed

  Result<void> write(const char* data, size_t size);
  // Sets the permissions and the mtime when given, then renames into place.
  Result<void> commit(std::optional<std::filesystem::perms> perms = std::nullopt,
                      std::optional<std::filesystem::file_time_type> mtime = std::nullopt);

 private:
  PartialFile(std::filesystem::path final_path, std::filesystem::path partial, int fd);

  std::filesystem::path final_path_;
  std::filesystem::path partial_;
  int fd_ = -1;
  bool committed_ = false;
};

}  // namespace kthena::downloader
