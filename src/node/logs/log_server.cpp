#include "node/logs/log_server.h"

#include <arpa/inet.h>

#include <charconv>

#include <fmt/format.h>
#include <openssl/crypto.h>
#include <spdlog/spdlog.h>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "api/values/rfc3339_time.h"
#include "http/bearer_token.h"
#include "http/header.h"
#include "http/loopback.h"
#include "http/query_params.h"

namespace kthena::node {
namespace {

namespace asio = http::asio;
constexpr std::string_view kPrefix = "/containerLogs/";

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

Result<HostPort> parse_listen(const std::string& listen) {
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalid, fmt::format("\"{}\": {}", listen, why), "--logs-listen");
  };
  std::string host, port;
  if (!listen.empty() && listen[0] == '[') {
    size_t close = listen.find(']');
    if (close == std::string::npos || close + 1 >= listen.size() || listen[close + 1] != ':')
      return bad("expected [host]:port");
    host = listen.substr(1, close - 1);
    port = listen.substr(close + 2);
  } else {
    size_t colon = listen.rfind(':');
    if (colon == std::string::npos) return bad("expected host:port");
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
    return bad("invalid port \"" + port + "\"");
  if (host.empty()) host = "0.0.0.0";
  return HostPort{host, static_cast<uint16_t>(value)};
}

// The kubelet answers its errors as text; the API server turns them into a Status with the same code.
asio::awaitable<void> respond_text(http::Exchange& ex, int status, std::string message) {
  (void)co_await ex.respond(status, "text/plain; charset=utf-8", message);
}

Result<std::optional<int64_t>> positive(const http::QueryParams& q, std::string_view name, int64_t min) {
  auto value = q.integer(name);
  if (!value) return fail(value.error());
  if (*value && **value < min)
    return fail(ErrorCode::kBadRequest, fmt::format("invalid value for {}: {}: must be {}", name, **value,
                                                    min == 0 ? "greater than or equal to 0" : "greater than 0"));
  return *value;
}

// Splits "{ns}/{pod}/{container}"; false unless exactly three non-empty names.
bool split_target(std::string_view rest, std::string parts[3]) {
  for (int i = 0; i < 3; ++i) {
    size_t slash = rest.find('/');
    if ((slash == std::string_view::npos) != (i == 2)) return false;
    parts[i] = std::string(rest.substr(0, slash));
    if (parts[i].empty()) return false;
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
  }
  return true;
}

int open_status(const Error& error) {
  return error.code == ErrorCode::kNotFound ? 400 : 500;
}

// The kubelet's words for a log that is not there (g++ 12 mishandles temporaries in ?: inside coroutines, so the
// handler calls this).
std::string open_failure(const Error& error, const LogQuery& query, const std::string names[3],
                         const LogLocation& where) {
  if (error.code != ErrorCode::kNotFound) return error.message;
  if (query.previous)
    return fmt::format("previous terminated container \"{}\" in pod \"{}\" not found", names[2], names[1]);
  return fmt::format("container \"{}\" in pod \"{}\" is waiting to start: {}", names[2], names[1],
                     where.waiting.empty() ? "ContainerCreating" : where.waiting);
}

}  // namespace

Result<LogQuery> parse_log_query(std::string_view query, LogClock::time_point now) {
  auto q = http::QueryParams::parse(query);
  if (!q) return fail(q.error());
  LogQuery out;
  for (auto [name, flag] : {std::pair<const char*, bool*>{"follow", &out.read.follow},
                            {"timestamps", &out.read.timestamps},
                            {"previous", &out.previous}}) {
    auto value = q->flag(name);
    if (!value) return fail(value.error());
    *flag = *value;
  }
  auto tail = positive(*q, "tailLines", 0);
  if (!tail) return fail(tail.error());
  out.read.tail_lines = *tail;
  auto limit = positive(*q, "limitBytes", 1);
  if (!limit) return fail(limit.error());
  out.read.limit_bytes = *limit;
  auto since_seconds = positive(*q, "sinceSeconds", 1);
  if (!since_seconds) return fail(since_seconds.error());
  std::string since_time = q->get("sinceTime");
  if (*since_seconds && !since_time.empty())
    return fail(ErrorCode::kBadRequest, "at most one of sinceTime or sinceSeconds may be specified");
  if (*since_seconds) out.read.since = now - std::chrono::seconds(**since_seconds);
  if (!since_time.empty()) {
    auto time = api::parse_rfc3339(since_time);
    if (!time) return fail(ErrorCode::kBadRequest, "invalid value for sinceTime: " + time.error().message);
    out.read.since = std::chrono::time_point_cast<LogClock::duration>(*time);
  }
  return out;
}

LogServer::LogServer(LogServerOptions options, LogLocator locate, const LogCollector& collector)
    : options_(std::move(options)), locate_(std::move(locate)), collector_(collector) {}

