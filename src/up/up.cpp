#include "up/up.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <ostream>
#include <thread>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/json.h"
#include "up/supervisor.h"

namespace kthena::up {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The server the simulation profile declares: big enough for upstream's examples (8-NPU and 8-GPU servers).
constexpr const char* kSimulatedCapacity = "cpu=64,memory=512Gi";
const std::vector<std::string> kSimulatedAccelerators = {"huawei.com/ascend-1980=16", "nvidia.com/gpu=8"};
// The uid pods run as by default (docs/node.md): it must be able to reach the node's data folder.
constexpr uid_t kPodUser = 65534;

struct HostPort {
  std::string host;
  int port = 0;
  std::string text() const { return host + ":" + std::to_string(port); }
};

Result<HostPort> parse_listen(const std::string& text, const std::string& flag) {
  auto colon = text.rfind(':');
  HostPort hp;
  if (colon == std::string::npos || colon == 0) return fail(ErrorCode::kInvalid, "want HOST:PORT", flag);
  hp.host = text.substr(0, colon);
  try {
    size_t used = 0;
    hp.port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1 || hp.port < 0 || hp.port > 65535) throw std::out_of_range("port");
  } catch (const std::exception&) {
    return fail(ErrorCode::kInvalid, "want HOST:PORT with a port in 0-65535", flag);
  }
  return hp;
}

// Port 0 becomes a free port now, so that every component (and a restarted API server) agrees on one address.
Result<HostPort> concrete(HostPort hp, const std::string& flag) {
  if (hp.port != 0) return hp;
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (fd < 0 || ::inet_pton(AF_INET, hp.host.c_str(), &addr.sin_addr) != 1 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int e = errno;
    if (fd >= 0) ::close(fd);
    return fail(ErrorCode::kInvalid, "cannot pick a free port on " + hp.host + ": " + ::strerror(e), flag);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  hp.port = ntohs(addr.sin_port);
  return hp;
}

bool accepts_connections(const HostPort& hp) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(hp.port));
  bool ok = ::inet_pton(AF_INET, hp.host == "0.0.0.0" ? "127.0.0.1" : hp.host.c_str(), &addr.sin_addr) == 1 &&
            ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

std::string last_lines(const std::string& text, size_t count) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') pos--;
  for (size_t n = 0; n < count && pos != std::string::npos && pos > 0; n++) pos = text.rfind('\n', pos - 1);
  return pos == std::string::npos || pos == 0 ? text : text.substr(pos + 1);
}

// Waits until `ready` holds for the component, or fails when it exits first (a port taken, a bad config): at start a
// crash is reported with its log rather than restarted forever.
enum class Wait { kReady, kStopped, kFailed };
Wait wait_ready(Supervisor& supervisor, const std::string& name, const std::function<bool()>& ready,
                std::chrono::seconds timeout, std::ostream& err) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return Wait::kReady;
    if (!supervisor.running(name) || supervisor.starts(name) > 1) {
      err << "kthena up: " << name << " did not start; the end of its log:\n"
          << last_lines(supervisor.output_since_start(name), 20) << "\n";
      return Wait::kFailed;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      err << "kthena up: " << name << " did not become ready within " << timeout.count() << " s; the end of its log:\n"
          << last_lines(supervisor.output_since_start(name), 20) << "\n";
      return Wait::kFailed;
    }
    if (!supervisor.poll(100ms)) return Wait::kStopped;
  }
}

// Holds DIR/up.lock for the life of `kthena up`: two supervisors on one directory would run two API servers on one
// database and two node agents on one set of pods.
class DirectoryLock {
 public:
  static Result<DirectoryLock> acquire(const fs::path& dir) {
    fs::path path = dir / "up.lock";
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return fail(ErrorCode::kIo, std::string("cannot open: ") + ::strerror(errno), path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char pid[32] = {};
      [[maybe_unused]] auto n = ::pread(fd, pid, sizeof pid - 1, 0);
      ::close(fd);
      return fail(ErrorCode::kConflict,
                  "another kthena up runs on this data directory (pid " + std::string(pid) +
                      "); stop it or choose another --data-dir",
                  dir);
    }
    std::string me = std::to_string(::getpid());
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, me.data(), me.size(), 0) < 0) {
      ::close(fd);
      return fail(ErrorCode::kIo, std::string("cannot write: ") + ::strerror(errno), path);
    }
    return DirectoryLock(fd);
  }
  DirectoryLock(DirectoryLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  DirectoryLock& operator=(DirectoryLock&&) = delete;
  ~DirectoryLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  explicit DirectoryLock(int fd) : fd_(fd) {}
  int fd_;
};

