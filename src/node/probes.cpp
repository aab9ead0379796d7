#include "node/probes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "node/unique_fd.h"

namespace kthena::node {
namespace {

using namespace std::chrono_literals;

int int_field(const Json& object, const char* key, int fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_number_integer() ? it->get<int>() : fallback;
}

// Connects within `timeout`; the socket stays non-blocking (reads below poll).
Result<UniqueFd> connect_to(const std::string& host, int port, std::chrono::milliseconds timeout) {
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) {
    addrinfo hints{}, *found = nullptr;
    hints.ai_family = AF_INET;
    if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
      return fail(ErrorCode::kIo, fmt::format("dial tcp: lookup {}: no such host", host));
    }
    addr.sin_addr = reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr;
    freeaddrinfo(found);
  }
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd) return fail(ErrorCode::kIo, std::strerror(errno));
  std::string where = fmt::format("{}:{}", host, port);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 && errno != EINPROGRESS) {
    return fail(ErrorCode::kIo, fmt::format("dial tcp {}: connect: {}", where, std::strerror(errno)));
  }
  pollfd p{fd.get(), POLLOUT, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) {
    return fail(ErrorCode::kTimeout, fmt::format("dial tcp {}: i/o timeout", where));
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail(ErrorCode::kIo, fmt::format("dial tcp {}: connect: {}", where, std::strerror(err)));
  return fd;
}

Result<int> resolve_port(const Json& port, const Json& container) {
  if (port.is_number_integer()) return port.get<int>();
  if (port.is_string()) {
    std::string name = port.get<std::string>();
    for (const Json& p : container.value("ports", Json::array())) {
      if (p.value("name", "") == name) return p.value("containerPort", 0);
    }
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) return std::stoi(name);
    return fail(ErrorCode::kInvalid, fmt::format("port {:?} is not a named port of the container", name));
  }
  return fail(ErrorCode::kInvalid, "probe port is missing");
}

ProbeOutcome http_get(const Json& get, const std::string& pod_ip, const Json& container,
                      std::chrono::milliseconds timeout) {
  auto port = resolve_port(get.value("port", Json()), container);
  if (!port) return {false, port.error().message};
  std::string scheme = get.value("scheme", "HTTP");
  std::string host = get.value("host", pod_ip);
  std::string path = get.value("path", "/");
  if (path.empty() || path[0] != '/') path = "/" + path;
  std::string url = fmt::format("{}://{}:{}{}", scheme == "HTTPS" ? "https" : "http", host, *port, path);
  if (scheme == "HTTPS") return {false, fmt::format("Get {:?}: HTTPS probes are not supported by kthena node", url)};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto fd = connect_to(host, *port, timeout);
  if (!fd) return {false, fmt::format("Get {:?}: {}", url, fd.error().message)};
  std::string request = fmt::format("GET {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: kube-probe/1.32\r\nAccept: */*\r\n",
                                    path, host, *port);
  for (const Json& h : get.value("httpHeaders", Json::array())) {
    request += fmt::format("{}: {}\r\n", h.value("name", ""), h.value("value", ""));
  }
  request += "Connection: close\r\n\r\n";
  if (::send(fd->get(), request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    return {false, fmt::format("Get {:?}: write: {}", url, std::strerror(errno))};
  }
  std::string head;
  while (head.find("\r\n") == std::string::npos && head.size() < 4096) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{fd->get(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      return {false, fmt::format("Get {:?}: context deadline exceeded (Client.Timeout exceeded while awaiting "
                                 "headers)",
                                 url)};
    }
    char buf[1024];
    ssize_t n = ::recv(fd->get(), buf, sizeof buf, 0);
    if (n <= 0) return {false, fmt::format("Get {:?}: EOF", url)};
    head.append(buf, static_cast<size_t>(n));
  }
  // "HTTP/1.1 200 OK": 200 <= code < 400 passes, as the kubelet's prober.
  int code = 0;
  if (auto sp = head.find(' '); sp != std::string::npos) code = std::atoi(head.c_str() + sp + 1);
  if (code >= 200 && code < 400) return {true, ""};
  return {false, fmt::format("HTTP probe failed with statuscode: {}", code)};
}

}  // namespace

ProbeOutcome run_probe(const Json& probe, const std::string& host, const Json& container, ContainerProcess* process) {
  std::chrono::milliseconds timeout = std::chrono::seconds(std::max(1, int_field(probe, "timeoutSeconds", 1)));
  if (probe.contains("httpGet")) return http_get(probe["httpGet"], host, container, timeout);
  if (probe.contains("tcpSocket")) {
    const Json& tcp = probe["tcpSocket"];
    auto port = resolve_port(tcp.value("port", Json()), container);
    if (!port) return {false, port.error().message};
    auto fd = connect_to(tcp.value("host", host), *port, timeout);
    if (!fd) return {false, fd.error().message};
    return {true, ""};
  }
  if (probe.contains("exec")) {
    if (process == nullptr) return {false, "the container is not running"};
    std::vector<std::string> argv;
    for (const Json& a : probe["exec"].value("command", Json::array())) {
      if (a.is_string()) argv.push_back(a.get<std::string>());
    }
    if (argv.empty()) return {false, "exec probe has no command"};
    auto ran = process->exec(argv, timeout);
    if (!ran) return {false, ran.error().message};
    if (ran->exit_code == 0) return {true, ""};
    return {false, ran->output.empty() ? fmt::format("command exited with {}", ran->exit_code) : ran->output};
  }
  if (probe.contains("grpc")) return {false, "gRPC probes are not supported by kthena node"};
  return {false, "the probe has no handler (httpGet, tcpSocket or exec)"};
}

std::vector<std::string> cap_initial_delays(Json& container, ProbeDelayCaps caps) {
  std::vector<std::string> capped;
  for (const char* kind : {"startupProbe", "livenessProbe", "readinessProbe"}) {
    auto probe = container.find(kind);
    if (probe == container.end() || !probe->is_object()) continue;
    const int delay = int_field(*probe, "initialDelaySeconds", 0);
    const int max_seconds = std::string_view(kind) == "livenessProbe" ? caps.liveness : caps.ready;
    if (delay <= max_seconds) continue;
    (*probe)["initialDelaySeconds"] = max_seconds;
    capped.push_back(fmt::format("{} {} s to {} s", kind, delay, max_seconds));
  }
  return capped;
}

ProbeTracker::ProbeTracker(const Json& probe, Clock::time_point started, bool initially_passing)
    : initial_delay_(std::chrono::seconds(int_field(probe, "initialDelaySeconds", 0))),
      period_(std::chrono::seconds(std::max(1, int_field(probe, "periodSeconds", 10)))),
      success_threshold_(std::max(1, int_field(probe, "successThreshold", 1))),
      failure_threshold_(std::max(1, int_field(probe, "failureThreshold", 3))),
      started_(started),
      next_(started + initial_delay_),
      passing_(initially_passing) {}

bool ProbeTracker::due(Clock::time_point now) const {
  return now >= next_;
}

bool ProbeTracker::record(const ProbeOutcome& outcome, Clock::time_point now) {
  next_ = now + period_;
  bool before = passing_;
  if (outcome.ok) {
    failures_ = 0;
    if (++successes_ >= success_threshold_) passing_ = true;
  } else {
    successes_ = 0;
    last_message_ = outcome.message;
    if (++failures_ >= failure_threshold_) passing_ = false;
  }
  return passing_ != before;
}

}  // namespace kthena::node
