#include "downloader/remote_fetch.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "downloader/partial_file.h"
#include "downloader/progress.h"

namespace kthena::downloader {
namespace {

bool present(const RemoteFile& file, const std::filesystem::path& out) {
  if (!file.size) return false;
  std::error_code ec;
  auto path = out / file.path;
  return std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) == *file.size && !ec;
}

Result<void> fetch_one(const WebClient& client, const RemoteFile& file, const FileRequest& request,
                       const std::filesystem::path& out, Progress& progress) {
  auto partial = PartialFile::create(out / file.path);
  if (!partial) return fail(partial.error());
  uint64_t received = 0;
  auto got = client.get(request.url, request.headers, [&](const char* data, size_t size) -> Result<void> {
    received += size;
    progress.add_bytes(size);
    return partial->write(data, size);
  });
  if (!got) return got;
  if (file.size && received != *file.size) {
    return fail(ErrorCode::kUnavailable, fmt::format("received {} bytes, the listing says {}", received, *file.size),
                request.url);
  }
  return partial->commit();
}

}  // namespace

Result<void> fetch_files(const WebClient& client, const std::vector<RemoteFile>& files, const RequestFor& request_for,
                         const std::filesystem::path& out, int max_workers, bool dry_run,
                         const ProgressSink& progress) {
  std::vector<const RemoteFile*> todo;
  uint64_t bytes = 0;
  size_t skipped = 0;
  for (const RemoteFile& f : files) {
    if (present(f, out)) {
      ++skipped;
      continue;
    }
    todo.push_back(&f);
    bytes += f.size.value_or(0);
  }
  progress(fmt::format("{} files ({}{}) to fetch into {}, {} already present", todo.size(), human_bytes(bytes),
                       std::any_of(todo.begin(), todo.end(), [](const RemoteFile* f) { return !f->size; })
                           ? " and files of unlisted size"
                           : "",
                       out.string(), skipped));
  if (dry_run) {
    for (const RemoteFile* f : todo) {
      progress(fmt::format("would fetch {} ({})", f->name, f->size ? human_bytes(*f->size) : "size unknown"));
    }
    return {};
  }

  Progress counter(progress, todo.size(), bytes);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  std::optional<Error> first_error;
  auto worker = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= todo.size()) return;
      const RemoteFile& file = *todo[i];
      auto done = fetch_one(client, file, request_for(file), out, counter);
      if (!done) {
        std::lock_guard lock(error_mutex);
        if (!first_error) first_error = done.error();
        failed = true;
        return;
      }
      counter.file_done();
    }
  };
  {
    std::vector<std::jthread> workers;
    size_t n = std::min<size_t>(static_cast<size_t>(std::max(max_workers, 1)), todo.size());
    for (size_t i = 0; i < n; ++i) workers.emplace_back(worker);
  }  // joined here
  if (first_error) return fail(*first_error);
  counter.finish("fetched");
  return {};
}

}  // namespace kthena::downloader
