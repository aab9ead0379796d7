// Helpers for the router's end-to-end tests: child processes (`kthena engine-sim` fleets and `kthena router`) on
// loopback, a blocking HTTP/1.1 client, and the static files that tie them together.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace kthena::testing {

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_text(const std::filesystem::path& path, const std::string& text) {
  // Write then rename, so that a watcher never reads half a file.
  std::filesystem::path tmp = path.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
  }
  std::filesystem::rename(tmp, path);
}

// A scratch directory removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kthena-router-e2e-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A child process with its stdout and stderr in files; SIGTERM then SIGKILL when destroyed.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { stop(); }

  bool start(const std::vector<std::string>& argv, const std::filesystem::path& log_prefix,
             const std::vector<std::string>& env = {}) {
    out_ = log_prefix.string() + ".out";
    err_ = log_prefix.string() + ".err";
    pid_ = fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      int o = open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      dup2(o, STDOUT_FILENO);
      dup2(e, STDERR_FILENO);
      for (const std::string& kv : env) putenv(const_cast<char*>(kv.c_str()));
      std::vector<char*> args;
      for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
    return true;
  }

  // Waits until `pattern` appears `count` times in stdout or stderr; false on timeout or exit.
  bool wait_for(const std::string& pattern, int count = 1,
                std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::regex re(pattern);
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      std::string text = read_text(out_) + read_text(err_);
      auto begin = std::sregex_iterator(text.begin(), text.end(), re);
      if (std::distance(begin, std::sregex_iterator()) >= count) return true;
      if (!running()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  // The first capture group of `pattern` in the output.
  std::string capture(const std::string& pattern) const {
    std::string text = read_text(out_) + read_text(err_);
    std::smatch m;
    if (std::regex_search(text, m, std::regex(pattern)) && m.size() > 1) return m[1];
    return {};
  }

  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    return true;
  }

  // Sends `signal` and waits for the exit; returns the wait status.
  int stop(int signal = SIGTERM, std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, signal);
    auto deadline = std::chrono::steady_clock::now() + grace;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &exit_status_, 0);
    pid_ = -1;
    return exit_status_;
  }

  std::string output() const { return read_text(out_); }
  std::string errors() const { return read_text(err_); }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  int exit_status_ = 0;
  std::string out_, err_;
};

struct HttpResponse {
  int status = 0;                                   // 0: no response (connection failed or broke before a status line)
  std::multimap<std::string, std::string> headers;  // names lower-cased
  std::string body;                                 // de-chunked
  bool complete = false;                            // the body ended as its framing says
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// One request on a fresh connection ("Connection: close"), blocking, with a deadline.
inline HttpResponse http_request(const std::string& host, uint16_t port, const std::string& method,
                                 const std::string& target, const std::string& body = {},
                                 std::vector<std::pair<std::string, std::string>> headers = {},
                                 std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  HttpResponse r;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return r;
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return r;
  }
  std::string req =
      method + " " + target + " HTTP/1.1\r\nHost: " + host + ":" + std::to_string(port) + "\r\nConnection: close\r\n";
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req += k + ": " + v + "\r\n";
    has_type = has_type || strcasecmp(k.c_str(), "content-type") == 0;
  }
  if (!body.empty() || method == "POST") {
    if (!has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  req += "\r\n" + body;
  for (size_t sent = 0; sent < req.size();) {
    ssize_t n = send(fd, req.data() + sent, req.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buf[65536];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    raw.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos || raw.compare(0, 5, "HTTP/") != 0) return r;
  r.status = std::atoi(raw.c_str() + raw.find(' ') + 1);
  std::istringstream head(raw.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    r.headers.emplace(name, value);
  }
  std::string rest = raw.substr(head_end + 4);
  if (r.header("transfer-encoding") == "chunked") {
    size_t pos = 0;
    for (;;) {
      size_t eol = rest.find("\r\n", pos);
      if (eol == std::string::npos) break;
      size_t size = std::stoul(rest.substr(pos, eol - pos), nullptr, 16);
      if (size == 0) {
        r.complete = true;
        break;
      }
      if (eol + 2 + size > rest.size()) break;
      r.body += rest.substr(eol + 2, size);
      pos = eol + 2 + size + 2;
    }
  } else {
    r.body = rest;
    std::string length = r.header("content-length");
    r.complete = length.empty() || rest.size() == std::stoul(length);
  }
  return r;
}

// A random port below the ephemeral range and a random 127.x.y.1 base, so parallel tests do not collide.
inline std::pair<std::string, uint16_t> random_loopback() {
  std::random_device rd;
  std::mt19937 g(rd());
  std::uniform_int_distribution<int> octet(2, 250), port(20000, 32000);
  return {"127." + std::to_string(octet(g)) + "." + std::to_string(octet(g)) + ".1", static_cast<uint16_t>(port(g))};
}

inline std::string kthena_binary() {
  const char* env = std::getenv("KTHENA_BINARY");
  return env && *env ? env : KTHENA_BINARY;
}

// `count` simulated engines on consecutive loopback IPs and one port.
struct Fleet {
  std::unique_ptr<Process> process = std::make_unique<Process>();
  std::vector<std::string> ips;
  uint16_t port = 0;

  // `fixed_port` != 0 keeps that port (another fleet behind the same ModelServer) and varies only the addresses.
  bool start(const std::filesystem::path& dir, const std::string& name, int count,
             const std::vector<std::string>& engine_args, uint16_t fixed_port = 0) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      auto [base, p] = random_loopback();
      if (fixed_port != 0) p = fixed_port;
      std::vector<std::string> argv = {kthena_binary(),  "engine-sim", "--instances", std::to_string(count),
                                       "--base-address", base,         "--port",      std::to_string(p),
                                       "--threads",      "1"};
      argv.insert(argv.end(), engine_args.begin(), engine_args.end());
      process = std::make_unique<Process>();
      if (!process->start(argv, dir / name)) continue;
      if (!process->wait_for("listening ", count, std::chrono::seconds(10))) {
        process->stop(SIGKILL);
        continue;
      }
      port = p;
      ips.clear();
      std::string prefix = base.substr(0, base.rfind('.') + 1);
      for (int i = 0; i < count; ++i) ips.push_back(prefix + std::to_string(1 + i));
      return true;
    }
    return false;
  }
};

