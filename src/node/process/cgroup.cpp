#include "node/process/cgroup.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>

namespace kthena::node {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kCfsPeriodUs = 100000;
constexpr int64_t kCfsMinQuotaUs = 1000;  // the kernel refuses less

std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// cgroup files take one write(2) each; an ofstream could split or buffer it past the error.
bool write_file(const fs::path& path, const std::string& content) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return false;
  return ::write(fd.get(), content.data(), content.size()) == static_cast<ssize_t>(content.size());
}

bool is_fs(const fs::path& path, long magic) {
  struct statfs st {};
  return ::statfs(path.c_str(), &st) == 0 && static_cast<long>(st.f_type) == magic;
}

// The agent's own path in the hierarchy holding `controller` ("" : the unified one), from /proc/self/cgroup.
std::optional<std::string> self_path(const std::string& controller) {
  std::ifstream in("/proc/self/cgroup");
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find(':');
    auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    std::string controllers = line.substr(first + 1, second - first - 1);
    std::string path = line.substr(second + 1);
    if (controller.empty()) {
      if (line.compare(0, first, "0") == 0 && controllers.empty()) return path;
      continue;
    }
    std::istringstream list(controllers);
    std::string item;
    while (std::getline(list, item, ','))
      if (item == controller) return path;
  }
  return std::nullopt;
}

// Makes `parent/kthena/name` (the kthena folder is shared by the agent's containers and stays).
std::optional<fs::path> make_dir(const fs::path& base, const std::string& name) {
  std::error_code ec;
  fs::path parent = base / "kthena";
  fs::create_directories(parent, ec);
  fs::path dir = parent / name;
  if (::mkdir(dir.c_str(), 0755) != 0) return std::nullopt;
  return dir;
}

std::optional<int64_t> counter(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  int64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return std::nullopt;
}

std::vector<pid_t> members(const fs::path& dir) {
  std::vector<pid_t> pids;
  auto text = read_file(dir / "cgroup.procs");
  if (!text) return pids;
  std::istringstream in(*text);
  pid_t pid = 0;
  while (in >> pid) pids.push_back(pid);
  return pids;
}

fs::path unified_root() {
  const fs::path root = "/sys/fs/cgroup";
  if (is_fs(root, CGROUP2_SUPER_MAGIC)) return root;
  if (is_fs(root / "unified", CGROUP2_SUPER_MAGIC)) return root / "unified";
  return {};
}

}  // namespace

int Cgroup::remove_leftovers() {
  std::vector<fs::path> parents;
  if (auto v2 = unified_root(); !v2.empty())
    if (auto self = self_path("")) parents.push_back(v2 / fs::path(*self).relative_path() / "kthena");
  for (const char* controller : {"cpu", "memory", "freezer"}) {
    fs::path mount = fs::path("/sys/fs/cgroup") / controller;
    if (auto self = self_path(controller); self && is_fs(mount, CGROUP_SUPER_MAGIC))
      parents.push_back(mount / fs::path(*self).relative_path() / "kthena");
  }
  int removed = 0;
  for (const auto& parent : parents) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec))
      if (entry.is_directory(ec) && ::rmdir(entry.path().c_str()) == 0) ++removed;
  }
  return removed;
}

