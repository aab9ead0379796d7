// The JSON bodies of the runtime's download routes (spec kthena-workload.md §7.1), read into typed requests.
// Errors are kBadRequest naming the field ("source") or the position in the body ("body:1:17"), for a 400.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "downloader/downloader.h"

namespace kthena::runtime {

// POST /v1/download_model: {source, output_dir, config, max_workers, async_download}.
struct DownloadRequest {
  downloader::DownloadOptions options;
  bool async_download = false;
};

// POST /v1/load_lora_adapter: the same plus lora_name; the engine then loads `output_dir`.
struct LoraLoadRequest {
  std::string lora_name;
  DownloadRequest download;
};

// Largest max_workers accepted: each worker is a thread (or a process) of the downloader.
inline constexpr int kMaxWorkers = 256;

Result<DownloadRequest> parse_download_request(std::string_view body);
Result<LoraLoadRequest> parse_lora_load_request(std::string_view body);

}  // namespace kthena::runtime