// Engines with their own arguments each (a fleet file), on consecutive loopback IPs and one port.
inline bool start_fleet_file(Fleet& fleet, const std::filesystem::path& dir, const std::string& name,
                             const std::vector<std::vector<std::string>>& engines,
                             const std::vector<std::string>& common) {
  auto quote = [](const std::string& text) {
    std::string out = "\"";
    for (char c : text) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    return out + "\"";
  };
  for (int attempt = 0; attempt < 5; ++attempt) {
    auto [base, port] = random_loopback();
    std::string prefix = base.substr(0, base.rfind('.') + 1);
    std::vector<std::string> ips;
    std::string json = "[";
    for (size_t i = 0; i < engines.size(); ++i) {
      ips.push_back(prefix + std::to_string(1 + i));
      std::vector<std::string> args = engines[i];
      args.insert(args.end(), {"--host", ips.back(), "--port", std::to_string(port)});
      json += i ? ",{\"args\":[" : "{\"args\":[";
      for (size_t j = 0; j < args.size(); ++j) json += (j ? "," : "") + quote(args[j]);
      json += "]}";
    }
    json += "]";
    std::filesystem::path file = dir / (name + ".fleet.json");
    write_text(file, json);
    std::vector<std::string> argv = {kthena_binary(), "engine-sim", "--threads", "1"};
    argv.insert(argv.end(), common.begin(), common.end());
    argv.insert(argv.end(), {"--fleet", file.string()});
    fleet.process = std::make_unique<Process>();
    if (!fleet.process->start(argv, dir / name)) continue;
    if (!fleet.process->wait_for("listening ", static_cast<int>(engines.size()), std::chrono::seconds(10))) {
      fleet.process->stop(SIGKILL);
      continue;
    }
    fleet.ips = ips;
    fleet.port = port;
    return true;
  }
  return false;
}

// The value of a Prometheus sample line "name{...} value" (the first whose text starts with `prefix`), or -1.
inline double sample(const std::string& metrics, const std::string& prefix) {
  size_t at = metrics.find("\n" + prefix);
  if (at == std::string::npos) return -1;
  size_t eol = metrics.find('\n', at + 1);
  std::string line = metrics.substr(at + 1, eol - at - 1);
  return std::stod(line.substr(line.rfind(' ') + 1));
}

inline std::string engine_metrics(const std::string& ip, uint16_t port) {
  return "\n" + http_request(ip, port, "GET", "/metrics").body;
}

// `kthena router --static FILE`, its ports read from its start-up line.
struct Router {
  std::unique_ptr<Process> process = std::make_unique<Process>();
  uint16_t port = 0, metrics_port = 0, debug_port = 0;