// Pods run as an unprivileged user (docs/node.md): every folder above the node's data must let it pass.
Result<void> check_reachable_by_pods(const fs::path& node_dir) {
  if (::geteuid() != 0) return {};
  for (fs::path p = node_dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) == 0 && st.st_uid != kPodUser && (st.st_mode & S_IXOTH) == 0) {
      char mode[8];
      std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
      return fail(ErrorCode::kInvalid,
                  "pods run as an unprivileged user, which cannot pass " + p.string() + " (mode " + mode +
                      "); choose a --data-dir outside it (the default for root is /var/lib/kthena)",
                  "--data-dir");
    }
    if (p == p.root_path()) break;
  }
  return {};
}

Result<void> write_file(const fs::path& path, const std::string& text, fs::perms perms) {
  fs::path temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    if (!out.flush()) return fail(ErrorCode::kIo, "cannot write", temp);
  }
  std::error_code ec;
  fs::permissions(temp, perms, ec);
  fs::rename(temp, path, ec);
  if (ec) return fail(ErrorCode::kIo, ec.message(), path);
  return {};
}

// The API server's one line on stdout, "serving URL kubeconfig PATH", among its log lines.
std::string api_url_from(const std::string& output) {
  constexpr std::string_view kPrefix = "serving ";
  for (size_t start = 0; start < output.size();) {
    size_t end = output.find('\n', start);
    if (end == std::string::npos) break;  // a line still being written
    std::string_view line(output.data() + start, end - start);
    if (line.starts_with(kPrefix)) {
      line.remove_prefix(kPrefix.size());
      return std::string(line.substr(0, line.find(' ')));
    }
    start = end + 1;
  }
  return {};
}

}  // namespace

fs::path default_data_dir() {
  if (::geteuid() == 0) return "/var/lib/kthena";
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".kthena";
}

