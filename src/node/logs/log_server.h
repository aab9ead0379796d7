// The agent's kubelet endpoint, as far as the API server needs one: `GET /containerLogs/{namespace}/{pod}/{container}`
// with the kubelet's query parameters (follow, previous, timestamps, tailLines, limitBytes, sinceSeconds, sinceTime),
// answered with the container's log as text, streamed. The API server's `pods/log` subresource proxies to it; nothing
// else is meant to call it. Requests must carry `Authorization: Bearer <token>`: the token of the kubeconfig the agent
// itself uses, or one the API server vouches for (a TokenReview, as a kubelet's webhook authentication does: the API
// server presents the administrator's token, while the agent has an identity of its own), else 401.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/result.h"
#include "http/server.h"
#include "node/logs/log_collector.h"
#include "node/logs/log_reader.h"

namespace kthena::node {

struct LogLocation {
  std::filesystem::path log;  // the container's current log (log_file.h names the others after it)
  std::string waiting;        // the container's waiting reason when it is waiting ("ContainerCreating", ...)
};

// Finds the log of `container` of pod `ns/pod` on this node; kNotFound naming the pod or the container. Called on the
// server's thread.
using LogLocator =
    std::function<Result<LogLocation>(const std::string& ns, const std::string& pod, const std::string& container)>;

// The query of a /containerLogs request: the kubelet's parameters, each checked (kBadRequest naming the parameter).
struct LogQuery {
  LogReadOptions read;
  bool previous = false;  // the previous instance's log
};
Result<LogQuery> parse_log_query(std::string_view query, LogClock::time_point now);

struct LogServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port ([v6]:port); port 0: the kernel picks one
  std::string token;                   // required as a bearer token; empty: none (then loopback addresses only)
  // A follower at the end of the log looks for more this often.
  std::chrono::milliseconds follow_poll{100};
  // Asks the API server whether a token other than `token` authenticates (TokenReview). May block: it runs on the
  // endpoint's own thread, once per token per `review_ttl`. Unset: only `token` is accepted.
  std::function<bool(const std::string& token)> review_token;
  std::chrono::seconds review_ttl{60};
};

class LogServer {
 public:
  // kInvalid naming --logs-listen for a bad address, or a non-loopback one without a token.
  static Result<std::unique_ptr<LogServer>> start(LogServerOptions options, LogLocator locate,
                                                  const LogCollector& collector);
  ~LogServer();
  LogServer(const LogServer&) = delete;
  LogServer& operator=(const LogServer&) = delete;

  const std::string& host() const { return host_; }  // as listened on ("0.0.0.0" for every address)
  uint16_t port() const { return server_->port(); }
  // Connections open now (streams being followed among them). Any thread.
  size_t connections() const { return server_->connections(); }
  // Ends the streams still open after `grace`; idempotent. Not on the server's thread.
  void shutdown(std::chrono::milliseconds grace);

 private:
  LogServer(LogServerOptions options, LogLocator locate, const LogCollector& collector);
  http::asio::awaitable<void> handle(http::Exchange& exchange);
  bool authorized(const http::Exchange& exchange);

  LogServerOptions options_;
  LogLocator locate_;
  const LogCollector& collector_;
  std::string host_;
  // Tokens the API server vouched for, until when. Only the endpoint's one reactor thread touches it.
  std::unordered_map<std::string, std::chrono::steady_clock::time_point> reviewed_;
  http::ReactorPool reactors_{1};
  std::unique_ptr<http::Server> server_;
  bool stopped_ = false;
};

}  // namespace kthena::node