  bool start(const std::filesystem::path& dir, const std::filesystem::path& static_file,
             std::vector<std::string> extra_args = {}, std::vector<std::string> env = {}) {
    std::vector<std::string> argv = {kthena_binary(),  "router",      "--static",         static_file.string(),
                                     "--listen",       "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0",
                                     "--debug-listen", "127.0.0.1:0", "--threads",        "2"};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    env.push_back("METRICS_SCRAPE_INTERVAL=200ms");
    if (!process->start(argv, dir / "router", env)) return false;
    if (!process->wait_for("inference listener on port \\d+", 1, std::chrono::seconds(10))) return false;
    port = static_cast<uint16_t>(std::stoi(process->capture("inference listener on port (\\d+)")));
    metrics_port = static_cast<uint16_t>(std::stoi(process->capture("metrics on port (\\d+)")));
    debug_port = static_cast<uint16_t>(std::stoi(process->capture("debug on port (\\d+)")));
    // Ready once the first scrape pass is done.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (http_request("127.0.0.1", port, "GET", "/readyz").status == 200) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }

  HttpResponse post(const std::string& target, const std::string& body,
                    std::vector<std::pair<std::string, std::string>> headers = {}) const {
    return http_request("127.0.0.1", port, "POST", target, body, std::move(headers));
  }
  HttpResponse chat(const std::string& model, const std::string& content, const std::string& extra = {},
                    std::vector<std::pair<std::string, std::string>> headers = {}) const {
    std::string body = R"({"model":")" + model + R"(","messages":[{"role":"user","content":")" + content +
                       R"("}],"max_tokens":4)" + extra + "}";
    return post("/v1/chat/completions", body, std::move(headers));
  }
  std::string metrics() const { return http_request("127.0.0.1", metrics_port, "GET", "/metrics").body; }

  // Access-log lines written so far (one per /v1/ request; the log is written in batches).
  size_t log_lines() const {
    std::string out = process->output();
    size_t n = 0;
    for (size_t at = out.find(" timings="); at != std::string::npos; at = out.find(" timings=", at + 1)) ++n;
    return n;
  }
  // Waits (up to 10 s) until the access log holds `n` lines.
  bool wait_log_lines(size_t n) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (log_lines() >= n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
  }

  // The snapshot generation the debug listener reports: it moves with every change the router applied.
  uint64_t generation() const {
    std::string body = http_request("127.0.0.1", debug_port, "GET", "/debug/status").body;
    std::smatch m;
    if (!std::regex_search(body, m, std::regex("\"generation\":(\\d+)"))) return 0;
    return std::stoull(m[1]);
  }
  // Waits (up to 10 s) for the router to apply a change made after it reported `generation`.
  bool wait_generation_above(uint64_t generation) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (this->generation() > generation) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // A number that /debug/status reports, or -1.
  int64_t status_field(const std::string& name) const {
    std::string body = http_request("127.0.0.1", debug_port, "GET", "/debug/status").body;
    std::smatch m;
    if (!std::regex_search(body, m, std::regex("\"" + name + "\":(\\d+)"))) return -1;
    return std::stoll(m[1]);
  }
  // Waits (up to 10 s) until /debug/status reports `value` for `name`.
  bool wait_status(const std::string& name, int64_t value) const {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (status_field(name) == value) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  // Waits (up to 10 s) until `n` more metrics scrape passes have completed.
  bool wait_scrapes(int n) const {
    auto passes = [this] {
      std::string body = http_request("127.0.0.1", debug_port, "GET", "/debug/status").body;
      std::smatch m;
      if (!std::regex_search(body, m, std::regex("\"scrapePasses\":(\\d+)"))) return uint64_t{0};
      return static_cast<uint64_t>(std::stoull(m[1]));
    };
    uint64_t target = passes() + static_cast<uint64_t>(n);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
      if (passes() >= target) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
};

// The ModelServer/Pod documents of a fleet: pods <name>-<i> labelled app=<name> (plus `labels`) on the fleet's IPs.
inline std::string pods_yaml(const std::string& name, const Fleet& fleet, const std::string& labels = {}) {
  std::string out;
  for (size_t i = 0; i < fleet.ips.size(); ++i) {
    out += "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name + "-" + std::to_string(i) +
           "\n  labels: {app: " + name + (labels.empty() ? "" : ", " + labels) + "}\nstatus: {podIP: " + fleet.ips[i] +
           "}\n";
  }
  return out;
}

inline std::string model_server_yaml(const std::string& name, const Fleet& fleet, const std::string& served_model,
                                     const std::string& engine = "vLLM", const std::string& extra_spec = {}) {
  return "---\napiVersion: networking.serving.volcano.sh/v1alpha1\nkind: ModelServer\nmetadata: {name: " + name +
         "}\nspec:\n  model: " + served_model + "\n  inferenceEngine: " + engine +
         "\n  workloadSelector: {matchLabels: {app: " + name +
         "}}\n  workloadPort: {port: " + std::to_string(fleet.port) + "}\n" + extra_spec;
}

// Counts " selected_pod=<prefix>..." in an access log, per pod.
inline std::map<std::string, int> selected_pods(const std::string& log) {
  std::map<std::string, int> out;
  std::regex re(" selected_pod=(\\S+)");
  for (auto it = std::sregex_iterator(log.begin(), log.end(), re); it != std::sregex_iterator(); ++it) {
    ++out[(*it)[1]];
  }
  return out;
}

}  // namespace kthena::testing
