// `kthena router` assembled: worker reactors serving the inference listener, a control reactor running the control
// plane and the metrics and debug listeners, and an orderly shutdown.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/left_right.h"
#include "common/result.h"
#include "http/reactor.h"
#include "http/server.h"
#include "router/control/control_plane.h"
#include "router/control/kube_source.h"
#include "router/metrics/metrics_registry.h"
#include "router/pipeline/request_pipeline.h"
#include "router/server/worker.h"

namespace kthena::router {

struct RouterServerOptions {
  std::string listen = "127.0.0.1:8080";
  std::string metrics_listen = "127.0.0.1:9090";  // empty: no metrics listener
  std::string debug_listen = "127.0.0.1:15000";   // empty: no debug listener
  bool expose_metrics_on_router_port = false;
  size_t threads = 0;  // worker reactors; 0: one per core, at most kMaxWorkerThreads
  // Limits on what clients may take (docs/router.md, "Limits"); each refusal is an OpenAI error object and is
  // counted in kthena_router_http_refusals_total.
  uint64_t max_body_size = 64 * 1024 * 1024;
  size_t max_connections = 10000;
  size_t max_buffered_bytes = 512 * 1024 * 1024;
  std::chrono::milliseconds header_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds body_timeout{std::chrono::seconds(60)};
  std::chrono::milliseconds idle_timeout{std::chrono::seconds(75)};
  size_t max_json_depth = RequestParser::kDefaultMaxDepth;
  // What the router waits for from a pod. ModelServer.spec.trafficPolicy.timeout, when set, bounds connect + send +
  // response head instead of the header timeout.
  std::chrono::milliseconds upstream_connect_timeout{std::chrono::seconds(3)};
  std::chrono::milliseconds upstream_header_timeout{std::chrono::minutes(10)};
  std::chrono::milliseconds upstream_idle_timeout{std::chrono::minutes(5)};
  std::chrono::milliseconds drain_timeout{std::chrono::minutes(5)};
  ControlOptions control;
  std::optional<std::string> kubeconfig;  // --kubeconfig: objects from an API server instead of a static file
};

// The most worker threads a router runs: each worker reads the shared scheduling indexes through its own reader
// slot (left_right.h), and there are this many.
inline constexpr size_t kMaxWorkerThreads = LeftRight<int>::kMaxReaders;

// `--threads` resolved against the host: 0 is one per core (`cores`, 0 when unknown, counts as 1) up to
// kMaxWorkerThreads; an explicit count above that is an error naming --threads.
Result<size_t> worker_threads(size_t requested, unsigned cores);

// "host:port" or "[v6]:port".
Result<std::pair<std::string, uint16_t>> parse_listen_address(std::string_view text);

class RouterServer {
 public:
  static Result<std::unique_ptr<RouterServer>> start(RouterServerOptions options);
  RouterServer() = default;
  ~RouterServer();
  RouterServer(const RouterServer&) = delete;
  RouterServer& operator=(const RouterServer&) = delete;

  uint16_t port() const { return inference_->port(); }
  uint16_t metrics_port() const { return metrics_ ? metrics_->port() : 0; }
  uint16_t debug_port() const { return debug_ ? debug_->port() : 0; }
  ControlPlane& control() { return *control_; }
  const MetricsRegistry& metrics() const { return registry_; }

  // Stops accepting, lets requests in flight finish for up to the drain timeout, then stops everything.
  // Idempotent; any thread except the reactors'.
  void shutdown();

 private:
  RouterServerOptions options_;
  std::unique_ptr<http::ReactorPool> control_pool_;
  std::unique_ptr<http::ReactorPool> worker_pool_;
  MetricsRegistry registry_;
  std::unique_ptr<ControlPlane> control_;
  std::unique_ptr<KubeSource> kube_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::unique_ptr<RequestPipeline> pipeline_;
  std::unique_ptr<http::Server> inference_;
  std::unique_ptr<http::Server> metrics_;
  std::unique_ptr<http::Server> debug_;
  bool stopped_ = false;
};

}  // namespace kthena::router