LogServer::~LogServer() {
  shutdown(std::chrono::milliseconds(0));
}

Result<std::unique_ptr<LogServer>> LogServer::start(LogServerOptions options, LogLocator locate,
                                                    const LogCollector& collector) {
  auto listen = parse_listen(options.listen);
  if (!listen) return fail(listen.error());
  if (options.token.empty() && !http::is_loopback_host(listen->host))
    return fail(ErrorCode::kInvalid,
                fmt::format("refusing to serve container logs on {} without a token: the agent's kubeconfig has no "
                            "bearer token to require, so anyone who can reach the address could read every log",
                            listen->host),
                "--logs-listen");
  std::unique_ptr<LogServer> self(new LogServer(std::move(options), std::move(locate), collector));
  self->host_ = listen->host;
  self->reactors_.start();
  http::ServerOptions server_options;
  server_options.address = listen->host;
  server_options.port = listen->port;
  server_options.accept = http::ServerOptions::Accept::kOneReactor;
  server_options.max_body_size = 4096;  // GET requests only
  LogServer* raw = self.get();
  auto server =
      http::Server::start(self->reactors_, server_options, [raw](http::Exchange& ex) { return raw->handle(ex); });
  if (!server) {
    self->reactors_.stop();
    return fail(ErrorCode::kIo, server.error().message, "--logs-listen");
  }
  self->server_ = std::move(*server);
  return self;
}

void LogServer::shutdown(std::chrono::milliseconds grace) {
  if (stopped_) return;
  stopped_ = true;
  if (server_) server_->shutdown(grace);
  reactors_.stop();
}

bool LogServer::authorized(const http::Exchange& ex) {
  if (options_.token.empty()) return true;
  std::string_view token = http::bearer_token(ex.header("Authorization"));
  if (token.empty()) return false;
  // Constant time: the comparison tells nothing about how much of the token was right.
  if (token.size() == options_.token.size() && CRYPTO_memcmp(token.data(), options_.token.data(), token.size()) == 0) {
    return true;
  }
  if (!options_.review_token || token.size() > 4096) return false;
  const auto now = std::chrono::steady_clock::now();
  std::string presented(token);
  if (auto it = reviewed_.find(presented); it != reviewed_.end()) {
    if (now < it->second) return true;
    reviewed_.erase(it);
  }
  // Only tokens the API server vouched for are remembered, so guessing fills nothing; each guess costs a review.
  if (!options_.review_token(presented)) return false;
  if (reviewed_.size() >= 64) reviewed_.clear();
  reviewed_[presented] = now + options_.review_ttl;
  return true;
}

asio::awaitable<void> LogServer::handle(http::Exchange& ex) {
  if (!authorized(ex)) co_return co_await respond_text(ex, 401, "Unauthorized");
  std::string_view path = ex.path();
  std::string names[3];
  if (!path.starts_with(kPrefix) || !split_target(path.substr(kPrefix.size()), names))
    co_return co_await respond_text(
        ex, 404, "404 page not found: this endpoint serves /containerLogs/{namespace}/{pod}/{container}");
  if (ex.method() != "GET") co_return co_await respond_text(ex, 405, "only GET is served here");
  auto query = parse_log_query(ex.request().query(), LogClock::now());
  if (!query) co_return co_await respond_text(ex, 400, query.error().message);
  auto where = locate_(names[0], names[1], names[2]);
  if (!where) co_return co_await respond_text(ex, 404, where.error().message);

  std::filesystem::path log = where->log;
  std::function<bool()> writing;
  if (!query->previous) {
    // Following stops when the instance writing the log now ends (a restart starts another log).
    std::optional<uint64_t> instance = collector_.instance(log);
    if (instance) writing = [this, log, instance] { return collector_.instance(log) == instance; };
  } else {
    log = previous_log_path(log);
  }
  auto reader = LogReader::open(log, query->read, std::move(writing));
  if (!reader)
    co_return co_await respond_text(ex, open_status(reader.error()),
                                    open_failure(reader.error(), *query, names, *where));
  http::Header headers[] = {{"Content-Type", "text/plain; charset=utf-8"}};
  if (!co_await ex.begin_stream(200, headers)) co_return;
  asio::steady_timer timer(ex.executor());
  bool failed = false;
  bool stayed = co_await ex.until_disconnect([&]() -> asio::awaitable<void> {
    std::string out;
    for (;;) {
      out.clear();
      LogReader::Step step = reader->read(out);
      if (!out.empty()) {
        auto written = co_await ex.write(out);
        if (!written) {
          failed = true;
          co_return;
        }
      }
      if (step == LogReader::Step::kEnd) co_return;
      if (step == LogReader::Step::kIdle) {
        timer.expires_after(options_.follow_poll);
        co_await timer.async_wait(asio::use_awaitable);
      }
    }
  }());
  if (stayed && !failed) (void)co_await ex.end_stream();
}

}  // namespace kthena::node