int run_up(const UpOptions& options, std::ostream& out, std::ostream& err) {
  // Before any thread starts: the supervisor's signals must be blocked in every thread.
  Supervisor supervisor(out);

  fs::path dir = options.data_dir.empty() ? default_data_dir() : options.data_dir;
  std::error_code ec;
  dir = fs::absolute(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) {
    err << "kthena up: --data-dir " << dir.string() << ": " << ec.message() << "\n";
    return 1;
  }
  // The node's folder holds the pods' files, which their unprivileged users read; the API server keeps its secrets
  // in its own folder of mode 0700.
  fs::permissions(dir, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec, ec);
  auto lock = DirectoryLock::acquire(dir);
  if (!lock) {
    err << "kthena up: " << lock.error().to_string() << "\n";
    return 1;
  }
  if (auto reachable = check_reachable_by_pods(dir / "node"); !reachable) {
    err << "kthena up: " << reachable.error().to_string() << "\n";
    return 1;
  }
  auto api = parse_listen(options.api_listen, "--api-listen").and_then([](HostPort hp) {
    return concrete(hp, "--api-listen");
  });
  auto router = parse_listen(options.router_listen, "--router-listen").and_then([](HostPort hp) {
    return concrete(hp, "--router-listen");
  });
  auto router_metrics = router ? concrete({router->host, 0}, "--router-listen") : router;
  for (const auto* r : {&api, &router, &router_metrics}) {
    if (!*r) {
      err << "kthena up: " << r->error().to_string() << "\n";
      return 1;
    }
  }

  const std::string bin = options.kthena_binary.string();
  fs::path logs = dir / "logs";
  fs::path kubeconfig = dir / "kubeconfig";
  out << "kthena up: data in " << dir.string() << ", component logs in " << logs.string() << std::endl;

  auto started =
      supervisor.start({.name = "apiserver",
                        .argv = {bin, "apiserver", "--data-dir", (dir / "apiserver").string(), "--listen", api->text()},
                        .log = logs / "apiserver.log"});
  if (!started) {
    err << "kthena up: " << started.error().to_string() << "\n";
    return 1;
  }
  auto waited = wait_ready(
      supervisor, "apiserver", [&] { return !api_url_from(supervisor.output_since_start("apiserver")).empty(); }, 60s,
      err);
  if (waited != Wait::kReady) return waited == Wait::kStopped ? 0 : 1;
  std::string api_url = api_url_from(supervisor.output_since_start("apiserver"));
  fs::copy_file(dir / "apiserver" / "kubeconfig", kubeconfig, fs::copy_options::overwrite_existing, ec);
  fs::permissions(kubeconfig, fs::perms::owner_read | fs::perms::owner_write, ec);
  if (ec) {
    err << "kthena up: cannot copy the API server's kubeconfig to " << kubeconfig.string() << ": " << ec.message()
        << "\n";
    return 1;
  }

  // Each component its own identity (the API server's DIR/components/<name>.kubeconfig), so that each has its own
  // share of the API server and the request log says who did what.
  auto component_kubeconfig = [&](const char* component) {
    return (dir / "apiserver" / "components" / (std::string(component) + ".kubeconfig")).string();
  };
  started = supervisor.start({.name = "controller-manager",
                              .argv = {bin, "controller-manager", "--kubeconfig",
                                       component_kubeconfig("controller-manager"), "--metrics-listen", ""},
                              .log = logs / "controller-manager.log"});
  std::vector<std::string> node_argv = {
      bin, "node", "--kubeconfig", component_kubeconfig("node"), "--data-dir", (dir / "node").string()};
  bool simulated_server = options.node_config.empty();
  if (!simulated_server) node_argv.insert(node_argv.end(), {"--config", fs::absolute(options.node_config).string()});
  std::string capacity = options.capacity.empty() && simulated_server ? kSimulatedCapacity : options.capacity;
  if (!capacity.empty()) node_argv.insert(node_argv.end(), {"--capacity", capacity});
  std::vector<std::string> accelerators =
      options.accelerators.empty() && simulated_server ? kSimulatedAccelerators : options.accelerators;
  for (const std::string& a : accelerators) node_argv.insert(node_argv.end(), {"--accelerator", a});
  if (options.loopback_network) node_argv.push_back("--loopback-network");
  if (started) {
    // The node stops its pods when it stops: their grace periods (30 s by default) run at once.
    started = supervisor.start({.name = "node", .argv = node_argv, .log = logs / "node.log", .stop_grace = 45s});
  }
  if (!started) {
    err << "kthena up: " << started.error().to_string() << "\n";
    return 1;
  }
  waited = wait_ready(
      supervisor, "node",
      [&] {
        std::string text = supervisor.output_since_start("node");
        return text.find("node ") != std::string::npos && text.find(" started") != std::string::npos;
      },
      60s, err);
  if (waited != Wait::kReady) return waited == Wait::kStopped ? 0 : 1;

  started =
      supervisor.start({.name = "router",
                        .argv = {bin, "router", "--kubeconfig", component_kubeconfig("router"), "--listen",
                                 router->text(), "--metrics-listen", router_metrics->text(), "--debug-listen", ""},
                        .log = logs / "router.log"});
  if (!started) {
    err << "kthena up: " << started.error().to_string() << "\n";
    return 1;
  }
  waited = wait_ready(
      supervisor, "router", [&] { return accepts_connections(*router); }, 60s, err);
  if (waited != Wait::kReady) return waited == Wait::kStopped ? 0 : 1;

  Json endpoints = {{"apiserver", api_url},
                    {"router", "http://" + router->text()},
                    {"routerMetrics", "http://" + router_metrics->text() + "/metrics"},
                    {"kubeconfig", kubeconfig.string()},
                    {"pid", ::getpid()}};
  if (auto written =
          write_file(dir / "endpoints.json", endpoints.dump(2) + "\n", fs::perms::owner_read | fs::perms::owner_write);
      !written) {
    err << "kthena up: " << written.error().to_string() << "\n";
    return 1;
  }
  out << "kthena up: API server  " << api_url << "\n"
      << "kthena up: router      http://" << router->text() << "  (OpenAI API: /v1/chat/completions, /v1/models)\n"
      << "kthena up: metrics     http://" << router_metrics->text() << "/metrics\n"
      << "kthena up: kubeconfig  " << kubeconfig.string() << "  (export KUBECONFIG=" << kubeconfig.string() << ")\n";
  if (simulated_server) {
    out << "kthena up: node: simulation profile: engine images run on `kthena engine-sim`, the downloader in its "
           "dry-run mode; declared "
        << capacity;
    for (const std::string& a : accelerators) out << ", " << a;
    out << " (--node-config for real engines)\n";
  }
  out << "kthena up: ready; Ctrl-C stops everything" << std::endl;

  {
    // Applying and following the models talk to the API server from their own thread, so that the supervisor
    // keeps restarting components meanwhile.
    std::jthread deploy;
    if (options.when_ready) {
      Platform platform{kubeconfig, api_url, "http://" + router->text()};
      deploy = std::jthread([&options, platform](std::stop_token stop) { options.when_ready(platform, stop); });
    }
    while (supervisor.poll(500ms)) {
    }
  }
  supervisor.stop_all();
  fs::remove(dir / "endpoints.json", ec);
  out << "kthena up: stopped" << std::endl;
  return 0;
}

}  // namespace kthena::up
