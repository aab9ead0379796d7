#include "downloader/downloader.h"

#include <optional>

#include <fmt/format.h>

#include "downloader/download_tuning.h"
#include "downloader/lock_file.h"
#include "downloader/network_sources.h"
#include "downloader/partial_file.h"
#include "downloader/source.h"
#include "downloader/tree_copy.h"

namespace kthena::downloader {
namespace {

// Every error leaves as one line that starts with the source: "pvc://models/x: /models/x: does not exist".
Error about(const DownloadOptions& options, const Error& error) {
  return Error{error.code, options.source, error.to_string()};
}

// What can be known without the lock and without writing: the source folder exists, or the remote listing (which
// also proves the endpoint, the credentials and the repo). A bad source then fails at once, before any wait, and
// leaves nothing behind. A local source has no plan: its folder is scanned under the lock, as it may change.
Result<std::optional<RemotePlan>> plan(const Source& source, const PlanContext& context) {
  if (const auto* local = std::get_if<LocalSource>(&source)) {
    if (auto ok = check_source_folder(local->path); !ok) return fail(ok.error());
    return std::nullopt;
  }
  auto remote = std::holds_alternative<HubSource>(source) ? plan_hub(std::get<HubSource>(source), context)
                                                          : plan_s3(std::get<S3Source>(source), context);
  if (!remote) return fail(remote.error());
  return std::optional<RemotePlan>(std::move(*remote));
}

Result<void> fetch(const Source& source, const std::optional<RemotePlan>& remote, const WebClient& client,
                   const DownloadOptions& options, const std::filesystem::path& out, const ProgressSink& progress) {
  if (!remote) {
    auto copied = copy_tree(std::get<LocalSource>(source).path, out, options.dry_run, progress);
    if (!copied) return fail(copied.error());
    return {};
  }
  return fetch_files(client, remote->files, remote->request_for, out, options.max_workers, options.dry_run, progress);
}

}  // namespace

Result<void> download(const DownloadOptions& options, const ProgressSink& progress) {
  return download(options, progress, DownloadTuning{});
}

Result<void> download(const DownloadOptions& options, const ProgressSink& progress, const DownloadTuning& tuning) {
  auto source = parse_source(options.source);
  if (!source) return fail(source.error());
  auto config = merge_config(options.config, tuning.env);
  if (!config) return fail(about(options, config.error()));
  if (options.max_workers < 1) return fail(ErrorCode::kInvalid, "must be at least 1", "--max-workers");
  if (options.output_dir.empty()) return fail(ErrorCode::kInvalid, "is required", "--output-dir");
  std::filesystem::path out = std::filesystem::absolute(options.output_dir).lexically_normal();
  if (!out.has_filename() && out != out.root_path()) out = out.parent_path();  // "/x/" names "/x"

  WebClient client(tuning.web);
  auto remote = plan(*source, PlanContext{client, *config, progress});
  if (!remote && options.dry_run && !std::holds_alternative<LocalSource>(*source) &&
      (remote.error().code == ErrorCode::kIo || remote.error().code == ErrorCode::kTimeout ||
       remote.error().code == ErrorCode::kUnavailable)) {
    // A dry run on a machine that cannot reach the hub (the single-machine simulation profile, offline): the source
    // is well formed and its credentials are present, which is all that can be checked from here.
    progress(fmt::format("dry run: {} cannot be listed from here ({}); it would be fetched into {}", options.source,
                         remote.error().to_string(), out.string()));
    return {};
  }
  if (!remote) return fail(about(options, remote.error()));
  if (options.dry_run) {
    progress(fmt::format("dry run: {} into {}; nothing is written", options.source, out.string()));
    if (auto ok = fetch(*source, *remote, client, options, out, progress); !ok) return fail(about(options, ok.error()));
    return {};
  }

  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) return fail(about(options, Error{ErrorCode::kIo, out.string(), "cannot create: " + ec.message()}));
  auto lock = LockFile::acquire(out / ".lock", tuning.lock, progress);
  if (!lock) return fail(about(options, lock.error()));
  remove_partials(out, progress);
  progress(fmt::format("downloading {} into {}", options.source, out.string()));
  if (auto ok = fetch(*source, *remote, client, options, out, progress); !ok) return fail(about(options, ok.error()));
  lock->release();
  progress(fmt::format("done: {} is in {}", options.source, out.string()));
  return {};
}

}  // namespace kthena::downloader
