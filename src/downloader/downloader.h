// `kthena downloader` (spec kthena-workload.md §7.2): fetches a model or a LoRA adapter into a folder that many pods
// may share, once. The library entry point is used by the CLI command and by `kthena runtime` (LoRA load,
// /v1/download_model).
#pragma once

#include <filesystem>
#include <functional>
#include <string>

#include "api/json.h"
#include "common/result.h"

namespace kthena::downloader {

struct DownloadOptions {
  std::string source;                // pvc://..., hf://..., ms://..., s3://..., obs://..., a local path, or a repo id
  std::filesystem::path output_dir;  // created when missing
  int max_workers = 8;
  Json config = Json::object();  // hf_token, hf_endpoint, ... (§7.2); environment variables fill missing keys
  bool dry_run = false;          // validate the source and log what would be fetched; write nothing
};

// One line of progress, for the log.
using ProgressSink = std::function<void(const std::string& line)>;

// Takes the lock file `<output_dir>/.lock` (waiting while another live process holds it), fetches, releases.
// Errors name the source or the path and say what is missing (credentials, network, a directory).
Result<void> download(const DownloadOptions& options, const ProgressSink& progress);

}  // namespace kthena::downloader
