// Parsers of what the network sources answer when asked for a file list. Their input is outside bytes: each has a
// libFuzzer target (tests/fuzz/downloader_listing.cpp), and every name they return has passed safe_relative_path().
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace kthena::downloader {

struct RemoteFile {
  std::string name;              // as the server spells it, for the download URL
  std::filesystem::path path;    // where it goes under the output folder
  std::optional<uint64_t> size;  // when the listing says
};

struct RemoteListing {
  std::string commit;  // Hugging Face: the commit the revision resolved to; downloads pin it so files agree
  std::vector<RemoteFile> files;
  // S3: more keys follow; ask again with this token.
  std::optional<std::string> continuation;
};

// GET /api/models/<repo>/revision/<rev>?blobs=true: {"sha": "...", "siblings": [{"rfilename": "...", "size": N}]}.
Result<RemoteListing> parse_hf_listing(std::string_view json);

// GET /api/v1/models/<repo>/repo/files?Recursive=true: {"Code": 200, "Data": {"Files": [{"Path": "...", "Type":
// "blob", "Size": N}]}}; folders ("tree") are left out.
Result<RemoteListing> parse_ms_listing(std::string_view json);

// S3 ListObjectsV2 XML: every <Contents><Key>/<Size>, <IsTruncated>, <NextContinuationToken>. Keys are returned
// relative to `prefix` (a key equal to the prefix, or a "folder/" marker, is skipped).
Result<RemoteListing> parse_s3_listing(std::string_view xml, std::string_view prefix);

}  // namespace kthena::downloader
