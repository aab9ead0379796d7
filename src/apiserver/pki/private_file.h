// Files that hold secrets (keys, tokens, kubeconfigs): written whole or not at all, readable by the owner only.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "common/result.h"

namespace kthena::apiserver {

// Writes `content` to a temporary file created with mode 0600, fsyncs it and renames it over `path`, so a reader
// never sees half a file and a crash leaves either the old or the new one.
Result<void> write_private_file(const std::filesystem::path& path, std::string_view content);

Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace kthena::apiserver
