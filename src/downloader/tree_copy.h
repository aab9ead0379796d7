// The offline sources (pvc://, hostpath://, a local path): what upstream does with `rsync -av --partial <src>/
// <out>/`, in-process. Regular files, folders and symlinks (as links) are copied with their permissions and mtimes;
// a file already present with the same size and mtime is skipped (rsync's quick check), so a second run over a full
// cache copies nothing. Other file types are skipped, as rsync without -D does.
#pragma once

#include <cstdint>
#include <filesystem>

#include "common/result.h"
#include "downloader/downloader.h"

namespace kthena::downloader {

struct CopyStats {
  uint64_t files_copied = 0;
  uint64_t files_skipped = 0;  // already present and up to date
  uint64_t bytes_copied = 0;
};

// Fails when `from` is missing or not a folder (naming it), or on the first file that cannot be read or written.
// With `dry_run`, only reports what it would copy; `to` may then be missing.
Result<CopyStats> copy_tree(const std::filesystem::path& from, const std::filesystem::path& to, bool dry_run,
                            const ProgressSink& progress);

// The check alone, for callers that validate before taking the lock.
Result<void> check_source_folder(const std::filesystem::path& from);

}  // namespace kthena::downloader
