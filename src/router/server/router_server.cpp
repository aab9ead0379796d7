#include "router/server/router_server.h"

#include <algorithm>
#include <charconv>
#include <thread>

#include <fmt/format.h>

#include "common/log.h"
#include "router/debug/config_dump.h"
#include "router/pipeline/error_response.h"

namespace kthena::router {

Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text) {
  std::string_view host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return fail(ErrorCode::kInvalid, fmt::format("\"{}\" is not host:port", text));
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return fail(ErrorCode::kInvalid, fmt::format("\"{}\" is not host:port", text));
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value > 65535) {
    return fail(ErrorCode::kInvalid, fmt::format("\"{}\" has no valid port", text));
  }
  if (host.empty()) host = "0.0.0.0";
  return std::pair<std::string, uint16_t>(std::string(host), static_cast<uint16_t>(value));
}

namespace {

// What the inference listener refused on its own (http::ServerStats), by reason.
void register_refusal_metrics(MetricsRegistry& registry, const http::Server& server) {
  using Field = uint64_t http::ServerStats::*;
  const std::pair<const char*, Field> reasons[] = {
      {"connection_limit", &http::ServerStats::connections_refused},
      {"malformed", &http::ServerStats::malformed},
      {"header_too_large", &http::ServerStats::head_too_large},
      {"body_too_large", &http::ServerStats::body_too_large},
      {"buffer_limit", &http::ServerStats::over_buffer_budget},
      {"header_timeout", &http::ServerStats::header_timeouts},
      {"body_timeout", &http::ServerStats::body_timeouts},
      {"io_timeout", &http::ServerStats::io_timeouts},
  };
  for (const auto& [reason, field] : reasons) {
    registry.add_callback_counter(
        "kthena_router_http_refusals_total",
        "Requests and connections the inference listener refused or cut off on its own, by reason.",
        [&server, field = field] { return static_cast<double>(server.stats().*field); }, {{"reason", reason}});
  }
  registry.add_callback_gauge("kthena_router_buffered_request_bytes",
                              "Bytes of request heads and bodies the inference listener holds now.",
                              [&server] { return static_cast<double>(server.buffered_bytes()); });
}

}  // namespace

Result<size_t> worker_threads(size_t requested, unsigned cores) {
  if (requested > kMaxWorkerThreads) {
    return fail(ErrorCode::kInvalid,
                fmt::format("{} worker threads requested, at most {} are supported", requested, kMaxWorkerThreads),
                "--threads");
  }
  if (requested != 0) return requested;
  return std::clamp<size_t>(cores, 1, kMaxWorkerThreads);
}

