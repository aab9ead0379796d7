// The inference listener's handler (kthena-router.md §2.3, §3): health and readiness, the model list, and every
// /v1/* request through parse -> route -> resolve -> schedule -> proxy. Stateless itself: per-thread state is in
// the Worker of the reactor the request arrived on, shared state in the snapshot it pins.
#pragma once

#include <memory>
#include <vector>

#include "http/exchange.h"
#include "router/pipeline/request_state.h"
#include "router/server/worker.h"

namespace kthena::router {

struct PipelineOptions {
  bool serve_metrics = false;  // --expose-metrics-on-router-port: also answer /metrics here
  const MetricsRegistry* registry = nullptr;
};

class RequestPipeline {
 public:
  // `workers` is indexed like the reactors of the pool that serves the listener; it must outlive the pipeline.
  RequestPipeline(const std::vector<std::unique_ptr<Worker>>& workers, PipelineOptions options)
      : workers_(workers), options_(options) {}

  // The http::Handler of the inference listener.
  http::asio::awaitable<void> handle(http::Exchange& ex);

 private:
  Worker& worker_for(http::Exchange& ex) const;
  http::asio::awaitable<void> inference(RequestState& st);
  // Parses, routes and resolves; false when it already answered.
  http::asio::awaitable<bool> prepare(RequestState& st);

  const std::vector<std::unique_ptr<Worker>>& workers_;
  PipelineOptions options_;
};

}  // namespace kthena::router
