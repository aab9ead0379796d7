// What tests change about a download and users never do: the lock intervals, the environment, the progress cadence.
// Not a CLI flag: upstream's intervals are part of the protocol that pods sharing a cache rely on.
#pragma once

#include <chrono>

#include "downloader/config.h"
#include "downloader/downloader.h"
#include "downloader/lock_file.h"
#include "downloader/web_client.h"

namespace kthena::downloader {

struct DownloadTuning {
  LockTiming lock;
  EnvLookup env = &process_env;
  WebClientOptions web;
};

// download() with these settings; download(options, progress) uses the defaults.
Result<void> download(const DownloadOptions& options, const ProgressSink& progress, const DownloadTuning& tuning);

}  // namespace kthena::downloader