Result<std::unique_ptr<RouterServer>> RouterServer::start(RouterServerOptions options) {
  auto server = std::make_unique<RouterServer>();
  RouterServer& s = *server;
  s.options_ = std::move(options);
  auto threads = worker_threads(s.options_.threads, std::thread::hardware_concurrency());
  if (!threads) return fail(threads.error());
  s.options_.threads = *threads;
  auto listen = parse_listen_address(s.options_.listen);
  if (!listen) return fail(ErrorCode::kInvalid, listen.error().message, "--listen");

  // The control reactor: control plane, metrics and debug listeners.
  s.control_pool_ = std::make_unique<http::ReactorPool>(1);
  s.control_pool_->start();
  auto control = ControlPlane::create(s.options_.control, s.control_pool_->reactor(0), s.registry_);
  if (!control) return fail(control.error());
  s.control_ = std::move(*control);
  if (s.options_.kubeconfig) {
    auto source = KubeSource::start(*s.options_.kubeconfig, *s.control_);
    if (!source) return fail(ErrorCode::kInvalid, source.error().to_string(), "--kubeconfig");
    s.kube_ = std::move(*source);
    KubeSource* kube = s.kube_.get();
    s.control_->set_sources_synced([kube] { return kube->synced(); });
  }

  s.worker_pool_ = std::make_unique<http::ReactorPool>(s.options_.threads);
  http::ClientOptions upstream;
  upstream.connect_timeout = s.options_.upstream_connect_timeout;
  upstream.response_timeout = s.options_.upstream_header_timeout;
  upstream.read_timeout = s.options_.upstream_idle_timeout;
  for (size_t i = 0; i < s.worker_pool_->size(); ++i) {
    http::Reactor& reactor = s.worker_pool_->reactor(i);
    // On the reactor: the per-request timeouts are deadlines its sweep enforces, not timers.
    auto client = http::Client::create(reactor, upstream);
    if (!client) return fail(client.error());
    s.workers_.push_back(std::make_unique<Worker>(reactor, static_cast<uint32_t>(i), s.control_->snapshots(),
                                                  s.registry_.new_shard(), nullptr, std::move(*client),
                                                  s.options_.max_json_depth));
  }
  // The access log, shared by the workers.
  std::string warnings;
  AccessLogSettings log_settings = AccessLogSettings::from_environment(&warnings);
  if (!warnings.empty()) spdlog::warn("{}", warnings);
  if (log_settings.enabled) {
    auto sink = AccessLogSink::open(log_settings);
    if (!sink) return fail(sink.error());
    for (auto& w : s.workers_) w->set_access_log(*sink);
    s.registry_.add_callback_counter("kthena_router_access_log_dropped_lines_total",
                                     "Access-log lines dropped because the log's output did not keep up.",
                                     [sink = *sink] { return static_cast<double>(sink->dropped_lines()); });
  }

  PipelineOptions pipeline_options;
  pipeline_options.serve_metrics = s.options_.expose_metrics_on_router_port;
  pipeline_options.registry = &s.registry_;
  s.pipeline_ = std::make_unique<RequestPipeline>(s.workers_, pipeline_options);
  s.worker_pool_->start();

  http::ServerOptions inference;
  inference.address = listen->first;
  inference.port = listen->second;
  inference.max_body_size = s.options_.max_body_size;
  inference.max_connections = s.options_.max_connections;
  inference.max_buffered_bytes = s.options_.max_buffered_bytes;
  inference.header_timeout = s.options_.header_timeout;
  inference.body_timeout = s.options_.body_timeout;
  inference.idle_timeout = s.options_.idle_timeout;
  inference.error_body = protocol_error_body;  // 413, 431, 503 and malformed requests as OpenAI error objects
  RequestPipeline* pipeline = s.pipeline_.get();
  auto started =
      http::Server::start(*s.worker_pool_, inference, [pipeline](http::Exchange& ex) { return pipeline->handle(ex); });
  if (!started) return fail(started.error());
  s.inference_ = std::move(*started);
  register_refusal_metrics(s.registry_, *s.inference_);

  if (!s.options_.metrics_listen.empty()) {
    auto address = parse_listen_address(s.options_.metrics_listen);
    if (!address) return fail(ErrorCode::kInvalid, address.error().message, "--metrics-listen");
    http::ServerOptions o;
    o.address = address->first;
    o.port = address->second;
    o.accept = http::ServerOptions::Accept::kOneReactor;
    const MetricsRegistry* registry = &s.registry_;
    auto metrics =
        http::Server::start(*s.control_pool_, o, [registry](http::Exchange& ex) -> http::asio::awaitable<void> {
          if (ex.path() == "/metrics") {
            co_await ex.respond(200, "text/plain; version=0.0.4; charset=utf-8", registry->serialize());
          } else {
            co_await ex.respond(404, "text/plain", "404 page not found");
          }
        });
    if (!metrics) return fail(metrics.error());
    s.metrics_ = std::move(*metrics);
  }
  if (!s.options_.debug_listen.empty()) {
    auto address = parse_listen_address(s.options_.debug_listen);
    if (!address) return fail(ErrorCode::kInvalid, address.error().message, "--debug-listen");
    http::ServerOptions o;
    o.address = address->first;
    o.port = address->second;
    o.accept = http::ServerOptions::Accept::kOneReactor;
    ControlPlane* plane = s.control_.get();
    auto debug = http::Server::start(*s.control_pool_, o, [plane](http::Exchange& ex) -> http::asio::awaitable<void> {
      std::shared_ptr<const RouterSnapshot> snap = plane->current();
      if (ex.method() == "GET") {
        if (auto answer = debug_answer(*snap, ex.path(), plane->debug_status())) {
          co_await ex.respond(answer->status, "application/json", answer->body);
          co_return;
        }
      }
      co_await ex.respond(404, "application/json", R"({"error":"not found"})");
    });
    if (!debug) return fail(debug.error());
    s.debug_ = std::move(*debug);
  }
  s.control_->start();
  return server;
}

void RouterServer::shutdown() {
  if (stopped_) return;
  stopped_ = true;
  if (inference_) inference_->shutdown(options_.drain_timeout);
  if (metrics_) metrics_->shutdown(std::chrono::seconds(1));
  if (debug_) debug_->shutdown(std::chrono::seconds(1));
  kube_.reset();  // no more changes posted to the control reactor
  if (control_) control_->stop();
  if (worker_pool_) worker_pool_->stop();
  for (auto& w : workers_) w->flush_log();
  if (control_pool_) control_pool_->stop();
}

RouterServer::~RouterServer() {
  shutdown();
  // Workers hold timers of the worker reactors, the control plane timers of the control reactor: both go before
  // the pools.
  pipeline_.reset();
  workers_.clear();
  control_.reset();
}

}  // namespace kthena::router