std::unique_ptr<Cgroup> Cgroup::create(const std::string& name, int64_t cpu_millis, int64_t memory_bytes,
                                       std::vector<std::string>& warnings) {
  auto cg = std::make_unique<Cgroup>(Token{});
  const fs::path root = "/sys/fs/cgroup";
  bool cpu_done = cpu_millis <= 0;
  bool memory_done = memory_bytes <= 0;

  auto adopt = [&](const fs::path& dir) {
    cg->dirs_.push_back(dir);
    cg->procs_fds_.emplace_back(::open((dir / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
  };

  // The unified hierarchy: all of /sys/fs/cgroup (pure v2) or /sys/fs/cgroup/unified (hybrid).
  const fs::path v2_root = unified_root();
  if (auto self = self_path(""); !v2_root.empty() && self) {
    fs::path base = v2_root / fs::path(*self).relative_path();
    // Controllers must be enabled down the path. The agent's own cgroup refuses when the agent lives in it and it
    // is not the root (no processes in inner cgroups): run the agent in a delegated cgroup, in a leaf of its own.
    if (auto available = read_file(base / "cgroup.controllers")) {
      std::string enable;
      for (const char* c : {"cpu", "memory", "pids"})
        if (available->find(c) != std::string::npos) enable += fmt::format("+{} ", c);
      if (!enable.empty()) {
        write_file(base / "cgroup.subtree_control", enable);
        std::error_code ec;
        fs::create_directories(base / "kthena", ec);
        write_file(base / "kthena" / "cgroup.subtree_control", enable);
      }
    }
    if (auto dir = make_dir(base, name)) {
      adopt(*dir);
      if (fs::exists(*dir / "cgroup.kill")) cg->kill_file_ = *dir / "cgroup.kill";
      auto have = read_file(*dir / "cgroup.controllers").value_or("");
      if (!cpu_done && have.find("cpu") != std::string::npos) {
        int64_t quota = std::max(kCfsMinQuotaUs, cpu_millis * kCfsPeriodUs / 1000);
        if (write_file(*dir / "cpu.max", fmt::format("{} {}", quota, kCfsPeriodUs))) {
          cpu_done = true;
          cg->cpu_dir_ = *dir;
        }
      }
      if (have.find("memory") != std::string::npos) {
        cg->memory_dir_ = *dir;
        cg->memory_v2_ = true;
        if (!memory_done) memory_done = write_file(*dir / "memory.max", std::to_string(memory_bytes));
      }
    }
  }

  // v1 hierarchies for what the unified one could not do.
  auto v1 = [&](const std::string& controller) -> std::optional<fs::path> {
    fs::path mount = root / controller;
    if (!is_fs(mount, CGROUP_SUPER_MAGIC)) return std::nullopt;
    auto self = self_path(controller);
    if (!self) return std::nullopt;
    auto dir = make_dir(mount / fs::path(*self).relative_path(), name);
    if (dir) adopt(*dir);
    return dir;
  };
  if (!cpu_done) {
    if (auto dir = v1("cpu")) {
      int64_t quota = std::max(kCfsMinQuotaUs, cpu_millis * kCfsPeriodUs / 1000);
      cpu_done = write_file(*dir / "cpu.cfs_period_us", std::to_string(kCfsPeriodUs)) &&
                 write_file(*dir / "cpu.cfs_quota_us", std::to_string(quota));
      cg->cpu_dir_ = *dir;
    }
  }
  if (cg->memory_dir_.empty() && (memory_bytes > 0)) {
    if (auto dir = v1("memory")) {
      cg->memory_dir_ = *dir;
      memory_done = write_file(*dir / "memory.limit_in_bytes", std::to_string(memory_bytes));
    }
  }
  if (cg->kill_file_.empty()) {
    if (auto dir = v1("freezer")) cg->freezer_dir_ = *dir;
  }

  if (!cpu_done)
    warnings.push_back(
        fmt::format("cpu limit of {}m not enforced: no cpu cgroup controller is available to the agent", cpu_millis));
  if (!memory_done)
    warnings.push_back(fmt::format(
        "memory limit of {} bytes not enforced: no memory cgroup controller is available to the agent", memory_bytes));
  if (cg->dirs_.empty()) {
    warnings.push_back(
        "no cgroup for this container (not root, or no writable cgroup file system): its processes are tracked by "
        "process group and pid namespace only");
    return nullptr;
  }
  return cg;
}

Cgroup::~Cgroup() {
  procs_fds_.clear();
  // A process that just exited can hold its cgroup for a moment (rmdir says EBUSY); wait briefly, then leave the
  // folder behind rather than block the agent.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  for (auto it = dirs_.rbegin(); it != dirs_.rend(); ++it) {
    while (::rmdir(it->c_str()) != 0 && errno == EBUSY && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Cgroup::kill_all() const {
  if (!kill_file_.empty() && write_file(kill_file_, "1")) return;
  if (!freezer_dir_.empty() && write_file(freezer_dir_ / "freezer.state", "FROZEN")) {
    // Frozen processes cannot fork; SIGKILL is delivered when they thaw.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (read_file(freezer_dir_ / "freezer.state").value_or("").rfind("FROZEN", 0) != 0 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (pid_t pid : members(freezer_dir_)) ::kill(pid, SIGKILL);
    write_file(freezer_dir_ / "freezer.state", "THAWED");
    return;
  }
  for (const auto& dir : dirs_)
    for (pid_t pid : members(dir)) ::kill(pid, SIGKILL);
}

bool Cgroup::empty() const {
  for (const auto& dir : dirs_)
    if (!members(dir).empty()) return false;
  return true;
}

bool Cgroup::oom_killed() const {
  if (memory_dir_.empty()) return false;
  auto text = read_file(memory_dir_ / (memory_v2_ ? "memory.events" : "memory.oom_control"));
  return text && counter(*text, "oom_kill").value_or(0) > 0;
}

}  // namespace kthena::node
