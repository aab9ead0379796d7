// Downloading a listed set of files into the output folder with up to max_workers requests at once, each file
// written as a partial file and renamed into place (partial_file.h). Shared by the Hugging Face, ModelScope and S3
// sources, which differ only in their listing and in how a file's request is made.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"
#include "downloader/downloader.h"
#include "downloader/remote_listing.h"
#include "downloader/web_client.h"

namespace kthena::downloader {

struct FileRequest {
  std::string url;
  Headers headers;
};

// Builds the request for one file; called on worker threads, so it must be thread-safe.
using RequestFor = std::function<FileRequest(const RemoteFile& file)>;

// A file already present with the listed size is skipped (what a second pod finds after the first one finished);
// without a listed size it is fetched again. With `dry_run`, only reports what it would fetch. The first error stops
// the other workers after their current file and is returned.
Result<void> fetch_files(const WebClient& client, const std::vector<RemoteFile>& files, const RequestFor& request_for,
                         const std::filesystem::path& out, int max_workers, bool dry_run, const ProgressSink& progress);

}  // namespace kthena::downloader
