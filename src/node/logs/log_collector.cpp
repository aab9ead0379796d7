#include "node/logs/log_collector.h"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

constexpr size_t kReadBytes = 64 * 1024;
// A busy container yields to the others after this much per wake-up (epoll is level-triggered: it comes back).
constexpr size_t kBudget = 4 * kReadBytes;
constexpr size_t kDrainLimit = size_t{64} << 20;

LogStream stream_of(int index) {
  return index == 0 ? LogStream::kStdout : LogStream::kStderr;
}

}  // namespace

struct LogCollector::Instance {
  uint64_t id = 0;
  std::unique_ptr<LogFileWriter> writer;
  UniqueFd pipes[2];  // read ends: stdout, stderr
  bool warned = false;
};

LogCollector::LogCollector(LogFileOptions options, UniqueFd epoll, UniqueFd wake)
    : options_(options), epoll_(std::move(epoll)), wake_(std::move(wake)) {}

Result<std::unique_ptr<LogCollector>> LogCollector::start(LogFileOptions options) {
  UniqueFd epoll(::epoll_create1(EPOLL_CLOEXEC));
  if (!epoll) return fail(ErrorCode::kInternal, fmt::format("epoll_create1: {}", std::strerror(errno)));
  UniqueFd wake(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake) return fail(ErrorCode::kInternal, fmt::format("eventfd: {}", std::strerror(errno)));
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.u64 = 0;  // instance ids start at 1
  if (::epoll_ctl(epoll.get(), EPOLL_CTL_ADD, wake.get(), &event) != 0)
    return fail(ErrorCode::kInternal, fmt::format("epoll_ctl: {}", std::strerror(errno)));
  std::unique_ptr<LogCollector> collector(new LogCollector(options, std::move(epoll), std::move(wake)));
  LogCollector* self = collector.get();
  collector->thread_ = std::jthread([self](std::stop_token stop) { self->run(stop); });
  return collector;
}

LogCollector::~LogCollector() {
  thread_.request_stop();
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(wake_.get(), &one, sizeof one);
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  while (!instances_.empty()) {
    Instance& instance = *instances_.begin()->second;
    for (int s = 0; s < 2; ++s) {
      if (instance.pipes[s]) pump(instance, s, true);
    }
    retire(instance.id);
  }
}

Result<ContainerOutput> LogCollector::open(const fs::path& path, uid_t uid, gid_t gid) {
  std::lock_guard lock(mutex_);
  if (auto it = by_path_.find(path); it != by_path_.end()) {
    // The previous instance ended (the agent starts a container again only then), but its last output may still
    // be in the pipes: it belongs at the end of its log, before that log becomes the previous one.
    Instance& previous = *instances_.at(it->second);
    for (int s = 0; s < 2; ++s) {
      if (previous.pipes[s]) pump(previous, s, true);
    }
    retire(previous.id);
  }
  if (auto kept = keep_previous_log(path); !kept) return fail(kept.error());
  auto writer = LogFileWriter::create(path, options_);
  if (!writer) return fail(writer.error());
  auto instance = std::make_unique<Instance>();
  instance->id = next_id_++;
  instance->writer = std::move(*writer);
  ContainerOutput output;
  for (int s = 0; s < 2; ++s) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return fail(ErrorCode::kIo, fmt::format("pipe: {}", std::strerror(errno)));
    instance->pipes[s].reset(fds[0]);
    (s == 0 ? output.stdout_fd : output.stderr_fd).reset(fds[1]);
    ::fcntl(fds[0], F_SETFL, O_NONBLOCK);
    // Both ends are one inode: owning it lets the container's user open /proc/self/fd/1 (/dev/stdout).
    if (::fchown(fds[1], uid, gid) != 0 && ::geteuid() == 0)
      return fail(ErrorCode::kIo, fmt::format("chown of the output pipe: {}", std::strerror(errno)));
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = instance->id * 2 + static_cast<uint64_t>(s);
    if (::epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fds[0], &event) != 0)
      return fail(ErrorCode::kInternal, fmt::format("epoll_ctl: {}", std::strerror(errno)));
  }
  by_path_[path] = instance->id;
  instances_[instance->id] = std::move(instance);
  return output;
}

std::optional<uint64_t> LogCollector::instance(const fs::path& path) const {
  std::lock_guard lock(mutex_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return std::nullopt;
  return it->second;
}

void LogCollector::close(const fs::path& path) {
  std::lock_guard lock(mutex_);
  auto it = by_path_.find(path);
  if (it == by_path_.end()) return;
  Instance& instance = *instances_.at(it->second);
  for (int s = 0; s < 2; ++s) {
    if (instance.pipes[s]) pump(instance, s, true);
  }
  retire(instance.id);
}

bool LogCollector::pump(Instance& instance, int s, bool to_end) {
  char buffer[kReadBytes];
  size_t taken = 0;
  bool open = true;
  // "All of it" is bounded too: a stray process still holding the pipe could write on for ever.
  const size_t limit = to_end ? kDrainLimit : kBudget;
  while (taken < limit) {
    ssize_t n = ::read(instance.pipes[s].get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) break;
    auto now = LogClock::now();
    Result<void> written;
    if (n <= 0) {
      open = false;  // end of file: every process holding the write end is gone (or the pipe broke)
      written = instance.writer->finish(stream_of(s), now);
    } else {
      taken += static_cast<size_t>(n);
      written = instance.writer->write(stream_of(s), std::string_view(buffer, static_cast<size_t>(n)), now);
    }
    if (!written && !instance.warned) {
      instance.warned = true;
      spdlog::warn("node: container log: {}", written.error().to_string());
    }
    if (!open) break;
  }
  if (!open) {
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, instance.pipes[s].get(), nullptr);
    instance.pipes[s].reset();
  }
  return open;
}

void LogCollector::retire(uint64_t id) {
  auto it = instances_.find(id);
  if (it == instances_.end()) return;
  Instance& instance = *it->second;
  for (int s = 0; s < 2; ++s) {
    if (!instance.pipes[s]) continue;
    instance.writer->finish(stream_of(s), LogClock::now());
    ::epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, instance.pipes[s].get(), nullptr);
  }
  auto path = by_path_.find(instance.writer->path());
  if (path != by_path_.end() && path->second == id) by_path_.erase(path);
  instances_.erase(it);
}

void LogCollector::run(std::stop_token stop) {
  epoll_event events[64];
  while (!stop.stop_requested()) {
    int n = ::epoll_wait(epoll_.get(), events, 64, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      spdlog::error("node: container logs: epoll_wait: {}", std::strerror(errno));
      return;
    }
    std::lock_guard lock(mutex_);
    for (int i = 0; i < n; ++i) {
      uint64_t token = events[i].data.u64;
      if (token == 0) continue;  // the wake-up: stop_requested() says why
      auto it = instances_.find(token / 2);
      if (it == instances_.end()) continue;  // retired since epoll_wait returned
      Instance& instance = *it->second;
      int s = static_cast<int>(token % 2);
      if (!instance.pipes[s]) continue;
      pump(instance, s, false);
      // Both streams ended: the instance's output is complete, and no reader should wait for more.
      if (!instance.pipes[0] && !instance.pipes[1]) retire(instance.id);
    }
  }
}

}  // namespace kthena::node
