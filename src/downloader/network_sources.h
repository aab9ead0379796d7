// The network sources of spec §7.2: Hugging Face and ModelScope over their HTTP APIs, S3 and OBS over S3's API.
// Each is planned first: the listing, fetched before the lock is taken, so that an unreachable hub or a missing
// repo fails at once and creates nothing. The plan is then fetched under the lock with fetch_files().
#pragma once

#include <vector>

#include "common/result.h"
#include "downloader/config.h"
#include "downloader/downloader.h"
#include "downloader/remote_fetch.h"
#include "downloader/source.h"
#include "downloader/web_client.h"

namespace kthena::downloader {

struct PlanContext {
  const WebClient& client;
  const DownloaderConfig& config;
  const ProgressSink& progress;
};

// The files to fetch and how to ask for each; request_for owns what it needs (it outlives the planning call).
struct RemotePlan {
  std::vector<RemoteFile> files;
  RequestFor request_for;
};

Result<RemotePlan> plan_hub(const HubSource& source, const PlanContext& context);

// Fails before any request when access_key or secret_key is missing.
Result<void> check_s3_credentials(const DownloaderConfig& config);
Result<RemotePlan> plan_s3(const S3Source& source, const PlanContext& context);

}  // namespace kthena::downloader
