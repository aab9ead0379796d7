// What `--source` names (spec §7.2 "Source dispatch"), parsed once so that each fetcher gets checked parts.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <variant>

#include "common/result.h"

namespace kthena::downloader {

// pvc://<path> (the path made absolute and normalised, as upstream does), hostpath://<path>, or a local path
// starting with "/", "./" or "../" (upstream has no local form; a repo id never starts so).
struct LocalSource {
  std::filesystem::path path;
};

enum class Hub { kHuggingFace, kModelScope };

// hf://<repo>, ms://<repo>, or any other source, taken as a Hugging Face repo id as upstream does.
struct HubSource {
  Hub hub = Hub::kHuggingFace;
  std::string repo;  // "namespace/name" or "name"; checked to be safe inside a URL path
};

// s3://<bucket>/<prefix> and obs://<bucket>/<prefix> (upstream rewrites obs:// to s3://).
struct S3Source {
  std::string bucket;
  std::string prefix;  // may be empty: the whole bucket
};

using Source = std::variant<LocalSource, HubSource, S3Source>;

// Fails, naming the source, when it cannot name anything: an empty path, a repo id with characters that hubs refuse.
Result<Source> parse_source(std::string_view source);

}  // namespace kthena::downloader
